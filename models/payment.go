package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// Payment statuses, in the order a payment moves through them.
const (
	PaymentPending    = "pending"
	PaymentProcessing = "processing"
	PaymentFailed     = "failed"
	PaymentCanceled   = "canceled"
	PaymentSucceeded  = "succeeded"
)

// paymentRank orders the statuses: a payment only ever moves to a higher rank,
// so Stripe's events may arrive late or out of order without undoing anything.
// succeeded ranks highest and is therefore final. A failed attempt that the
// customer retries goes failed → succeeded directly (its intermediate
// "processing" is not shown), which is the price of never moving backwards.
var paymentRank = map[string]int{
	PaymentPending:    0,
	PaymentProcessing: 1,
	PaymentFailed:     2,
	PaymentCanceled:   3,
	PaymentSucceeded:  4,
}

// ValidPaymentStatus reports whether s is one of the payment statuses (for
// ?status= filters).
func ValidPaymentStatus(s string) bool {
	_, ok := paymentRank[s]
	return ok
}

// Payment is one attempt to buy a plan, backed by one Stripe PaymentIntent. It
// is created pending when the intent is made and moved forward by webhooks.
type Payment struct {
	ID     uint64 `gorm:"primaryKey"`
	UserID uint64 `gorm:"not null;index;uniqueIndex:idx_payment_user_idem"`
	User   *User  `gorm:"foreignKey:UserID"`
	// IdempotencyKey is the client's Idempotency-Key header, unique per user;
	// NULL when the client sent none (NULLs never collide in a unique index).
	IdempotencyKey        *string `gorm:"size:255;uniqueIndex:idx_payment_user_idem"`
	StripePaymentIntentID string  `gorm:"size:255;not null;uniqueIndex"`
	// ClientSecret is kept so that a retried request gets the same answer
	// without asking Stripe again. It is never part of the Payment JSON.
	ClientSecret string `gorm:"size:255;not null"`
	PlanID       string `gorm:"size:32;not null"`
	Amount       int64  `gorm:"not null"` // in the currency's smallest unit (cents)
	Currency     string `gorm:"size:3;not null"`
	Status       string `gorm:"size:16;not null;default:pending;index"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// StripeEvent records a Stripe webhook event once it has been handled; its
// unique EventID is what makes each event apply exactly once.
type StripeEvent struct {
	ID      uint64 `gorm:"primaryKey"`
	EventID string `gorm:"size:255;not null;uniqueIndex"`
	Type    string `gorm:"size:128;not null"`
	// PaymentIntentID is data.object.id for payment_intent.* events ("" otherwise).
	PaymentIntentID string `gorm:"size:255;index"`
	ReceivedAt      time.Time
	// AppliedAt is when the event changed a payment; nil when it changed
	// nothing (unknown intent, unhandled type, a status already passed).
	AppliedAt *time.Time
}

// CreatePayment inserts p. A duplicate (user, idempotency key) or intent id is
// a conflict the caller resolves with FindPaymentByIdempotencyKey.
func CreatePayment(ctx context.Context, db *gorm.DB, p *Payment) error {
	err := db.WithContext(ctx).Create(p).Error
	if IsUniqueViolation(err) {
		return apperr.New(apperr.ErrConflict, "this payment already exists")
	}
	return err
}

// FindPaymentByIdempotencyKey returns the user's payment made with key, or not_found.
func FindPaymentByIdempotencyKey(ctx context.Context, db *gorm.DB, userID uint64, key string) (*Payment, error) {
	var p Payment
	err := db.WithContext(ctx).Where("user_id = ? AND idempotency_key = ?", userID, key).First(&p).Error
	if err != nil {
		return nil, notFound(err, "payment")
	}
	return &p, nil
}

// GetUserPayment returns payment id if it belongs to userID; anyone else's is not_found.
func GetUserPayment(ctx context.Context, db *gorm.DB, userID, id uint64) (*Payment, error) {
	var p Payment
	err := db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).First(&p).Error
	if err != nil {
		return nil, notFound(err, "payment")
	}
	return &p, nil
}

// FindPaymentByIntent returns the payment of a Stripe PaymentIntent, or not_found.
func FindPaymentByIntent(ctx context.Context, db *gorm.DB, intentID string) (*Payment, error) {
	var p Payment
	err := db.WithContext(ctx).Where("stripe_payment_intent_id = ?", intentID).First(&p).Error
	if err != nil {
		return nil, notFound(err, "payment")
	}
	return &p, nil
}

// AdvancePayment moves payment id to status if that is forward from where it
// is now. The check and the write are one conditional UPDATE, so two events
// racing on one payment cannot both move it (the loser sees the new status and
// changes nothing). It reports whether the payment moved.
func AdvancePayment(ctx context.Context, db *gorm.DB, id uint64, status string, at time.Time) (bool, error) {
	rank, ok := paymentRank[status]
	if !ok {
		return false, apperr.Newf(apperr.ErrValidation, "unknown payment status %q", status)
	}
	var lower []string
	for s, r := range paymentRank {
		if r < rank {
			lower = append(lower, s)
		}
	}
	if len(lower) == 0 {
		return false, nil
	}
	res := db.WithContext(ctx).Model(&Payment{}).Where("id = ? AND status IN ?", id, lower).
		Updates(map[string]any{"status": status, "updated_at": at})
	return res.RowsAffected == 1, res.Error
}

// RecordStripeEvent inserts e unless an event with the same EventID is already
// recorded, and reports whether it was inserted. ON CONFLICT DO NOTHING keeps a
// PostgreSQL transaction usable after a duplicate; a concurrent duplicate waits
// on the unique index until the first commits, then inserts nothing.
func RecordStripeEvent(ctx context.Context, db *gorm.DB, e *StripeEvent) (bool, error) {
	res := db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(e)
	return res.RowsAffected == 1, res.Error
}

// MarkStripeEventApplied sets AppliedAt of the recorded event.
func MarkStripeEventApplied(ctx context.Context, db *gorm.DB, id uint64, at time.Time) error {
	return db.WithContext(ctx).Model(&StripeEvent{}).Where("id = ?", id).Update("applied_at", at).Error
}

// defaultPaymentPage is the page size when a filter names none (the API's default).
const defaultPaymentPage = 50

// PaymentFilter selects a page of payments, newest first.
type PaymentFilter struct {
	UserID   uint64 // 0: every user's (admin)
	Status   string // "": any status
	BeforeID uint64 // cursor: ids strictly below (0: from the newest)
	Limit    int
}

// PaymentPage is a page of payments, newest first.
type PaymentPage struct {
	Payments []Payment
	NextID   uint64 // pass as BeforeID for the next page; 0 when there is none
}

// ListPayments pages payments by descending id (newest first); paging by id
// keeps pages stable while new payments arrive.
func ListPayments(ctx context.Context, db *gorm.DB, f PaymentFilter) (*PaymentPage, error) {
	if f.Limit <= 0 {
		f.Limit = defaultPaymentPage
	}
	q := db.WithContext(ctx).Model(&Payment{}).Order("id DESC").Limit(f.Limit + 1)
	if f.UserID > 0 {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var payments []Payment
	if err := q.Find(&payments).Error; err != nil {
		return nil, err
	}
	page := &PaymentPage{Payments: payments}
	if len(payments) > f.Limit {
		page.Payments = payments[:f.Limit]
		page.NextID = page.Payments[f.Limit-1].ID
	}
	return page, nil
}

// RevenueCents is the sum of succeeded payments, in cents (every plan is in EUR).
func RevenueCents(ctx context.Context, db *gorm.DB) (int64, error) {
	var sum int64
	err := db.WithContext(ctx).Model(&Payment{}).Where("status = ?", PaymentSucceeded).
		Select("COALESCE(SUM(amount), 0)").Scan(&sum).Error
	return sum, err
}
