package controllers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"gorm.io/gorm"

	"workcomm/models"
	"workcomm/testenv"
)

const stripeWebhookPath = "/api/v1/payments/webhook"

// stripeEvent builds an event payload as Stripe renders it for stripe-go v76.
func stripeEvent(t *testing.T, id, typ, intentID string, mutate ...func(map[string]any)) []byte {
	t.Helper()
	ev := map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": time.Now().Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{
			"id": intentID, "object": "payment_intent", "amount": 900, "currency": "eur",
		}},
	}
	for _, m := range mutate {
		m(ev)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// signStripe returns the Stripe-Signature header for payload, made by stripe-go's
// own test helper.
func signStripe(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func postWebhook(t *testing.T, env *testenv.Env, payload []byte, signature, token string) *testenv.Response {
	t.Helper()
	req := testenv.Req{Method: http.MethodPost, Path: stripeWebhookPath, Body: payload, Token: token, Header: map[string]string{}}
	if signature != "" {
		req.Header["Stripe-Signature"] = signature
	}
	return env.Do(t, req)
}

// deliverStripeEvent sends a correctly signed event and expects 200 {"received": true}.
func deliverStripeEvent(t *testing.T, env *testenv.Env, payload []byte) {
	t.Helper()
	res := postWebhook(t, env, payload, signStripe(payload, testenv.StripeWebhookSecret, time.Now()), "")
	testenv.Expect(t, res, http.StatusOK)
	var body struct {
		Received bool `json:"received"`
	}
	res.JSON(t, &body)
	if !body.Received {
		t.Fatalf("body %s, want received: true", res.Body)
	}
}

var stripeEventSeq atomic.Int64

func newStripeEventID() string {
	return fmt.Sprintf("evt_test_%d_%d", time.Now().UnixNano(), stripeEventSeq.Add(1))
}

type payUserPlan struct {
	Plan          string     `json:"plan"`
	PlanExpiresAt *time.Time `json:"planExpiresAt"`
}

func userPlan(t *testing.T, env *testenv.Env, u *testenv.User) payUserPlan {
	t.Helper()
	res := env.Get(t, "/api/v1/users/me", u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var p payUserPlan
	res.JSON(t, &p)
	return p
}

func paymentStatus(t *testing.T, env *testenv.Env, u *testenv.User, id uint64) string {
	t.Helper()
	res := env.Get(t, fmt.Sprintf("/api/v1/payments/%d", id), u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var p payPayment
	res.JSON(t, &p)
	return p.Status
}

func stripeEventRows(t *testing.T, env *testenv.Env, eventID string) []models.StripeEvent {
	t.Helper()
	var rows []models.StripeEvent
	if err := env.App.DB.Where("event_id = ?", eventID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// expectExpiry checks that the plan runs out days after a moment between from and to.
func expectExpiry(t *testing.T, p payUserPlan, from, to time.Time, days int) {
	t.Helper()
	if p.Plan != "premium" || p.PlanExpiresAt == nil {
		t.Fatalf("plan = %+v, want premium with an expiry", p)
	}
	lo, hi := from.AddDate(0, 0, days).Add(-time.Second), to.AddDate(0, 0, days).Add(time.Second)
	if p.PlanExpiresAt.Before(lo) || p.PlanExpiresAt.After(hi) {
		t.Fatalf("plan expires %s, want between %s and %s (%d days from now)", p.PlanExpiresAt, lo, hi, days)
	}
}

func TestStripeWebhook(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, testenv.WithStripe(testenv.StripeMockURL(t)))

		// failUserUpdates makes every UPDATE of users fail: the last write of
		// a succeeded event, after the event row and the payment are written.
		var failUserUpdates atomic.Bool
		err := env.App.DB.Callback().Update().Before("gorm:update").Register("test:fail_user_updates", func(tx *gorm.DB) {
			if failUserUpdates.Load() && tx.Statement.Table == "users" {
				_ = tx.AddError(errors.New("injected failure"))
			}
		})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("a succeeded payment makes the payer premium for the plan's days", func(t *testing.T) {
			u := env.Register(t, "paid")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			from := time.Now()
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", p.StripePaymentIntentID))
			expectExpiry(t, userPlan(t, env, u), from, time.Now(), 30)
			if s := paymentStatus(t, env, u, p.ID); s != "succeeded" {
				t.Fatalf("status %q", s)
			}
		})

		t.Run("the same event delivered twice in a row is applied once", func(t *testing.T) {
			u := env.Register(t, "twice")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			ev := stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", p.StripePaymentIntentID)
			deliverStripeEvent(t, env, ev)
			first := userPlan(t, env, u)
			deliverStripeEvent(t, env, ev)
			if again := userPlan(t, env, u); !again.PlanExpiresAt.Equal(*first.PlanExpiresAt) {
				t.Fatalf("the duplicate moved the expiry from %s to %s", first.PlanExpiresAt, again.PlanExpiresAt)
			}
		})

		t.Run("the same event delivered concurrently is applied once", func(t *testing.T) {
			u := env.Register(t, "concurrent")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			id := newStripeEventID()
			ev := stripeEvent(t, id, "payment_intent.succeeded", p.StripePaymentIntentID)
			sig := signStripe(ev, testenv.StripeWebhookSecret, time.Now())
			// Eight deliveries at once: more than Stripe ever overlaps, enough
			// to race on PostgreSQL's pool.
			const deliveries = 8
			from := time.Now()
			var wg sync.WaitGroup
			statuses := make([]int, deliveries)
			start := make(chan struct{})
			for i := range deliveries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i] = postWebhook(t, env, ev, sig, "").Status
				}()
			}
			close(start)
			wg.Wait()
			for i, s := range statuses {
				if s != http.StatusOK {
					t.Fatalf("delivery %d answered %d", i, s)
				}
			}
			expectExpiry(t, userPlan(t, env, u), from, time.Now(), 30)
			if rows := stripeEventRows(t, env, id); len(rows) != 1 || rows[0].AppliedAt == nil {
				t.Fatalf("event rows %+v, want one, applied", rows)
			}
		})

		t.Run("a second succeeded payment extends from the current expiry", func(t *testing.T) {
			u := env.Register(t, "renew")
			monthly := buyIntent(t, env, u, "premium_monthly").Payment
			yearly := buyIntent(t, env, u, "premium_yearly").Payment
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", monthly.StripePaymentIntentID))
			first := userPlan(t, env, u)
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", yearly.StripePaymentIntentID))
			second := userPlan(t, env, u)
			if want := first.PlanExpiresAt.AddDate(0, 0, 365); second.Plan != "premium" || !second.PlanExpiresAt.Equal(want) {
				t.Fatalf("after renewal the plan expires %s, want %s", second.PlanExpiresAt, want)
			}
		})

		t.Run("late processing and failed events do not undo succeeded", func(t *testing.T) {
			u := env.Register(t, "late")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", p.StripePaymentIntentID))
			paid := userPlan(t, env, u)
			for _, typ := range []string{"payment_intent.processing", "payment_intent.payment_failed", "payment_intent.canceled"} {
				deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), typ, p.StripePaymentIntentID))
				if s := paymentStatus(t, env, u, p.ID); s != "succeeded" {
					t.Fatalf("after a late %s the status is %q", typ, s)
				}
			}
			if now := userPlan(t, env, u); now.Plan != "premium" || !now.PlanExpiresAt.Equal(*paid.PlanExpiresAt) {
				t.Fatalf("late events changed the plan: %+v, was %+v", now, paid)
			}
		})

		t.Run("a processing then failed payment ends failed and grants nothing", func(t *testing.T) {
			u := env.Register(t, "declined")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.processing", p.StripePaymentIntentID))
			if s := paymentStatus(t, env, u, p.ID); s != "processing" {
				t.Fatalf("status %q, want processing", s)
			}
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.payment_failed", p.StripePaymentIntentID))
			if s := paymentStatus(t, env, u, p.ID); s != "failed" {
				t.Fatalf("status %q, want failed", s)
			}
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.processing", p.StripePaymentIntentID))
			if s := paymentStatus(t, env, u, p.ID); s != "failed" {
				t.Fatalf("a late processing moved failed back to %q", s)
			}
			if plan := userPlan(t, env, u); plan.Plan != "free" || plan.PlanExpiresAt != nil {
				t.Fatalf("plan = %+v, want free", plan)
			}
		})

		t.Run("a canceled payment ends canceled and grants nothing", func(t *testing.T) {
			u := env.Register(t, "canceled")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.canceled", p.StripePaymentIntentID))
			if s := paymentStatus(t, env, u, p.ID); s != "canceled" {
				t.Fatalf("status %q, want canceled", s)
			}
			if plan := userPlan(t, env, u); plan.Plan != "free" {
				t.Fatalf("plan = %+v, want free", plan)
			}
		})

		t.Run("an event for an unknown PaymentIntent is recorded and answered 200", func(t *testing.T) {
			id := newStripeEventID()
			deliverStripeEvent(t, env, stripeEvent(t, id, "payment_intent.succeeded", "pi_not_ours"))
			rows := stripeEventRows(t, env, id)
			if len(rows) != 1 || rows[0].PaymentIntentID != "pi_not_ours" || rows[0].AppliedAt != nil {
				t.Fatalf("event rows %+v, want one, recorded and not applied", rows)
			}
		})

		t.Run("unhandled event types answer 200 and change nothing", func(t *testing.T) {
			u := env.Register(t, "unhandled")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "payment_intent.created", p.StripePaymentIntentID))
			deliverStripeEvent(t, env, stripeEvent(t, newStripeEventID(), "customer.created", "", func(ev map[string]any) {
				ev["data"] = map[string]any{"object": map[string]any{"id": "cus_1", "object": "customer"}}
			}))
			if s := paymentStatus(t, env, u, p.ID); s != "pending" {
				t.Fatalf("status %q, want pending", s)
			}
		})

		// Refused deliveries: each must leave the payment pending and record nothing.
		refused := []struct {
			name   string
			status int
			field  string
			send   func(t *testing.T, ev []byte, token string) *testenv.Response
		}{
			{"a signature made with another secret is refused", http.StatusBadRequest, "Stripe-Signature",
				func(t *testing.T, ev []byte, _ string) *testenv.Response {
					return postWebhook(t, env, ev, signStripe(ev, "whsec_someone_else", time.Now()), "")
				}},
			{"a signature older than five minutes is refused", http.StatusBadRequest, "Stripe-Signature",
				func(t *testing.T, ev []byte, _ string) *testenv.Response {
					return postWebhook(t, env, ev, signStripe(ev, testenv.StripeWebhookSecret, time.Now().Add(-6*time.Minute)), "")
				}},
			{"a body changed after signing is refused", http.StatusBadRequest, "Stripe-Signature",
				func(t *testing.T, ev []byte, _ string) *testenv.Response {
					sig := signStripe(ev, testenv.StripeWebhookSecret, time.Now())
					tampered := bytes.Replace(ev, []byte(`"amount":900`), []byte(`"amount":901`), 1)
					if bytes.Equal(tampered, ev) {
						t.Fatal("tampering changed nothing")
					}
					return postWebhook(t, env, tampered, sig, "")
				}},
			{"a garbled signature header is refused", http.StatusBadRequest, "Stripe-Signature",
				func(t *testing.T, ev []byte, _ string) *testenv.Response {
					return postWebhook(t, env, ev, "t=abc,v1", "")
				}},
			{"no signature is refused even with a valid JWT", http.StatusBadRequest, "Stripe-Signature",
				func(t *testing.T, ev []byte, token string) *testenv.Response {
					return postWebhook(t, env, ev, "", token)
				}},
			{"an event rendered in another API version is refused", http.StatusBadRequest, "api_version",
				func(t *testing.T, ev []byte, _ string) *testenv.Response {
					var m map[string]any
					if err := json.Unmarshal(ev, &m); err != nil {
						t.Fatal(err)
					}
					m["api_version"] = "2020-08-27"
					other, _ := json.Marshal(m)
					return postWebhook(t, env, other, signStripe(other, testenv.StripeWebhookSecret, time.Now()), "")
				}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				u := env.Register(t, "refused")
				p := buyIntent(t, env, u, "premium_monthly").Payment
				id := newStripeEventID()
				res := tc.send(t, stripeEvent(t, id, "payment_intent.succeeded", p.StripePaymentIntentID), u.AccessToken)
				testenv.Expect(t, res, tc.status)
				if res.ErrorCode() != "validation_failed" || res.ErrorFields()[tc.field] == "" {
					t.Fatalf("body %s, want validation_failed on %s", res.Body, tc.field)
				}
				if s := paymentStatus(t, env, u, p.ID); s != "pending" {
					t.Fatalf("status %q after a refused delivery", s)
				}
				if rows := stripeEventRows(t, env, id); len(rows) != 0 {
					t.Fatalf("a refused event was recorded: %+v", rows)
				}
			})
		}

		t.Run("a body over 64 KiB is refused with 413", func(t *testing.T) {
			big := stripeEvent(t, newStripeEventID(), "payment_intent.succeeded", "pi_big", func(ev map[string]any) {
				ev["padding"] = string(bytes.Repeat([]byte("x"), 64<<10))
			})
			res := postWebhook(t, env, big, signStripe(big, testenv.StripeWebhookSecret, time.Now()), "")
			testenv.Expect(t, res, http.StatusRequestEntityTooLarge)
			// The same body streamed without a Content-Length is cut at the limit.
			req, err := http.NewRequest(http.MethodPost, env.Server.URL+stripeWebhookPath, struct{ io.Reader }{bytes.NewReader(big)})
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Stripe-Signature", signStripe(big, testenv.StripeWebhookSecret, time.Now()))
			streamed, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			streamed.Body.Close()
			if streamed.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("streamed body: status %d, want 413", streamed.StatusCode)
			}
		})

		t.Run("a database failure answers 500, writes nothing, and Stripe's retry applies it", func(t *testing.T) {
			u := env.Register(t, "dbfail")
			p := buyIntent(t, env, u, "premium_monthly").Payment
			id := newStripeEventID()
			ev := stripeEvent(t, id, "payment_intent.succeeded", p.StripePaymentIntentID)
			failUserUpdates.Store(true)
			res := postWebhook(t, env, ev, signStripe(ev, testenv.StripeWebhookSecret, time.Now()), "")
			failUserUpdates.Store(false)
			testenv.Expect(t, res, http.StatusInternalServerError)
			if res.ErrorCode() != "internal" {
				t.Fatalf("body %s", res.Body)
			}
			if rows := stripeEventRows(t, env, id); len(rows) != 0 {
				t.Fatalf("the failed event was recorded: %+v", rows)
			}
			if s := paymentStatus(t, env, u, p.ID); s != "pending" {
				t.Fatalf("status %q after a failed transaction, want pending", s)
			}
			if plan := userPlan(t, env, u); plan.Plan != "free" {
				t.Fatalf("plan %+v after a failed transaction", plan)
			}
			from := time.Now()
			deliverStripeEvent(t, env, ev)
			expectExpiry(t, userPlan(t, env, u), from, time.Now(), 30)
			if s := paymentStatus(t, env, u, p.ID); s != "succeeded" {
				t.Fatalf("status %q after the retry", s)
			}
		})
	})
}
