package apperr_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"workcomm/apperr"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestDependencyOutagesAre503Unavailable(t *testing.T) {
	addr := closedPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, pgErr := pgconn.Connect(ctx, "postgres://postgres@"+addr+"/test?sslmode=disable&connect_timeout=3")
	if pgErr == nil {
		t.Fatal("connecting to a closed port succeeded")
	}
	_, dialErr := net.DialTimeout("tcp", addr, time.Second)
	expired, stop := context.WithDeadline(context.Background(), time.Now())
	defer stop()
	<-expired.Done()

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"PostgreSQL is down (the real pgx connect error)", fmt.Errorf("loading the user: %w", pgErr)},
		{"Redis or any TCP dependency refuses the connection", dialErr},
		{"the connection was cut mid-answer", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF)},
		{"database/sql gave up on a bad connection", driver.ErrBadConn},
		{"the request's deadline passed waiting for the pool", fmt.Errorf("query: %w", expired.Err())},
		{"PostgreSQL is shutting down (57P01)", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}},
		{"PostgreSQL is starting up (57P03)", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}},
		{"PostgreSQL has no connection slot left (53300)", &pgconn.PgError{Code: "53300", Message: "too many clients"}},
		{"the connection failed (class 08)", &pgconn.PgError{Code: "08006"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := apperr.Resolve(tc.err)
			if status != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
				t.Fatalf("%v resolved to %d %q, want 503 unavailable", tc.err, status, body.Error.Code)
			}
			if body.Error.Message != "service temporarily unavailable" {
				t.Fatalf("the message tells internals: %q", body.Error.Message)
			}
		})
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"a bug is still a 500", errors.New("nil map"), http.StatusInternalServerError},
		{"a constraint violation is not an outage", &pgconn.PgError{Code: "23503"}, http.StatusInternalServerError},
		{"a syntax error is not an outage", &pgconn.PgError{Code: "42601"}, http.StatusInternalServerError},
		{"a missing row keeps its meaning", fmt.Errorf("%w", gorm.ErrRecordNotFound), http.StatusInternalServerError},
		{"a vocabulary error wins over its wrapped cause", fmt.Errorf("%w: %w", apperr.ErrNotFound, driver.ErrBadConn), http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, _, _ := apperr.Resolve(tc.err); status != tc.want {
				t.Fatalf("%v resolved to %d, want %d", tc.err, status, tc.want)
			}
		})
	}
}
