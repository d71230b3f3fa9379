package middlewares

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/gin-gonic/gin"
)

const (
	// HeaderRequestID carries the request id in and out.
	HeaderRequestID = "X-Request-ID"
	ctxRequestID    = "workcomm.requestID"
)

// validRequestID accepts what proxies such as nginx ($request_id) send and
// nothing that could forge a log line.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestID takes a well-formed X-Request-ID from the client or proxy, or makes
// one, and echoes it in the answer.
func RequestIDs() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(HeaderRequestID)
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Header(HeaderRequestID, id)
		c.Next()
	}
}

// RequestID returns the current request's id.
func RequestID(c *gin.Context) string { return c.GetString(ctxRequestID) }
