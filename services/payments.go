package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/configs"
	"workcomm/models"
	"workcomm/views"
)

// Payments is the payments domain: plans, PaymentIntents at Stripe, the
// caller's payments and Stripe's webhook.
type Payments struct {
	*Core
	// stripe is the Stripe API client; nil when payments are off (no keys).
	stripe *client.API
}

// Plan is a premium plan on sale. The catalogue lives here, on the server: the
// amount charged always comes from it, never from the client.
type Plan struct {
	ID       string
	Name     string
	Amount   int64  // in the currency's smallest unit (cents)
	Currency string // ISO 4217, lower case as Stripe writes it
	Days     int    // how long the plan lasts once paid
}

// plans is the catalogue, in display order.
var plans = []Plan{
	{ID: "premium_monthly", Name: "Premium, monthly", Amount: 900, Currency: "eur", Days: 30},
	{ID: "premium_yearly", Name: "Premium, yearly", Amount: 9000, Currency: "eur", Days: 365},
}

// Plans lists the plans on sale.
func (s *Payments) Plans() views.List[views.Plan] {
	out := make([]views.Plan, len(plans))
	for i, p := range plans {
		out[i] = views.Plan{ID: p.ID, Name: p.Name, Amount: p.Amount, Currency: p.Currency, Days: p.Days}
	}
	return views.NewList(out, views.Cursor{})
}

// PlanByID returns the plan with this id.
func PlanByID(id string) (Plan, bool) {
	for _, p := range plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// BrowserConfig is what the browser needs to show Stripe's Payment
// Element: whether payments are on, and the publishable key.
func (s *Payments) BrowserConfig() views.PaymentConfig {
	if !s.Config.PaymentsEnabled() {
		return views.PaymentConfig{}
	}
	return views.PaymentConfig{Enabled: true, PublishableKey: s.Config.StripePublishableKey}
}

// Stripe client settings.
const (
	// stripeTimeout bounds one call to Stripe: the user's request waits on it,
	// and Stripe answers in well under a second when healthy.
	stripeTimeout = 20 * time.Second
	// stripeRetries is how often stripe-go retries a call that failed on the
	// network or with a 5xx/409; each retry reuses the idempotency key, so it
	// never makes a second PaymentIntent.
	stripeRetries = 2
)

// NewStripeClient builds the Stripe API client from the configuration, or
// returns nil when payments are off. STRIPE_API_URL points it at stripe-mock;
// the client carries its own key and backend, never stripe-go's globals.
func NewStripeClient(cfg *configs.Config, log *slog.Logger) *client.API {
	if !cfg.PaymentsEnabled() {
		return nil
	}
	bc := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: stripeTimeout},
		LeveledLogger:     stripeLogger{log: log.With("component", "stripe")},
		MaxNetworkRetries: stripe.Int64(stripeRetries),
	}
	if cfg.StripeAPIURL != "" {
		bc.URL = stripe.String(cfg.StripeAPIURL)
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, bc)
	return client.New(cfg.StripeSecretKey, &stripe.Backends{API: backend, Connect: backend, Uploads: backend})
}

// stripeLogger sends stripe-go's messages to the process logger.
type stripeLogger struct{ log *slog.Logger }

func (l stripeLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l stripeLogger) Infof(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l stripeLogger) Warnf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l stripeLogger) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }

// maxIdempotencyKeyLen is the longest Idempotency-Key accepted: the key is
// stored in a 255-character column (and Stripe's own limit is 255 too).
const maxIdempotencyKeyLen = 255

// CreateIntent starts paying for a plan: a Stripe PaymentIntent for the
// plan's amount and a pending Payment, with the secret the browser confirms
// it with. With an idempotency key, the same key from the same user answers
// the first payment again (replayed) instead of a new one.
func (s *Payments) CreateIntent(ctx context.Context, me *models.User, planID, idemKey string) (intent *views.PaymentIntent, replayed bool, err error) {
	if s.stripe == nil {
		return nil, false, apperr.ErrPaymentsOff
	}
	plan, ok := PlanByID(planID)
	if !ok {
		return nil, false, apperr.Field("planId", "is not a plan on sale")
	}
	if idemKey != "" {
		if !validIdempotencyKey(idemKey) {
			return nil, false, apperr.Field("Idempotency-Key", fmt.Sprintf("must be 1 to %d printable ASCII characters", maxIdempotencyKeyLen))
		}
		// A replay costs no rate-limit token: it makes nothing new.
		if res, err := s.replay(ctx, me, plan, idemKey); !errors.Is(err, apperr.ErrNotFound) {
			return res, err == nil, err
		}
	}
	if ok, wait := s.Limits.PaymentIntent.Allow(ctx, userKey(me.ID)); !ok {
		return nil, false, apperr.RateLimited(wait)
	}
	pi, err := s.newStripeIntent(ctx, me, plan, idemKey)
	if err != nil {
		return nil, false, err
	}
	p := &models.Payment{
		UserID: me.ID, StripePaymentIntentID: pi.ID, ClientSecret: pi.ClientSecret,
		PlanID: plan.ID, Amount: plan.Amount, Currency: plan.Currency, Status: models.PaymentPending,
	}
	if idemKey != "" {
		p.IdempotencyKey = &idemKey
	}
	err = models.CreatePayment(ctx, s.DB, p)
	if errors.Is(err, apperr.ErrConflict) && idemKey != "" {
		// A concurrent request with the same key stored its payment first.
		res, err := s.replay(ctx, me, plan, idemKey)
		return res, err == nil, err
	}
	if err != nil {
		return nil, false, err
	}
	return &views.PaymentIntent{Payment: views.NewPayment(p), ClientSecret: pi.ClientSecret}, false, nil
}

// replay answers a repeated idempotency key with the first payment, or
// not_found when the key is new. The same key for another plan is a conflict.
func (s *Payments) replay(ctx context.Context, me *models.User, plan Plan, key string) (*views.PaymentIntent, error) {
	p, err := models.FindPaymentByIdempotencyKey(ctx, s.DB, me.ID, key)
	if err != nil {
		return nil, err
	}
	if p.PlanID != plan.ID {
		return nil, apperr.New(apperr.ErrConflict, "this Idempotency-Key was already used to buy another plan")
	}
	return &views.PaymentIntent{Payment: views.NewPayment(p), ClientSecret: p.ClientSecret}, nil
}

// newStripeIntent creates the PaymentIntent at Stripe. Its idempotency key is
// derived from the user and their key, so a retried request gets the same
// intent from Stripe (for 24 hours) even if our database missed the first one.
func (s *Payments) newStripeIntent(ctx context.Context, me *models.User, plan Plan, idemKey string) (*stripe.PaymentIntent, error) {
	params := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(plan.Amount),
		Currency:                stripe.String(plan.Currency),
		Description:             stripe.String("WorkComm " + plan.Name),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
	}
	params.Context = ctx
	params.AddMetadata("user_id", strconv.FormatUint(me.ID, 10))
	params.AddMetadata("plan_id", plan.ID)
	key, err := stripeIdempotencyKey(me.ID, idemKey)
	if err != nil {
		return nil, err
	}
	params.SetIdempotencyKey(key)
	pi, err := s.stripe.PaymentIntents.New(params)
	if err != nil {
		s.Log.ErrorContext(ctx, "stripe: creating a PaymentIntent failed", "user_id", me.ID, "plan", plan.ID, "err", err)
		return nil, apperr.New(apperr.ErrPaymentsOff, "the payment provider did not answer; try again later")
	}
	return pi, nil
}

// stripeIdempotencyKey scopes the client's key by user (two users may pick the
// same key) and hashes it so that Stripe sees nothing the user typed. Without a
// client key a random one still makes stripe-go's own retries safe.
func stripeIdempotencyKey(userID uint64, key string) (string, error) {
	if key == "" {
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		return "wc-r-" + hex.EncodeToString(raw), nil
	}
	sum := sha256.Sum256([]byte(strconv.FormatUint(userID, 10) + "\x00" + key))
	return "wc-k-" + hex.EncodeToString(sum[:]), nil
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > maxIdempotencyKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// List pages the caller's payments, newest first. The cursor is the last id
// of the previous page, so the next page is below it.
func (s *Payments) List(ctx context.Context, me *models.User, page Page) (views.List[views.Payment], error) {
	res, err := models.ListPayments(ctx, s.DB, models.PaymentFilter{UserID: me.ID, BeforeID: page.After.ID, Limit: page.Limit})
	if err != nil {
		return views.List[views.Payment]{}, err
	}
	return views.NewPaymentList(res), nil
}

// Get returns one of the caller's payments; anyone else's is not_found.
func (s *Payments) Get(ctx context.Context, me *models.User, id uint64) (*views.Payment, error) {
	p, err := models.GetUserPayment(ctx, s.DB, me.ID, id)
	if err != nil {
		return nil, err
	}
	v := views.NewPayment(p)
	return &v, nil
}

// webhookStatuses maps the PaymentIntent events the server handles to the
// payment status they move to. Other event types are recorded and ignored.
var webhookStatuses = map[stripe.EventType]string{
	stripe.EventTypePaymentIntentProcessing:    models.PaymentProcessing,
	stripe.EventTypePaymentIntentSucceeded:     models.PaymentSucceeded,
	stripe.EventTypePaymentIntentPaymentFailed: models.PaymentFailed,
	stripe.EventTypePaymentIntentCanceled:      models.PaymentCanceled,
}

// HandleStripeWebhook verifies a webhook delivery and applies its event once.
// A bad or stale signature is a validation error (400: Stripe does not retry
// it forever for nothing); a database failure is returned as is (500), so
// Stripe delivers the event again and nothing was half-written.
func (s *Payments) HandleStripeWebhook(ctx context.Context, payload []byte, signature string) error {
	if !s.Config.PaymentsEnabled() {
		return apperr.ErrPaymentsOff
	}
	event, err := verifyStripeEvent(payload, signature, s.Config.StripeWebhookSecret)
	if err != nil {
		return err
	}
	return s.applyStripeEvent(ctx, event)
}

// verifyStripeEvent checks the Stripe-Signature header with stripe-go's
// default tolerance (5 minutes), then decodes the event and checks that it is
// rendered in the API version stripe-go v76 expects.
func verifyStripeEvent(payload []byte, signature, secret string) (*stripe.Event, error) {
	const header = "Stripe-Signature"
	if signature == "" {
		return nil, apperr.Field(header, "is required")
	}
	switch err := webhook.ValidatePayload(payload, signature, secret); {
	case err == nil:
	case errors.Is(err, webhook.ErrTooOld):
		return nil, apperr.Field(header, "is too old or has no timestamp")
	case errors.Is(err, webhook.ErrInvalidHeader):
		return nil, apperr.Field(header, "is malformed")
	default:
		return nil, apperr.Field(header, "does not match the payload")
	}
	var event stripe.Event
	if err := json.Unmarshal(payload, &event); err != nil {
		return nil, apperr.New(apperr.ErrInvalidJSON, "the event is not valid JSON")
	}
	if event.APIVersion != stripe.APIVersion {
		return nil, apperr.Field("api_version", "must be "+stripe.APIVersion+", the version this server reads")
	}
	if event.ID == "" {
		return nil, apperr.Field("id", "is required")
	}
	return &event, nil
}

// applyStripeEvent records the event and applies it in one transaction: the
// unique event id makes a duplicate (even a concurrent one) change nothing.
func (s *Payments) applyStripeEvent(ctx context.Context, event *stripe.Event) error {
	status, handled := webhookStatuses[event.Type]
	intentID := eventObjectID(event)
	now := s.now()
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rec := &models.StripeEvent{EventID: event.ID, Type: string(event.Type), PaymentIntentID: intentID, ReceivedAt: now}
		fresh, err := models.RecordStripeEvent(ctx, tx, rec)
		if err != nil || !fresh || !handled || intentID == "" {
			return err
		}
		p, err := models.FindPaymentByIntent(ctx, tx, intentID)
		if errors.Is(err, apperr.ErrNotFound) {
			s.Log.WarnContext(ctx, "stripe: event for an unknown PaymentIntent", "event", event.ID, "type", event.Type, "intent", intentID)
			return nil
		}
		if err != nil {
			return err
		}
		moved, err := models.AdvancePayment(ctx, tx, p.ID, status, now)
		if err != nil || !moved {
			return err
		}
		if status == models.PaymentSucceeded {
			if err := s.grantPlan(ctx, tx, p, now); err != nil {
				return err
			}
		}
		return models.MarkStripeEventApplied(ctx, tx, rec.ID, now)
	})
}

// eventObjectID is data.object.id of a payment_intent.* event ("" otherwise).
func eventObjectID(event *stripe.Event) string {
	if event.Data == nil || len(event.Data.Raw) == 0 {
		return ""
	}
	var obj struct {
		ID     string `json:"id"`
		Object string `json:"object"`
	}
	if json.Unmarshal(event.Data.Raw, &obj) != nil || obj.Object != "payment_intent" {
		return ""
	}
	return obj.ID
}

// grantPlan makes the payer premium for the plan's days, counted from the
// later of now and their current expiry, under a lock on their row so two
// payments succeeding together both count. A premium without expiry (granted
// by hand) stays without one; a deleted payer keeps the payment record only.
func (s *Payments) grantPlan(ctx context.Context, tx *gorm.DB, p *models.Payment, now time.Time) error {
	plan, ok := PlanByID(p.PlanID)
	if !ok {
		return fmt.Errorf("payment %d: plan %q is no longer in the catalogue", p.ID, p.PlanID)
	}
	u, err := models.LockUser(ctx, tx, p.UserID)
	if errors.Is(err, apperr.ErrNotFound) {
		s.Log.WarnContext(ctx, "stripe: payment succeeded for a deleted user", "payment", p.ID, "user_id", p.UserID)
		return nil
	}
	if err != nil {
		return err
	}
	if u.Plan == models.PlanPremium && u.PlanExpiresAt == nil {
		return nil
	}
	from := now
	if u.PlanExpiresAt != nil && u.PlanExpiresAt.After(now) {
		from = u.PlanExpiresAt.UTC()
	}
	return models.UpdateUser(ctx, tx, u.ID, map[string]any{
		"plan": models.PlanPremium, "plan_expires_at": from.AddDate(0, 0, plan.Days),
	})
}
