package middlewares

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
)

// AccessLog logs one line per request. It logs the path without its query
// string: the WebSocket handshake carries ?access_token=, which must never
// reach a log.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", RequestID(c)),
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.String("route", c.FullPath()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.ClientIP()),
			slog.Uint64("user_id", currentUserID(c)),
		)
	}
}

// Recovery turns a panic into a 500 in the contract's shape, logging the stack.
// A broken client connection is not a server error and is not answered.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if err, ok := rec.(error); ok && brokenPipe(err) {
				c.Abort()
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			log.Error("panic", "request_id", RequestID(c), "route", c.FullPath(), "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				Respond(c, log, errors.New("panic"))
			}
			c.Abort()
		}()
		c.Next()
	}
}

func brokenPipe(err error) bool {
	var ne *net.OpError
	if errors.As(err, &ne) {
		var se *os.SyscallError
		if errors.As(ne, &se) {
			msg := strings.ToLower(se.Error())
			return strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection reset")
		}
	}
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// BodyLimit caps request bodies at max bytes: a declared larger body is refused
// at once with 413, and reading past the cap fails (the binder maps it to 413).
func BodyLimit(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			Abort(c, apperr.Newf(apperr.ErrTooLarge, "request body is larger than %d bytes", max))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}
