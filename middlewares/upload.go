package middlewares

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/models"
)

// multipartOverhead is what a multipart body adds around one file: the
// boundaries and part headers (a long file name included).
const multipartOverhead = 64 << 10

// UploadBody bounds an upload's body by its user's plan (fileLimit, plus the
// multipart framing): a declared larger body is refused at once with 413,
// and reading past the bound fails (http.MaxBytesReader, which also closes
// the connection rather than reading the rest). The server's read timeout
// is extended to readFor, since a large file on a slow link takes longer
// than any other request. Must run after Authenticated.
func UploadBody(fileLimit func(*models.User) int64, readFor time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := CurrentUser(c)
		if u == nil {
			Abort(c, apperr.ErrUnauthorized)
			return
		}
		limit := fileLimit(u)
		if c.Request.ContentLength > limit+multipartOverhead {
			Abort(c, apperr.Newf(apperr.ErrTooLarge, "files are limited to %d MiB on your plan", limit>>20))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+multipartOverhead)
		// Not every writer supports deadlines (a test recorder): the
		// server's own timeout then stays.
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(readFor))
		c.Next()
	}
}
