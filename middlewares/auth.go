package middlewares

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/models"
)

const ctxUser = "workcomm.user"

// Authenticator resolves an access token to its live user (services.Auth does).
type Authenticator interface {
	Authenticate(ctx context.Context, rawToken string) (*models.User, error)
}

// BearerToken extracts the token of an `Authorization: Bearer` header.
func BearerToken(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Authenticated requires a valid access token and puts its user, loaded from
// the database on every request, on the context. No token or a bad one is 401.
func Authenticated(auth Authenticator) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := BearerToken(c.GetHeader("Authorization"))
		if raw == "" {
			Abort(c, apperr.New(apperr.ErrUnauthorized, "missing bearer token"))
			return
		}
		u, err := auth.Authenticate(c.Request.Context(), raw)
		if err != nil {
			Abort(c, err)
			return
		}
		c.Set(ctxUser, u)
		c.Next()
	}
}

// AdminOnly requires the admin role, read from the database by Authenticated
// (never trusted from the token). Must run after Authenticated.
func AdminOnly() gin.HandlerFunc {
	return func(c *gin.Context) {
		u := CurrentUser(c)
		if u == nil {
			Abort(c, apperr.ErrUnauthorized)
			return
		}
		if !u.IsAdmin() {
			Abort(c, apperr.New(apperr.ErrForbidden, "administrators only"))
			return
		}
		c.Next()
	}
}

// CurrentUser returns the authenticated user, or nil outside Authenticated.
func CurrentUser(c *gin.Context) *models.User {
	if v, ok := c.Get(ctxUser); ok {
		if u, ok := v.(*models.User); ok {
			return u
		}
	}
	return nil
}

func currentUserID(c *gin.Context) uint64 {
	if u := CurrentUser(c); u != nil {
		return u.ID
	}
	return 0
}
