//go:build unix

package faults_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/testenv"
)

// effect is what a payment's events did: the payment's status, the payer's
// plan expiry and how many times the event was recorded.
type effect struct {
	Status  string
	Expires *time.Time
}

func effectOf(t testing.TB, db *gorm.DB, p payment) effect {
	t.Helper()
	var e effect
	if err := db.Raw("SELECT p.status, u.plan_expires_at AS expires FROM payments p JOIN users u ON u.id = p.user_id WHERE p.id = ?", p.ID).Scan(&e).Error; err != nil {
		t.Fatal(err)
	}
	return e
}

func recorded(t testing.TB, db *gorm.DB, eventID string) int64 {
	t.Helper()
	var n int64
	if err := db.Table("stripe_events").Where("event_id = ?", eventID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// expectOnce checks that a succeeded payment extended the plan by 30 days
// once (twice would be 60).
func expectOnce(t testing.TB, e effect, from time.Time) {
	t.Helper()
	if e.Status != "succeeded" || e.Expires == nil {
		t.Fatalf("effect %+v, want succeeded with an expiry", e)
	}
	lo, hi := from.AddDate(0, 0, 30).Add(-time.Minute), time.Now().AddDate(0, 0, 30).Add(time.Minute)
	if e.Expires.Before(lo) || e.Expires.After(hi) {
		t.Fatalf("the plan expires %s, want one 30-day extension (between %s and %s)", e.Expires, lo, hi)
	}
}

// Webhooks across two nodes: the same event five times in a row and five
// times at once on both nodes, events out of order, and a node that crashes
// after committing an event but before answering, followed by Stripe's retry:
// each event has exactly one effect.
func TestWebhookDeliveriesAcrossNodesAndCrashes(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	env := nodeEnv(append(stripeEnv(testenv.StripeMockURL(t)), "DATABASE_URL="+pg.URL())...)
	a, b := testenv.NewNode(t, "nodeA", bin, env...), testenv.NewNode(t, "nodeB", bin, env...)
	a.Start(t)
	b.Start(t)
	db := openDB(t, pg.URL())
	newPayment := func() payment { return buy(t, a.URL(), register(t, a.URL(), "hook")) }
	post := func(base string, payload []byte, sig string) int {
		status, _ := call(base, http.MethodPost, "/api/v1/payments/webhook", "", payload, map[string]string{"Stripe-Signature": sig})
		return status
	}

	t.Run("the same event five times in a row: one effect", func(t *testing.T) {
		p := newPayment()
		id := "evt_row_" + testenv.UniqueName("")
		payload, sig := signedEvent(id, "payment_intent.succeeded", p.Intent)
		from := time.Now()
		for i := range 5 {
			if s := post(a.URL(), payload, sig); s != http.StatusOK {
				t.Fatalf("delivery %d: %d", i+1, s)
			}
		}
		expectOnce(t, effectOf(t, db, p), from)
		if n := recorded(t, db, id); n != 1 {
			t.Fatalf("recorded %d times", n)
		}
	})
	t.Run("the same event five times at once across both nodes: one effect", func(t *testing.T) {
		for round := range 3 {
			p := newPayment()
			id := fmt.Sprintf("evt_race_%d_%s", round, testenv.UniqueName(""))
			payload, sig := signedEvent(id, "payment_intent.succeeded", p.Intent)
			from := time.Now()
			var wg sync.WaitGroup
			statuses := make([]int, 5)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					node := a
					if i%2 == 1 {
						node = b
					}
					statuses[i] = post(node.URL(), payload, sig)
				}()
			}
			wg.Wait()
			for i, s := range statuses {
				if s != http.StatusOK {
					t.Fatalf("round %d, delivery %d: %d", round, i+1, s)
				}
			}
			expectOnce(t, effectOf(t, db, p), from)
			if n := recorded(t, db, id); n != 1 {
				t.Fatalf("round %d: recorded %d times", round, n)
			}
		}
	})
	t.Run("out of order: late processing and failed events never undo succeeded", func(t *testing.T) {
		p := newPayment()
		from := time.Now()
		for i, typ := range []string{"payment_intent.processing", "payment_intent.succeeded", "payment_intent.processing", "payment_intent.payment_failed", "payment_intent.canceled"} {
			payload, sig := signedEvent(fmt.Sprintf("evt_order_%d_%s", i, testenv.UniqueName("")), typ, p.Intent)
			node := a
			if i%2 == 1 {
				node = b
			}
			if s := post(node.URL(), payload, sig); s != http.StatusOK {
				t.Fatalf("%s: %d", typ, s)
			}
		}
		expectOnce(t, effectOf(t, db, p), from)
	})
	t.Run("a crash between commit and answer, then Stripe's retry: no double effect", func(t *testing.T) {
		p := newPayment()
		id := "evt_crash_" + testenv.UniqueName("")
		payload, sig := signedEvent(id, "payment_intent.succeeded", p.Intent)
		// Stripe reaches node A through this hop. Once node A has answered
		// (its transaction committed), the hop kills it and drops the
		// answer: Stripe sees the connection die, as if the node had crashed
		// after its commit and before its answer got out.
		var crashed sync.Once
		hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			req, _ := http.NewRequest(r.Method, a.URL()+r.URL.Path, bytes.NewReader(body))
			req.Header = r.Header.Clone()
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
			}
			crashed.Do(func() {
				a.Kill(t)
				faultsInjected.Add(1)
			})
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
				}
			}
		}))
		defer hop.Close()
		from := time.Now()
		if s := post(hop.URL, payload, sig); s == http.StatusOK {
			t.Fatal("the delivery through the crash was answered 200")
		}
		if a.Alive() {
			t.Fatal("node A was not killed")
		}
		first := effectOf(t, db, p)
		expectOnce(t, first, from) // committed before the crash
		// Stripe retries: on the restarted node A and on node B.
		a.Start(t)
		for _, n := range []*testenv.Node{a, b, a} {
			if s := post(n.URL(), payload, sig); s != http.StatusOK {
				t.Fatalf("retry on %s: %d", n.Name, s)
			}
		}
		after := effectOf(t, db, p)
		if after.Status != first.Status || !after.Expires.Equal(*first.Expires) {
			t.Fatalf("the retry changed the effect: %+v → %+v", first, after)
		}
		if n := recorded(t, db, id); n != 1 {
			t.Fatalf("recorded %d times", n)
		}
	})
}
