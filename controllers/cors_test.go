package controllers_test

import (
	"fmt"
	"net/http"
	"testing"

	"workcomm/configs"
	"workcomm/testenv"
)

func TestCORS(t *testing.T) {
	env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.AllowedOrigins = []string{"https://chat.example.com"} })
	preflight := func(origin string) *testenv.Response {
		return env.Do(t, testenv.Req{Method: http.MethodOptions, Path: "/api/v1/auth/login", Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization"}})
	}
	t.Run("a preflight from an allowed origin is answered with its permissions", func(t *testing.T) {
		res := preflight("https://chat.example.com")
		if res.Status != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://chat.example.com" ||
			res.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Fatalf("preflight: %d %v", res.Status, res.Header)
		}
	})
	t.Run("a preflight from another origin gets no permission", func(t *testing.T) {
		res := preflight("https://evil.example.com")
		if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Status < 400 {
			t.Fatalf("foreign preflight: %d %v", res.Status, res.Header)
		}
	})
	t.Run("an actual request from an allowed origin carries the CORS headers", func(t *testing.T) {
		res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/api/v1/payments/plans", Header: map[string]string{"Origin": "https://chat.example.com"}})
		testenv.Expect(t, res, http.StatusOK)
		if res.Header.Get("Access-Control-Allow-Origin") != "https://chat.example.com" {
			t.Fatalf("headers %v", res.Header)
		}
	})
}

func TestLoginLimitIsPerAccountWhateverItsSpelling(t *testing.T) {
	// 127.0.0.1 is a trusted proxy here, so each forwarded address has its own
	// IP budget: only the account budget can stop the guesses below.
	env := testenv.New(t, testenv.SQLite, trustLoopbackProxy(t))
	victim := env.Register(t, "victim")
	try := func(login string, i int) *testenv.Response {
		return env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/login",
			Body: map[string]string{"login": login, "password": "guess-guess"}, Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i+1)}})
	}
	for i := range 10 {
		login := victim.Username
		if i%2 == 1 {
			login = victim.Email
		}
		testenv.Expect(t, try(login, i), http.StatusUnauthorized)
	}
	testenv.Expect(t, try(victim.Email, 50), http.StatusTooManyRequests)
	testenv.Expect(t, try(victim.Username, 51), http.StatusTooManyRequests)
}
