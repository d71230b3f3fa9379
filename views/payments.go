package views

import (
	"time"

	"workcomm/models"
)

// Payment is a payment as the API shows it (never the client secret).
type Payment struct {
	ID                    uint64    `json:"id"`
	PlanID                string    `json:"planId"`
	Amount                int64     `json:"amount"`
	Currency              string    `json:"currency"`
	Status                string    `json:"status"`
	StripePaymentIntentID string    `json:"stripePaymentIntentId"`
	CreatedAt             time.Time `json:"createdAt"`
	UpdatedAt             time.Time `json:"updatedAt"`
}

// AdminPayment is a payment as admins see it: the contract's Payment and
// whose it is.
type AdminPayment struct {
	Payment
	UserID uint64 `json:"userId"`
}

// PaymentIntent answers POST /payments/intent.
type PaymentIntent struct {
	Payment      Payment `json:"payment"`
	ClientSecret string  `json:"clientSecret"`
}

// Plan is a plan on sale.
type Plan struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Days     int    `json:"days"`
}

// PaymentConfig answers GET /payments/config; publishableKey is "" when
// payments are off.
type PaymentConfig struct {
	Enabled        bool   `json:"enabled"`
	PublishableKey string `json:"publishableKey"`
}

// NewPayment builds the API view of a payment.
func NewPayment(p *models.Payment) Payment {
	return Payment{
		ID: p.ID, PlanID: p.PlanID, Amount: p.Amount, Currency: p.Currency, Status: p.Status,
		StripePaymentIntentID: p.StripePaymentIntentID, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// NewPaymentList builds a page of the caller's payments.
func NewPaymentList(page *models.PaymentPage) List[Payment] {
	items := make([]Payment, len(page.Payments))
	for i := range page.Payments {
		items[i] = NewPayment(&page.Payments[i])
	}
	return NewList(items, IDCursor(page.NextID))
}

// NewAdminPaymentList builds a page of everyone's payments.
func NewAdminPaymentList(page *models.PaymentPage) List[AdminPayment] {
	items := make([]AdminPayment, len(page.Payments))
	for i := range page.Payments {
		items[i] = AdminPayment{Payment: NewPayment(&page.Payments[i]), UserID: page.Payments[i].UserID}
	}
	return NewList(items, IDCursor(page.NextID))
}
