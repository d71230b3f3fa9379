package apperr

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// Unavailable reports whether err means that a dependency (PostgreSQL, Redis)
// could not be reached, is restarting, or did not answer in time: a failure
// that is not the request's fault and that a retry may cure. Resolve answers
// these with 503 `unavailable` (REST and socket `error` frames alike), so
// clients back off and retry instead of reading a 500 as final. This is the
// one place that recognises driver connection errors.
//
// It recognises, anywhere in the chain: network errors (refused, reset,
// dial or read failures, timeouts), a connection cut mid-answer
// (unexpected EOF), database/sql's bad connection, a request or handler
// deadline (context.DeadlineExceeded: pool exhaustion or a stalled
// dependency), and PostgreSQL's SQLSTATEs for a lost connection (class 08),
// an administrator or crash shutdown and a server still starting (57P01,
// 57P02, 57P03), and too many connections (53300).
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch code := state.SQLState(); {
		case strings.HasPrefix(code, "08"), code == "57P01", code == "57P02", code == "57P03", code == "53300":
			return true
		}
	}
	// pgx reports a pooled connection it had to close as "conn closed".
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "conn closed" {
			return true
		}
	}
	return false
}
