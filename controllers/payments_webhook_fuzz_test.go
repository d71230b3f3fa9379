package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"

	"workcomm/models"
	"workcomm/testenv"
)

// FuzzStripeWebhook posts random bodies with random or correct signatures to
// the real webhook route. Whatever comes in: the answer is 200, 400 or 413,
// never a 500; nothing unsigned (or signed with another secret) is ever
// accepted; and nobody is premium without a succeeded payment.
func FuzzStripeWebhook(f *testing.F) {
	env := testenv.New(f, testenv.SQLite, testenv.WithStripe("http://127.0.0.1:1")) // the webhook never calls Stripe
	u := env.Register(f, "payer")
	const intent = "pi_fuzz_1"
	if err := models.CreatePayment(context.Background(), env.App.DB, &models.Payment{UserID: u.ID, StripePaymentIntentID: intent,
		ClientSecret: intent + "_secret", PlanID: "premium_monthly", Amount: 900, Currency: "eur", Status: models.PaymentPending}); err != nil {
		f.Fatal(err)
	}
	event := func(id, typ string, obj map[string]any) []byte {
		raw, _ := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion, "created": time.Now().Unix(),
			"type": typ, "data": map[string]any{"object": obj}})
		return raw
	}
	pi := map[string]any{"id": intent, "object": "payment_intent"}
	for _, seed := range [][]byte{
		event("evt_1", "payment_intent.processing", pi), event("evt_2", "payment_intent.payment_failed", pi),
		event("evt_3", "payment_intent.canceled", pi), event("evt_4", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge"}),
		event("evt_5", "payment_intent.succeeded", map[string]any{"id": "pi_unknown", "object": "payment_intent"}),
		event("", "payment_intent.succeeded", pi), event("evt_6", "payment_intent.succeeded", map[string]any{"id": intent, "object": "charge"}),
		[]byte(`{"id":"evt_7","api_version":"2020-08-27","type":"payment_intent.succeeded","data":{"object":{"id":"pi_fuzz_1","object":"payment_intent"}}}`),
		[]byte(`{}`), []byte(`null`), []byte(`not json`), []byte{},
	} {
		for _, mode := range []uint8{0, 1, 2, 3} {
			f.Add(seed, "t=1,v1=00", mode)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, header string, mode uint8) {
		// mode 0: the fuzzer's header; 1: correctly signed now; 2: signed with
		// another secret; 3: correctly signed an hour ago (stale).
		sig := header
		switch mode % 4 {
		case 1:
			sig = signStripe(body, testenv.StripeWebhookSecret, time.Now())
		case 2:
			sig = signStripe(body, "whsec_attacker", time.Now())
		case 3:
			sig = signStripe(body, testenv.StripeWebhookSecret, time.Now().Add(-time.Hour))
		}
		if strings.IndexFunc(sig, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }) >= 0 {
			return // not a header value an HTTP client can send
		}
		res := postWebhook(t, env, body, sig, "")
		switch {
		case res.Status == http.StatusOK && mode%4 != 1:
			t.Fatalf("an event not signed with the secret was accepted (mode %d): %q", mode%4, body)
		case res.Status == http.StatusOK && !bytes.Contains(res.Body, []byte(`"received":true`)):
			t.Fatalf("200 without received: %s", res.Body)
		case res.Status != http.StatusOK && res.Status != http.StatusBadRequest && res.Status != http.StatusRequestEntityTooLarge:
			t.Fatalf("answered %d %s for %q", res.Status, res.Body, body)
		}
		var p models.Payment
		if err := env.App.DB.Where("stripe_payment_intent_id = ?", intent).First(&p).Error; err != nil {
			t.Fatal(err)
		}
		var payer models.User
		if err := env.App.DB.First(&payer, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if payer.Plan == models.PlanPremium && p.Status != models.PaymentSucceeded {
			t.Fatalf("premium while the only payment is %s", p.Status)
		}
	})
}
