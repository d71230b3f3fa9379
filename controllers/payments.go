package controllers

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/services"
)

// PaymentsController handles /payments.
type PaymentsController struct {
	Payments *services.Payments
}

// PaymentIntentBody is the body of POST /payments/intent. It has no amount:
// the amount comes from the plan, and an `amount` field is refused.
type PaymentIntentBody struct {
	PlanID string `json:"planId" validate:"required"`
}

// ListPlans returns the plans on sale (public).
func (p *PaymentsController) ListPlans(c *gin.Context) {
	c.JSON(http.StatusOK, p.Payments.Plans())
}

// GetPaymentConfig tells the browser whether payments are on and Stripe's
// publishable key (public).
func (p *PaymentsController) GetPaymentConfig(c *gin.Context) {
	c.JSON(http.StatusOK, p.Payments.BrowserConfig())
}

// CreatePaymentIntent starts paying for a plan: 201 with the new payment and
// its client secret, or 200 with the first one when the Idempotency-Key repeats.
func (p *PaymentsController) CreatePaymentIntent(c *gin.Context) {
	var req PaymentIntentBody
	if !bind(c, &req) {
		return
	}
	intent, replayed, err := p.Payments.CreateIntent(c.Request.Context(), middlewares.CurrentUser(c), req.PlanID, c.GetHeader("Idempotency-Key"))
	respond(c, createdOrOK(!replayed), intent, err)
}

// ListPayments pages the caller's own payments, newest first.
func (p *PaymentsController) ListPayments(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := p.Payments.List(c.Request.Context(), middlewares.CurrentUser(c), page)
	respond(c, http.StatusOK, list, err)
}

// GetPayment returns one of the caller's payments; another user's is 404.
func (p *PaymentsController) GetPayment(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	pay, err := p.Payments.Get(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusOK, pay, err)
}

// ReceiveStripeWebhook takes a signed event from Stripe (no JWT): 200
// {"received": true} once applied or known, 400 on a bad signature, 500 when
// the database failed so that Stripe delivers it again.
func (p *PaymentsController) ReceiveStripeWebhook(c *gin.Context) {
	payload, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = apperr.Newf(apperr.ErrTooLarge, "webhook body is larger than %d bytes", tooBig.Limit)
		} else {
			err = apperr.New(apperr.ErrInvalidJSON, "cannot read the request body")
		}
		middlewares.Abort(c, err)
		return
	}
	err = p.Payments.HandleStripeWebhook(c.Request.Context(), payload, c.GetHeader("Stripe-Signature"))
	respond(c, http.StatusOK, gin.H{"received": true}, err)
}
