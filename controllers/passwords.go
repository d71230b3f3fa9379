package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/mail"
	"workcomm/services"
)

// PasswordsController handles /auth/password: a forgotten password.
type PasswordsController struct {
	Passwords *services.Passwords
}

// ForgotPasswordRequest is the body of POST /auth/password/forgot.
type ForgotPasswordRequest struct {
	Email string `json:"email" validate:"required,max=254,email"`
}

// ResetPasswordRequest is the body of POST /auth/password/reset.
type ResetPasswordRequest struct {
	Token       string `json:"token" validate:"required,max=200"`
	NewPassword string `json:"newPassword" validate:"required,min=8,max=128"`
}

// ForgotPassword mails a reset link when the address has an account; the
// answer is 202 either way. The mail's language follows Accept-Language.
func (p *PasswordsController) ForgotPassword(c *gin.Context) {
	var req ForgotPasswordRequest
	if !bind(c, &req) {
		return
	}
	lang := mail.MatchLanguage(c.GetHeader("Accept-Language"))
	err := p.Passwords.Forgot(c.Request.Context(), req.Email, c.ClientIP(), lang)
	respond(c, http.StatusAccepted, nil, err)
}

// ResetPassword sets a new password with a mailed token; every session ends.
func (p *PasswordsController) ResetPassword(c *gin.Context) {
	var req ResetPasswordRequest
	if !bind(c, &req) {
		return
	}
	err := p.Passwords.Reset(c.Request.Context(), req.Token, req.NewPassword)
	respond(c, http.StatusNoContent, nil, err)
}
