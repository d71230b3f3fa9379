package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
	"workcomm/middlewares"
	"workcomm/services"
)

// maxAvatarBodyBytes admits a 5 MiB picture and its multipart envelope; the
// rest of the API keeps its 1 MiB limit, so this route has a group of its own.
const maxAvatarBodyBytes = services.MaxAvatarBytes + 64<<10

// accountRoutes are the account features of issue 15 (the second login step
// is with the other /auth routes): a forgotten password (public, under
// /auth/password), two-factor settings (authenticated, under /users/me/2fa),
// the avatar (its upload outside the API's 1 MiB body limit, its pictures
// public behind signed links).
func accountRoutes(r *gin.Engine, api, authed *gin.RouterGroup, d Deps) {
	p := &controllers.PasswordsController{Passwords: d.Services.Passwords}
	pw := api.Group("/auth/password")
	pw.POST("/forgot", p.ForgotPassword)
	pw.POST("/reset", p.ResetPassword)

	t := &controllers.TwoFactorController{TwoFactor: d.Services.TwoFactor}
	tf := authed.Group("/users/me/2fa")
	tf.POST("/setup", t.SetupTwoFactor)
	tf.POST("/enable", t.EnableTwoFactor)
	tf.POST("/disable", t.DisableTwoFactor)

	av := &controllers.AvatarsController{Avatars: d.Services.Avatars}
	upload := r.Group("/api/v1", middlewares.BodyLimit(maxAvatarBodyBytes), middlewares.Deadline(d.Config.RequestTimeout),
		middlewares.Authenticated(d.Services.Auth), middlewares.RateLimitWrites(d.Services.Limits.Writes))
	upload.PUT("/users/me/avatar", av.PutAvatar)
	authed.DELETE("/users/me/avatar", av.DeleteAvatar)
	api.GET("/avatars/:id/:variant", av.GetAvatar)
}
