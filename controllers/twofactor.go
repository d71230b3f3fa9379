package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/mail"
	"workcomm/middlewares"
	"workcomm/services"
)

// LoginTwoFactorRequest is the body of POST /auth/login/2fa: the challenge
// and either a code from the authenticator app or a recovery code.
type LoginTwoFactorRequest struct {
	Challenge    string `json:"challenge" validate:"required,max=200"`
	Code         string `json:"code" validate:"max=32"`
	RecoveryCode string `json:"recoveryCode" validate:"max=32"`
}

// LoginTwoFactor is the second step of a login with two-factor on.
func (a *AuthController) LoginTwoFactor(c *gin.Context) {
	var req LoginTwoFactorRequest
	if !bind(c, &req) {
		return
	}
	s, err := a.Auth.LoginTwoFactor(c.Request.Context(), req.Challenge, req.Code, req.RecoveryCode, c.ClientIP())
	a.respondSession(c, http.StatusOK, s, err)
}

// TwoFactorController handles /users/me/2fa.
type TwoFactorController struct {
	TwoFactor *services.TwoFactor
}

// EnableTwoFactorRequest is the body of POST /users/me/2fa/enable.
type EnableTwoFactorRequest struct {
	Code string `json:"code" validate:"required,max=32"`
}

// DisableTwoFactorRequest is the body of POST /users/me/2fa/disable: the
// password and a code (from the app, or a recovery code).
type DisableTwoFactorRequest struct {
	Password string `json:"password" validate:"required,max=128"`
	Code     string `json:"code" validate:"required,max=32"`
}

// SetupTwoFactor makes a pending TOTP secret and its otpauth:// URL.
func (t *TwoFactorController) SetupTwoFactor(c *gin.Context) {
	setup, err := t.TwoFactor.Setup(c.Request.Context(), middlewares.CurrentUser(c))
	respond(c, http.StatusOK, setup, err)
}

// EnableTwoFactor turns two-factor on with a first code; the answer holds
// the recovery codes, shown once.
func (t *TwoFactorController) EnableTwoFactor(c *gin.Context) {
	var req EnableTwoFactorRequest
	if !bind(c, &req) {
		return
	}
	codes, err := t.TwoFactor.Enable(c.Request.Context(), middlewares.CurrentUser(c), req.Code, mail.MatchLanguage(c.GetHeader("Accept-Language")))
	respond(c, http.StatusOK, codes, err)
}

// DisableTwoFactor turns two-factor off.
func (t *TwoFactorController) DisableTwoFactor(c *gin.Context) {
	var req DisableTwoFactorRequest
	if !bind(c, &req) {
		return
	}
	err := t.TwoFactor.Disable(c.Request.Context(), middlewares.CurrentUser(c), req.Password, req.Code, mail.MatchLanguage(c.GetHeader("Accept-Language")))
	respond(c, http.StatusNoContent, nil, err)
}
