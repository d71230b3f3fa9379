package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
	"workcomm/middlewares"
)

// maxWebhookBytes caps a Stripe webhook body at 64 KiB (the contract's
// limit): PaymentIntent events are a few KiB, and the body is read whole
// before its signature can be checked.
const maxWebhookBytes = 64 << 10

// paymentRoutes mounts /payments. Plans and config are public; the webhook is
// public too (Stripe authenticates it by signature, not by JWT); the rest
// needs a logged-in user.
func paymentRoutes(api, authed *gin.RouterGroup, d Deps) {
	p := &controllers.PaymentsController{Payments: d.Services.Payments}
	api.GET("/payments/plans", p.ListPlans)
	api.GET("/payments/config", p.GetPaymentConfig)
	api.POST("/payments/webhook", middlewares.BodyLimit(maxWebhookBytes), p.ReceiveStripeWebhook)

	g := authed.Group("/payments")
	g.POST("/intent", p.CreatePaymentIntent)
	g.GET("", p.ListPayments)
	g.GET("/:id", p.GetPayment)
}
