package controllers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"workcomm/testenv"
)

// payPayment is the Payment object of the contract.
type payPayment struct {
	ID                    uint64    `json:"id"`
	PlanID                string    `json:"planId"`
	Amount                int64     `json:"amount"`
	Currency              string    `json:"currency"`
	Status                string    `json:"status"`
	StripePaymentIntentID string    `json:"stripePaymentIntentId"`
	CreatedAt             time.Time `json:"createdAt"`
	UpdatedAt             time.Time `json:"updatedAt"`
}

type payIntent struct {
	Payment      payPayment `json:"payment"`
	ClientSecret string     `json:"clientSecret"`
}

type payPaymentList struct {
	Items      []payPayment `json:"items"`
	NextCursor *string      `json:"nextCursor"`
}

// postIntent asks for a PaymentIntent, with an Idempotency-Key when key is set.
func postIntent(t *testing.T, env *testenv.Env, u *testenv.User, body any, key string) *testenv.Response {
	t.Helper()
	req := testenv.Req{Method: http.MethodPost, Path: "/api/v1/payments/intent", Token: u.AccessToken, Body: body}
	if key != "" {
		req.Header = map[string]string{"Idempotency-Key": key}
	}
	return env.Do(t, req)
}

// buyIntent creates a pending payment for plan and returns it.
func buyIntent(t *testing.T, env *testenv.Env, u *testenv.User, plan string) payIntent {
	t.Helper()
	res := postIntent(t, env, u, map[string]string{"planId": plan}, "")
	testenv.Expect(t, res, http.StatusCreated)
	var out payIntent
	res.JSON(t, &out)
	return out
}

func listMyPayments(t *testing.T, env *testenv.Env, u *testenv.User, query string) payPaymentList {
	t.Helper()
	res := env.Get(t, "/api/v1/payments"+query, u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var out payPaymentList
	res.JSON(t, &out)
	return out
}

func TestCreatePaymentIntent(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		stripe := testenv.NewStripeRecorder(t)
		env := testenv.New(t, kind, testenv.WithStripe(stripe.URL))
		const intents = "/v1/payment_intents"

		t.Run("a user buying the monthly plan gets a pending payment priced by the server", func(t *testing.T) {
			u := env.Register(t, "buyer")
			before := len(stripe.Calls(http.MethodPost, intents))
			got := buyIntent(t, env, u, "premium_monthly")
			p := got.Payment
			if p.ID == 0 || p.PlanID != "premium_monthly" || p.Amount != 900 || p.Currency != "eur" || p.Status != "pending" {
				t.Fatalf("payment = %+v", p)
			}
			if len(p.StripePaymentIntentID) < 4 || p.StripePaymentIntentID[:3] != "pi_" || got.ClientSecret == "" {
				t.Fatalf("intent id %q, client secret %q", p.StripePaymentIntentID, got.ClientSecret)
			}
			calls := stripe.Calls(http.MethodPost, intents)
			if len(calls) != before+1 {
				t.Fatalf("%d PaymentIntents created at Stripe, want 1", len(calls)-before)
			}
			f := calls[len(calls)-1].Form
			want := map[string]string{
				"amount": "900", "currency": "eur", "automatic_payment_methods[enabled]": "true",
				"metadata[user_id]": strconv.FormatUint(u.ID, 10), "metadata[plan_id]": "premium_monthly",
			}
			for k, v := range want {
				if f.Get(k) != v {
					t.Errorf("Stripe got %s=%q, want %q (form %v)", k, f.Get(k), v, f)
				}
			}
			if calls[len(calls)-1].IdempotencyKey == "" {
				t.Error("the PaymentIntent was created without an idempotency key")
			}
			one := env.Get(t, fmt.Sprintf("/api/v1/payments/%d", p.ID), u.AccessToken)
			testenv.Expect(t, one, http.StatusOK)
			var stored payPayment
			one.JSON(t, &stored)
			if stored.ID != p.ID || stored.StripePaymentIntentID != p.StripePaymentIntentID || stored.Status != "pending" {
				t.Fatalf("stored payment = %+v, want %+v", stored, p)
			}
		})

		t.Run("the yearly plan costs 9000 cents", func(t *testing.T) {
			u := env.Register(t, "yearly")
			if p := buyIntent(t, env, u, "premium_yearly").Payment; p.Amount != 9000 || p.Currency != "eur" {
				t.Fatalf("payment = %+v", p)
			}
		})

		t.Run("a retried request with the same Idempotency-Key returns the first payment and makes no new intent", func(t *testing.T) {
			u := env.Register(t, "retry")
			body := map[string]string{"planId": "premium_monthly"}
			first := postIntent(t, env, u, body, "order-42")
			testenv.Expect(t, first, http.StatusCreated)
			before := len(stripe.Calls(http.MethodPost, intents))
			again := postIntent(t, env, u, body, "order-42")
			testenv.Expect(t, again, http.StatusOK)
			var a, b payIntent
			first.JSON(t, &a)
			again.JSON(t, &b)
			if a.Payment.ID != b.Payment.ID || a.Payment.StripePaymentIntentID != b.Payment.StripePaymentIntentID || a.ClientSecret != b.ClientSecret {
				t.Fatalf("retry answered %+v, want the first %+v", b, a)
			}
			if n := len(stripe.Calls(http.MethodPost, intents)) - before; n != 0 {
				t.Fatalf("the retry created %d PaymentIntents at Stripe", n)
			}
			if items := listMyPayments(t, env, u, "").Items; len(items) != 1 {
				t.Fatalf("%d payments stored, want 1", len(items))
			}
		})

		t.Run("the Stripe idempotency key depends on the user and the key", func(t *testing.T) {
			a, b := env.Register(t, "idema"), env.Register(t, "idemb")
			body := map[string]string{"planId": "premium_monthly"}
			testenv.Expect(t, postIntent(t, env, a, body, "same-key"), http.StatusCreated)
			resB := postIntent(t, env, b, body, "same-key")
			testenv.Expect(t, resB, http.StatusCreated)
			calls := stripe.Calls(http.MethodPost, intents)
			ka, kb := calls[len(calls)-2].IdempotencyKey, calls[len(calls)-1].IdempotencyKey
			if ka == "" || ka == kb {
				t.Fatalf("Stripe idempotency keys %q and %q: want distinct and set", ka, kb)
			}
			if ka == "same-key" || kb == "same-key" {
				t.Fatal("the client's key was sent to Stripe as is, not scoped by user")
			}
		})

		t.Run("the same Idempotency-Key for another plan is a conflict", func(t *testing.T) {
			u := env.Register(t, "switch")
			testenv.Expect(t, postIntent(t, env, u, map[string]string{"planId": "premium_monthly"}, "k1"), http.StatusCreated)
			res := postIntent(t, env, u, map[string]string{"planId": "premium_yearly"}, "k1")
			testenv.Expect(t, res, http.StatusConflict)
			if items := listMyPayments(t, env, u, "").Items; len(items) != 1 {
				t.Fatalf("%d payments stored, want 1", len(items))
			}
		})

		t.Run("an unknown plan is refused on planId", func(t *testing.T) {
			u := env.Register(t, "unknown")
			res := postIntent(t, env, u, map[string]string{"planId": "premium_forever"}, "")
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorCode() != "validation_failed" || res.ErrorFields()["planId"] == "" {
				t.Fatalf("body %s, want validation_failed on planId", res.Body)
			}
		})

		t.Run("a missing plan is refused on planId", func(t *testing.T) {
			u := env.Register(t, "noplan")
			res := postIntent(t, env, u, map[string]string{}, "")
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["planId"] == "" {
				t.Fatalf("body %s, want a planId error", res.Body)
			}
		})

		t.Run("an amount sent by the client is refused and never reaches Stripe", func(t *testing.T) {
			u := env.Register(t, "cheap")
			before := len(stripe.Calls(http.MethodPost, intents))
			res := postIntent(t, env, u, map[string]any{"planId": "premium_yearly", "amount": 1}, "")
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorCode() != "validation_failed" || res.ErrorFields()["amount"] == "" {
				t.Fatalf("body %s, want validation_failed on amount", res.Body)
			}
			if n := len(stripe.Calls(http.MethodPost, intents)) - before; n != 0 {
				t.Fatalf("%d PaymentIntents created for a refused request", n)
			}
			if items := listMyPayments(t, env, u, "").Items; len(items) != 0 {
				t.Fatalf("payments stored: %+v", items)
			}
		})

		t.Run("a malformed Idempotency-Key is refused", func(t *testing.T) {
			u := env.Register(t, "badkey")
			long := make([]byte, 256)
			for i := range long {
				long[i] = 'k'
			}
			res := postIntent(t, env, u, map[string]string{"planId": "premium_monthly"}, string(long))
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["Idempotency-Key"] == "" {
				t.Fatalf("body %s, want an Idempotency-Key error", res.Body)
			}
		})

		t.Run("an anonymous caller is 401", func(t *testing.T) {
			res := env.Post(t, "/api/v1/payments/intent", "", map[string]string{"planId": "premium_monthly"})
			testenv.Expect(t, res, http.StatusUnauthorized)
		})

		t.Run("a user creating too many intents is rate-limited, replays are not", func(t *testing.T) {
			u := env.Register(t, "flood")
			body := map[string]string{"planId": "premium_monthly"}
			testenv.Expect(t, postIntent(t, env, u, body, "first"), http.StatusCreated)
			// services.NewLimits allows 10 PaymentIntents an hour per user.
			for i := 1; i < 10; i++ {
				testenv.Expect(t, postIntent(t, env, u, body, ""), http.StatusCreated)
			}
			res := postIntent(t, env, u, body, "")
			testenv.Expect(t, res, http.StatusTooManyRequests)
			if res.ErrorCode() != "rate_limited" || res.Header.Get("Retry-After") == "" {
				t.Fatalf("429 without rate_limited/Retry-After: %v %s", res.Header, res.Body)
			}
			testenv.Expect(t, postIntent(t, env, u, body, "first"), http.StatusOK)
			other := env.Register(t, "calm")
			testenv.Expect(t, postIntent(t, env, other, body, ""), http.StatusCreated)
		})
	})
}

func TestPaymentIntentStripeDown(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		// A Stripe that is gone: every connection is refused (stripe-go
		// retries twice, then gives up).
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		env := testenv.New(t, kind, testenv.WithStripe(gone.URL))
		u := env.Register(t, "stripedown")
		res := postIntent(t, env, u, map[string]string{"planId": "premium_monthly"}, "k")
		testenv.Expect(t, res, http.StatusServiceUnavailable)
		if res.ErrorCode() != "payments_unavailable" {
			t.Fatalf("body %s, want payments_unavailable", res.Body)
		}
		if items := listMyPayments(t, env, u, "").Items; len(items) != 0 {
			t.Fatalf("payments stored while Stripe was down: %+v", items)
		}
	})
}

func TestPaymentsAreOwnOnly(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, testenv.WithStripe(testenv.StripeMockURL(t)))
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		a1 := buyIntent(t, env, alice, "premium_monthly").Payment
		a2 := buyIntent(t, env, alice, "premium_yearly").Payment
		b1 := buyIntent(t, env, bob, "premium_monthly").Payment

		t.Run("another user's payment is not found", func(t *testing.T) {
			res := env.Get(t, fmt.Sprintf("/api/v1/payments/%d", b1.ID), alice.AccessToken)
			testenv.Expect(t, res, http.StatusNotFound)
			if res.ErrorCode() != "not_found" {
				t.Fatalf("body %s", res.Body)
			}
		})

		t.Run("an id that does not exist is not found", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/payments/999999", alice.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Get(t, "/api/v1/payments/abc", alice.AccessToken), http.StatusNotFound)
		})

		t.Run("the list shows only the caller's payments, newest first, page by page", func(t *testing.T) {
			first := listMyPayments(t, env, alice, "?limit=1")
			if len(first.Items) != 1 || first.Items[0].ID != a2.ID || first.NextCursor == nil {
				t.Fatalf("first page %+v, want [%d] and a cursor", first, a2.ID)
			}
			second := listMyPayments(t, env, alice, "?limit=1&cursor="+*first.NextCursor)
			if len(second.Items) != 1 || second.Items[0].ID != a1.ID || second.NextCursor != nil {
				t.Fatalf("second page %+v, want [%d] and no cursor", second, a1.ID)
			}
			all := listMyPayments(t, env, bob, "")
			if len(all.Items) != 1 || all.Items[0].ID != b1.ID || all.NextCursor != nil {
				t.Fatalf("bob's list %+v", all)
			}
		})

		t.Run("a cursor this server did not make is refused", func(t *testing.T) {
			res := env.Get(t, "/api/v1/payments?cursor=nonsense", alice.AccessToken)
			testenv.Expect(t, res, http.StatusBadRequest)
		})
	})
}

func TestPaymentsPublicEndpoints(t *testing.T) {
	type plan struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
		Days     int    `json:"days"`
	}
	type config struct {
		Enabled        bool   `json:"enabled"`
		PublishableKey string `json:"publishableKey"`
	}
	checkPlans := func(t *testing.T, env *testenv.Env) {
		t.Helper()
		res := env.Get(t, "/api/v1/payments/plans", "")
		testenv.Expect(t, res, http.StatusOK)
		var body struct {
			Items []plan `json:"items"`
		}
		res.JSON(t, &body)
		if len(body.Items) != 2 ||
			body.Items[0].ID != "premium_monthly" || body.Items[0].Amount != 900 || body.Items[0].Currency != "eur" || body.Items[0].Days != 30 ||
			body.Items[1].ID != "premium_yearly" || body.Items[1].Amount != 9000 || body.Items[1].Currency != "eur" || body.Items[1].Days != 365 {
			t.Fatalf("plans = %+v", body.Items)
		}
	}
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		t.Run("with keys, anyone sees the plans and the publishable key", func(t *testing.T) {
			env := testenv.New(t, kind, testenv.WithStripe(testenv.StripeMockURL(t)))
			checkPlans(t, env)
			res := env.Get(t, "/api/v1/payments/config", "")
			testenv.Expect(t, res, http.StatusOK)
			var c config
			res.JSON(t, &c)
			if !c.Enabled || c.PublishableKey != testenv.StripePublishableKey {
				t.Fatalf("config = %+v", c)
			}
		})

		t.Run("without keys, intents and webhooks are 503 and the rest works", func(t *testing.T) {
			env := testenv.New(t, kind)
			checkPlans(t, env)
			res := env.Get(t, "/api/v1/payments/config", "")
			testenv.Expect(t, res, http.StatusOK)
			var c config
			res.JSON(t, &c)
			if c.Enabled || c.PublishableKey != "" {
				t.Fatalf("config = %+v, want disabled without a key", c)
			}
			u := env.Register(t, "nokeys")
			intent := postIntent(t, env, u, map[string]string{"planId": "premium_monthly"}, "")
			testenv.Expect(t, intent, http.StatusServiceUnavailable)
			if intent.ErrorCode() != "payments_unavailable" {
				t.Fatalf("body %s", intent.Body)
			}
			hook := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/payments/webhook", Body: "{}",
				Header: map[string]string{"Stripe-Signature": "t=1,v1=00"}})
			testenv.Expect(t, hook, http.StatusServiceUnavailable)
			if items := listMyPayments(t, env, u, "").Items; len(items) != 0 {
				t.Fatalf("payments = %+v", items)
			}
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusOK)
		})
	})
}
