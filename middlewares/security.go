package middlewares

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/ratelimit"
)

// contentSecurityPolicy allows the app's own scripts and Stripe.js (the
// Payment Element runs in Stripe's frames); no inline scripts anywhere.
const contentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self' https://js.stripe.com; " +
	"frame-src https://js.stripe.com https://hooks.stripe.com; " +
	"connect-src 'self' ws: wss: https://api.stripe.com; " +
	"img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers Helmet sets. HSTS only when the request
// came over TLS (directly or through a trusted proxy).
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("X-DNS-Prefetch-Control", "off")
		h.Set("X-Permitted-Cross-Domain-Policies", "none")
		if IsTLS(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		c.Next()
	}
}

// IsTLS reports whether the client reached us over TLS: directly, or through a
// trusted proxy that says so.
func IsTLS(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	// X-Forwarded-Proto is believed only when gin resolved the client IP through
	// a trusted proxy (the remote address differs from the client IP).
	return c.GetHeader("X-Forwarded-Proto") == "https" && c.RemoteIP() != c.ClientIP()
}

// CORS allows the configured origins to call the API (/api/) with credentials
// (the refresh cookie), preflights included. With no origin configured,
// cross-origin calls get no CORS headers and browsers block them. Other paths
// are left alone: the WebSocket handshakes check Origin themselves.
func CORS(origins []string) gin.HandlerFunc {
	if len(origins) == 0 {
		return func(c *gin.Context) { c.Next() }
	}
	handler := cors.New(cors.Config{
		AllowOrigins:     origins,
		AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowHeaders:     []string{"Authorization", "Content-Type", "Idempotency-Key", HeaderRequestID},
		ExposeHeaders:    []string{HeaderRequestID, "Retry-After"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	})
	return func(c *gin.Context) {
		if !strings.HasPrefix(c.Request.URL.Path, "/api/") {
			c.Next()
			return
		}
		handler(c)
	}
}

// RateLimitWrites limits POST/PATCH/DELETE per authenticated user. Must run
// after Authenticated.
func RateLimitWrites(l *ratelimit.Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		if u := CurrentUser(c); u != nil {
			if ok, wait := l.Allow(c.Request.Context(), userKey(u.ID)); !ok {
				Abort(c, apperr.RateLimited(wait))
				return
			}
		}
		c.Next()
	}
}

func userKey(id uint64) string { return "u" + strconv.FormatUint(id, 10) }

// Deadline bounds each request to d: the services' database and Redis calls
// take the request's context, so an exhausted connection pool or a stalled
// dependency ends in a 503 (apperr.Unavailable) after d instead of a hang.
func Deadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
