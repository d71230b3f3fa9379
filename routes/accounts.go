package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
)

// accountRoutes are the account features of issue 15: a forgotten password
// and the second login step (public, under /auth), two-factor settings
// (authenticated, under /users/me/2fa).
func accountRoutes(api, authed *gin.RouterGroup, d Deps) {
	p := &controllers.PasswordsController{Passwords: d.Services.Passwords}
	pw := api.Group("/auth/password")
	pw.POST("/forgot", p.ForgotPassword)
	pw.POST("/reset", p.ResetPassword)

	a := &controllers.AuthController{Auth: d.Services.Auth, RefreshTTL: d.Config.RefreshTokenTTL, SecureCookies: d.Config.Production()}
	api.POST("/auth/login/2fa", a.LoginTwoFactor)

	t := &controllers.TwoFactorController{TwoFactor: d.Services.TwoFactor}
	tf := authed.Group("/users/me/2fa")
	tf.POST("/setup", t.SetupTwoFactor)
	tf.POST("/enable", t.EnableTwoFactor)
	tf.POST("/disable", t.DisableTwoFactor)
}
