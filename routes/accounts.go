package routes

import (
	"github.com/gin-gonic/gin"

	"workcomm/controllers"
)

// accountRoutes are the account features of issue 15: a forgotten password
// (public, under /auth/password).
func accountRoutes(api *gin.RouterGroup, d Deps) {
	p := &controllers.PasswordsController{Passwords: d.Services.Passwords}
	pw := api.Group("/auth/password")
	pw.POST("/forgot", p.ForgotPassword)
	pw.POST("/reset", p.ResetPassword)
}
