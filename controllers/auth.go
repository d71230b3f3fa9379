package controllers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
	"workcomm/views"
)

// RefreshCookie is the cookie that carries the refresh token for the browser app.
const (
	RefreshCookie     = "wc_refresh"
	refreshCookiePath = "/api/v1/auth"
)

// AuthController handles /auth.
type AuthController struct {
	Auth *services.Auth
	// RefreshTTL is the refresh cookie's lifetime (REFRESH_TOKEN_TTL).
	RefreshTTL time.Duration
	// SecureCookies marks the cookie Secure whatever the scheme (production).
	SecureCookies bool
}

// RegisterRequest is the body of POST /auth/register.
type RegisterRequest struct {
	Username    string `json:"username" validate:"required,min=3,max=32,username"`
	Email       string `json:"email" validate:"required,max=254,email"`
	Password    string `json:"password" validate:"required,min=8,max=128"`
	DisplayName string `json:"displayName" validate:"omitempty,max=64"`
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Login    string `json:"login" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=128"`
}

// RefreshRequest is the body of POST /auth/refresh and /auth/logout; the token
// may come from the wc_refresh cookie instead.
type RefreshRequest struct {
	RefreshToken string `json:"refreshToken" validate:"max=200"`
}

// Register creates an account and logs it in.
func (a *AuthController) Register(c *gin.Context) {
	var req RegisterRequest
	if !bind(c, &req) {
		return
	}
	in := services.RegisterInput{Username: req.Username, Email: req.Email, Password: req.Password, DisplayName: req.DisplayName}
	s, err := a.Auth.Register(c.Request.Context(), in, c.ClientIP())
	a.respondSession(c, http.StatusCreated, s, err)
}

// Login opens a session for an email or username and password.
func (a *AuthController) Login(c *gin.Context) {
	var req LoginRequest
	if !bind(c, &req) {
		return
	}
	ans, err := a.Auth.Login(c.Request.Context(), req.Login, req.Password, c.ClientIP())
	if err == nil && ans.Session == nil {
		// Two-factor: the second step's challenge, and no cookie yet.
		respond(c, http.StatusOK, ans.TwoFactorChallenge, nil)
		return
	}
	var s *views.Session
	if ans != nil {
		s = ans.Session
	}
	a.respondSession(c, http.StatusOK, s, err)
}

// Refresh rotates a refresh token into a new pair.
func (a *AuthController) Refresh(c *gin.Context) {
	raw, ok := a.refreshToken(c)
	if !ok {
		return
	}
	s, err := a.Auth.Refresh(c.Request.Context(), raw)
	if err != nil {
		a.clearCookie(c)
	}
	a.respondSession(c, http.StatusOK, s, err)
}

// Logout ends the login the refresh token belongs to.
func (a *AuthController) Logout(c *gin.Context) {
	raw, ok := a.refreshToken(c)
	if !ok {
		return
	}
	err := a.Auth.Logout(c.Request.Context(), raw)
	if err == nil {
		a.clearCookie(c)
	}
	respond(c, http.StatusNoContent, nil, err)
}

// refreshToken reads the refresh token from the body, else from the cookie;
// a bad body answers the error and returns false.
func (a *AuthController) refreshToken(c *gin.Context) (string, bool) {
	var req RefreshRequest
	if !bind(c, &req) {
		return "", false
	}
	if req.RefreshToken != "" {
		return req.RefreshToken, true
	}
	cookie, _ := c.Cookie(RefreshCookie)
	return cookie, true
}

// respondSession answers a session, its refresh token also set as the cookie.
func (a *AuthController) respondSession(c *gin.Context, status int, s *views.Session, err error) {
	if err == nil {
		a.setCookie(c, s.RefreshToken, int(a.RefreshTTL.Seconds()))
	}
	respond(c, status, s, err)
}

func (a *AuthController) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: RefreshCookie, Value: value, Path: refreshCookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.SecureCookies || middlewares.IsTLS(c),
	})
}

func (a *AuthController) clearCookie(c *gin.Context) { a.setCookie(c, "", -1) }
