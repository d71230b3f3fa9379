//go:build unix

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"workcomm/testenv"
)

// fastAnswer bounds how long a request may take while PostgreSQL is down:
// refusing at once is the point (a hang would hold clients and proxies).
const fastAnswer = 3 * time.Second

func stripeEnv(apiURL string) []string {
	return []string{"STRIPE_SECRET_KEY=" + testenv.StripeSecretKey, "STRIPE_PUBLISHABLE_KEY=" + testenv.StripePublishableKey,
		"STRIPE_WEBHOOK_SECRET=" + testenv.StripeWebhookSecret, "STRIPE_API_URL=" + apiURL}
}

// signedEvent is a PaymentIntent event as Stripe sends it, with its signature.
func signedEvent(id, typ, intent string) ([]byte, string) {
	raw, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion, "created": time.Now().Unix(),
		"type": typ, "data": map[string]any{"object": map[string]any{"id": intent, "object": "payment_intent"}}})
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: raw, Secret: testenv.StripeWebhookSecret, Timestamp: time.Now()}).Header
	return raw, sig
}

// deliver posts an event as Stripe does: again and again until a 2xx, and
// returns every status it got.
func deliver(ctx context.Context, base string, payload []byte, sig string) []int {
	var statuses []int
	for ctx.Err() == nil {
		status, _ := call(base, http.MethodPost, "/api/v1/payments/webhook", "", payload, map[string]string{"Stripe-Signature": sig})
		statuses = append(statuses, status)
		if status == http.StatusOK {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return statuses
}

type payment struct {
	ID     uint64
	Intent string
	User   *account
}

func buy(t testing.TB, base string, u *account) payment {
	t.Helper()
	var out struct {
		Payment struct {
			ID                    uint64
			StripePaymentIntentID string
		}
	}
	must(t, base, http.MethodPost, "/api/v1/payments/intent", u.Token, map[string]any{"planId": "premium_monthly"}, http.StatusCreated, &out)
	return payment{ID: out.Payment.ID, Intent: out.Payment.StripePaymentIntentID, User: u}
}

// probe is one REST request made while the fault ran.
type probe struct {
	at      time.Time
	took    time.Duration
	status  int
	code    string
	outcome string
}

func TestPostgresRestartedWhileMessagesAndWebhooksFlow(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	node := testenv.NewNode(t, "node", bin, nodeEnv(append(stripeEnv(testenv.StripeMockURL(t)), "DATABASE_URL="+pg.URL(), "REQUEST_TIMEOUT=5s")...)...)
	node.Start(t)
	base := node.URL()
	db := openDB(t, pg.URL())

	users := make([]*account, 10) // a free plan's largest group
	for i := range users {
		users[i] = register(t, base, "pg")
	}
	gid := group(t, base, users[0], users[1:])
	var payments []payment
	for _, u := range users[:6] {
		payments = append(payments, buy(t, base, u))
	}
	chatters := make([]*chatter, len(users))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for i, u := range users {
		chatters[i] = newChatter(u, gid, func() []string { return []string{node.WSURL("/ws/group")} })
		if _, err := chatters[i].Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}

	var (
		sendCtx, stopSending = context.WithCancel(ctx)
		wg                   sync.WaitGroup
		mu                   sync.Mutex // probes and hooks
		sends                = newLedger()
		probes               []probe
		hooks                = map[string][]int{} // event id → statuses
	)
	for i, c := range chatters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sends.sendLoop(t, ctx, sendCtx, c, fmt.Sprintf("pg-%d", i), "restart", nil, every(100*time.Millisecond))
		}()
	}
	// Stripe delivers each payment's success on its own schedule, 700 ms
	// apart (spanning the outage), retrying until 200, then once more
	// (Stripe delivers at least once).
	for i, p := range payments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 700 * time.Millisecond)
			id := fmt.Sprintf("evt_pg_%d_%s", i, testenv.UniqueName(""))
			payload, sig := signedEvent(id, "payment_intent.succeeded", p.Intent)
			st := deliver(ctx, base, payload, sig)
			st = append(st, deliver(ctx, base, payload, sig)...)
			mu.Lock()
			hooks[id] = st
			mu.Unlock()
		}()
	}
	// A REST client asks every 100 ms.
	probeCtx, stopProbes := context.WithCancel(ctx)
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() {
		defer probeWG.Done()
		for probeCtx.Err() == nil {
			start := time.Now()
			status, raw := call(base, http.MethodGet, "/api/v1/users/me", users[0].Token, nil, nil)
			mu.Lock()
			probes = append(probes, probe{at: start, took: time.Since(start), status: status, code: errorCode(raw)})
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	}()

	time.Sleep(2 * time.Second)
	pg.StopImmediate(t)
	faultsInjected.Add(1)
	down := time.Now()
	time.Sleep(4 * time.Second)
	t.Run("while PostgreSQL is down the node is up, unready, and answers fast 503s", func(t *testing.T) {
		status, raw := call(base, http.MethodGet, "/readyz", "", nil, nil)
		if status != http.StatusServiceUnavailable || !json.Valid(raw) {
			t.Errorf("/readyz answered %d %s", status, raw)
		}
		if status, _ := call(base, http.MethodGet, "/healthz", "", nil, nil); status != http.StatusOK {
			t.Errorf("/healthz answered %d", status)
		}
	})
	up := time.Now()
	pg.Start(t)
	t.Run("the pool heals by itself: the node is ready again without a restart", func(t *testing.T) {
		if err := testenv.WaitHTTP(base+"/readyz", http.StatusOK, 30*time.Second, nil); err != nil {
			t.Fatal(err)
		}
	})
	healed := time.Now()
	time.Sleep(3 * time.Second)
	stopSending()
	wg.Wait()
	stopProbes()
	probeWG.Wait()
	if t.Failed() {
		t.FailNow()
	}

	t.Run("REST answered every request, fast, with 503 unavailable during the outage and never 500", func(t *testing.T) {
		var during, unavailable int
		for _, p := range probes {
			if p.status == http.StatusInternalServerError || p.status == 0 {
				t.Errorf("a request at %s answered %d (%s)", p.at.Sub(down), p.status, p.code)
			}
			if p.at.After(down.Add(500*time.Millisecond)) && p.at.Before(up) {
				during++
				if p.took > fastAnswer {
					t.Errorf("a request during the outage took %s", p.took)
				}
				if p.status != http.StatusServiceUnavailable || p.code != "unavailable" {
					t.Errorf("a request during the outage answered %d %q", p.status, p.code)
				}
				unavailable++
			}
		}
		if during == 0 || unavailable == 0 {
			t.Fatalf("no request was made during the outage (%d probes)", len(probes))
		}
		t.Logf("%d REST requests during the outage, all 503 unavailable within %s", during, fastAnswer)
	})
	t.Run("socket sends were refused as retryable, never internal", func(t *testing.T) {
		codes := codesOf(chatters)
		if codes["internal"] > 0 || codes["unavailable"] == 0 {
			t.Fatalf("socket error codes: %s", fmtCodes(codes))
		}
		t.Logf("socket error codes during the test: %s", fmtCodes(codes))
	})
	t.Run("every acknowledged message is stored exactly once; retries made no duplicate", func(t *testing.T) {
		for _, c := range chatters {
			c.finish(t, ctx)
		}
		rows := stored(t, db, []uint64{gid})
		n := setCheck(t, sends.acked, rows)
		senderOrder(t, sends.sent, rows)
		var dupes int
		var resends int64
		for _, c := range chatters {
			dupes += c.holdsAll(t, rows[gid])
			resends += c.Resends()
		}
		var recons int64
		for _, c := range chatters {
			recons += c.Reconnects()
		}
		t.Logf("acked=%d stored=%d resends=%d reconnects=%d duplicate deliveries dropped=%d", n, len(rows[gid]), resends, recons, dupes)
		if resends == 0 {
			t.Error("no send was retried: the outage was not exercised")
		}
	})
	t.Run("each webhook event applied once, retried through the outage", func(t *testing.T) {
		retried := 0
		for id, st := range hooks {
			for _, s := range st {
				if s != http.StatusOK && s != http.StatusServiceUnavailable {
					t.Errorf("event %s got %d", id, s)
				}
			}
			if len(st) > 2 {
				retried++
			}
			var n int64
			db.Table("stripe_events").Where("event_id = ?", id).Count(&n)
			if n != 1 {
				t.Errorf("event %s recorded %d times", id, n)
			}
		}
		if len(hooks) != len(payments) {
			t.Fatalf("%d of %d events delivered", len(hooks), len(payments))
		}
		for _, p := range payments {
			var row struct {
				Status        string
				Plan          string
				PlanExpiresAt time.Time
			}
			db.Raw("SELECT p.status, u.plan, u.plan_expires_at FROM payments p JOIN users u ON u.id = p.user_id WHERE p.id = ?", p.ID).Scan(&row)
			// One extension is 30 days from the delivery; a double one would be 60.
			if row.Status != "succeeded" || row.Plan != "premium" || row.PlanExpiresAt.After(time.Now().AddDate(0, 0, 31)) || row.PlanExpiresAt.Before(time.Now().AddDate(0, 0, 29)) {
				t.Errorf("payment %d: %+v", p.ID, row)
			}
		}
		t.Logf("%d events, %d retried through the outage", len(hooks), retried)
	})
	t.Logf("outage %s, healed %s after the restart", up.Sub(down).Round(time.Millisecond), healed.Sub(up).Round(time.Millisecond))
}
