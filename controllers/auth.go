package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// RefreshCookie is the cookie that carries the refresh token for the browser app.
const (
	RefreshCookie     = "wc_refresh"
	refreshCookiePath = "/api/v1/auth"
)

// AuthController handles /auth.
type AuthController struct {
	Svc *services.Deps
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

// SessionResponse answers register, login and refresh.
type SessionResponse struct {
	User         SelfUser `json:"user"`
	AccessToken  string   `json:"accessToken"`
	RefreshToken string   `json:"refreshToken"`
	ExpiresIn    int      `json:"expiresIn"`
}

// Register creates an account and logs it in.
func (a *AuthController) Register(c *gin.Context) {
	var req RegisterRequest
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	s, err := a.Svc.Register(c.Request.Context(), services.RegisterInput{
		Username: req.Username, Email: req.Email, Password: req.Password, DisplayName: req.DisplayName,
	}, c.ClientIP())
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	a.respondSession(c, http.StatusCreated, s)
}

// Login opens a session for an email or username and password.
func (a *AuthController) Login(c *gin.Context) {
	var req LoginRequest
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	s, err := a.Svc.Login(c.Request.Context(), req.Login, req.Password, c.ClientIP())
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	a.respondSession(c, http.StatusOK, s)
}

// Refresh rotates a refresh token into a new pair.
func (a *AuthController) Refresh(c *gin.Context) {
	raw, err := a.refreshToken(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	s, err := a.Svc.Refresh(c.Request.Context(), raw)
	if err != nil {
		a.clearCookie(c)
		middlewares.Abort(c, err)
		return
	}
	a.respondSession(c, http.StatusOK, s)
}

// Logout ends the login the refresh token belongs to.
func (a *AuthController) Logout(c *gin.Context) {
	raw, err := a.refreshToken(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := a.Svc.Logout(c.Request.Context(), raw); err != nil {
		middlewares.Abort(c, err)
		return
	}
	a.clearCookie(c)
	c.Status(http.StatusNoContent)
}

func (a *AuthController) refreshToken(c *gin.Context) (string, error) {
	var req RefreshRequest
	if err := bindJSON(c, &req); err != nil {
		return "", err
	}
	if req.RefreshToken != "" {
		return req.RefreshToken, nil
	}
	cookie, _ := c.Cookie(RefreshCookie)
	return cookie, nil
}

func (a *AuthController) respondSession(c *gin.Context, status int, s *services.Session) {
	a.setCookie(c, s.RefreshToken, int(a.Svc.Config.RefreshTokenTTL.Seconds()))
	c.JSON(status, SessionResponse{User: NewSelfUser(s.User), AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, ExpiresIn: s.ExpiresIn})
}

func (a *AuthController) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: RefreshCookie, Value: value, Path: refreshCookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.Svc.Config.Production() || middlewares.IsTLS(c),
	})
}

func (a *AuthController) clearCookie(c *gin.Context) { a.setCookie(c, "", -1) }
