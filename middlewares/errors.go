// Package middlewares holds WorkComm's Gin middlewares, one check each, and the
// one error responder every handler and middleware goes through.
package middlewares

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
)

// Errors renders the last error a handler attached with c.Error, once, in the
// contract's shape. A 500 logs its cause and tells the client nothing internal.
func Errors(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		Respond(c, log, c.Errors.Last().Err)
	}
}

// Respond writes err as the contract's error body and aborts the chain.
func Respond(c *gin.Context, log *slog.Logger, err error) {
	status, body, known := apperr.Resolve(err)
	if !known {
		log.Error("request failed", "request_id", RequestID(c), "route", c.FullPath(), "err", err)
	}
	if ra := apperr.RetryAfterSeconds(err); ra != "" {
		c.Header("Retry-After", ra)
	}
	c.AbortWithStatusJSON(status, body)
}

// Abort attaches err and stops the chain; Errors renders it.
func Abort(c *gin.Context, err error) {
	_ = c.Error(err)
	c.Abort()
}

// NotFound answers unknown routes in the contract's shape.
func NotFound() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusNotFound, apperr.Body{Error: apperr.BodyError{Code: "not_found", Message: "no such route"}})
	}
}

// MethodNotAllowed answers a known path with the wrong method.
func MethodNotAllowed() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, apperr.Body{Error: apperr.BodyError{Code: "method_not_allowed", Message: "method not allowed on this route"}})
	}
}
