package controllers

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// PaymentsController handles /payments.
type PaymentsController struct {
	Svc *services.Deps
}

// PaymentIntentBody is the body of POST /payments/intent. It has no amount:
// the amount comes from the plan, and an `amount` field is refused.
type PaymentIntentBody struct {
	PlanID string `json:"planId" validate:"required"`
}

// PaymentView is a payment as the API shows it (never the client secret).
type PaymentView struct {
	ID                    uint64    `json:"id"`
	PlanID                string    `json:"planId"`
	Amount                int64     `json:"amount"`
	Currency              string    `json:"currency"`
	Status                string    `json:"status"`
	StripePaymentIntentID string    `json:"stripePaymentIntentId"`
	CreatedAt             time.Time `json:"createdAt"`
	UpdatedAt             time.Time `json:"updatedAt"`
}

// PaymentIntentView answers POST /payments/intent.
type PaymentIntentView struct {
	Payment      PaymentView `json:"payment"`
	ClientSecret string      `json:"clientSecret"`
}

// PlanView is a plan on sale.
type PlanView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Days     int    `json:"days"`
}

// PaymentConfigView answers GET /payments/config; publishableKey is "" when
// payments are off.
type PaymentConfigView struct {
	Enabled        bool   `json:"enabled"`
	PublishableKey string `json:"publishableKey"`
}

// NewPaymentView builds the API view of a payment.
func NewPaymentView(p *models.Payment) PaymentView {
	return PaymentView{
		ID: p.ID, PlanID: p.PlanID, Amount: p.Amount, Currency: p.Currency, Status: p.Status,
		StripePaymentIntentID: p.StripePaymentIntentID, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// ListPlans returns the plans on sale (public).
func (p *PaymentsController) ListPlans(c *gin.Context) {
	plans := services.Plans()
	out := make([]PlanView, len(plans))
	for i, pl := range plans {
		out[i] = PlanView{ID: pl.ID, Name: pl.Name, Amount: pl.Amount, Currency: pl.Currency, Days: pl.Days}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// GetPaymentConfig tells the browser whether payments are on and Stripe's
// publishable key (public).
func (p *PaymentsController) GetPaymentConfig(c *gin.Context) {
	cfg := p.Svc.PaymentConfig()
	c.JSON(http.StatusOK, PaymentConfigView{Enabled: cfg.Enabled, PublishableKey: cfg.PublishableKey})
}

// CreatePaymentIntent starts paying for a plan: 201 with the new payment and
// its client secret, or 200 with the first one when the Idempotency-Key repeats.
func (p *PaymentsController) CreatePaymentIntent(c *gin.Context) {
	var req PaymentIntentBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := p.Svc.CreatePaymentIntent(c.Request.Context(), middlewares.CurrentUser(c), req.PlanID, c.GetHeader("Idempotency-Key"))
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	c.JSON(status, PaymentIntentView{Payment: NewPaymentView(res.Payment), ClientSecret: res.ClientSecret})
}

// ListPayments pages the caller's own payments, newest first.
func (p *PaymentsController) ListPayments(c *gin.Context) {
	page, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := p.Svc.ListMyPayments(c.Request.Context(), middlewares.CurrentUser(c), page)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewPaymentList(res))
}

// GetPayment returns one of the caller's payments; another user's is 404.
func (p *PaymentsController) GetPayment(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	pay, err := p.Svc.GetMyPayment(c.Request.Context(), middlewares.CurrentUser(c), id)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewPaymentView(pay))
}

// ReceiveStripeWebhook takes a signed event from Stripe (no JWT): 200
// {"received": true} once applied or known, 400 on a bad signature, 500 when
// the database failed so that Stripe delivers it again.
func (p *PaymentsController) ReceiveStripeWebhook(c *gin.Context) {
	payload, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			middlewares.Abort(c, apperr.Newf(apperr.ErrTooLarge, "webhook body is larger than %d bytes", tooBig.Limit))
			return
		}
		middlewares.Abort(c, apperr.New(apperr.ErrInvalidJSON, "cannot read the request body"))
		return
	}
	if err := p.Svc.HandleStripeWebhook(c.Request.Context(), payload, c.GetHeader("Stripe-Signature")); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"received": true})
}

// NewPaymentList builds the {items, nextCursor} answer of a payment page (also
// for the admin listing).
func NewPaymentList(page *models.PaymentPage) List[PaymentView] {
	items := make([]PaymentView, len(page.Payments))
	for i := range page.Payments {
		items[i] = NewPaymentView(&page.Payments[i])
	}
	return List[PaymentView]{Items: items, NextCursor: EncodeCursor(page.NextID)}
}
