package controllers_test

import (
	"net/http"
	"strings"
	"testing"

	"workcomm/testenv"
)

func TestOperationalEndpoints(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	t.Run("healthz and readyz answer 200 without auth", func(t *testing.T) {
		testenv.Expect(t, env.Get(t, "/healthz", ""), http.StatusOK)
		res := env.Get(t, "/readyz", "")
		testenv.Expect(t, res, http.StatusOK)
		if !strings.Contains(string(res.Body), `"database":"ok"`) || !strings.Contains(string(res.Body), `"storage":"ok"`) {
			t.Fatalf("readyz body %s", res.Body)
		}
	})
	t.Run("readyz turns 503 when draining", func(t *testing.T) {
		env.App.Draining.Store(true)
		defer env.App.Draining.Store(false)
		res := env.Get(t, "/readyz", "")
		testenv.Expect(t, res, http.StatusServiceUnavailable)
		if !strings.Contains(string(res.Body), "draining") {
			t.Fatalf("body %s", res.Body)
		}
	})
	t.Run("readyz names a failed database", func(t *testing.T) {
		other := testenv.New(t, testenv.SQLite)
		sqlDB, _ := other.App.DB.DB()
		sqlDB.Close()
		res := other.Get(t, "/readyz", "")
		testenv.Expect(t, res, http.StatusServiceUnavailable)
		if !strings.Contains(string(res.Body), `"database":"unavailable"`) {
			t.Fatalf("body %s", res.Body)
		}
	})
	t.Run("metrics count requests by route template", func(t *testing.T) {
		u := env.Register(t, "metrics")
		env.Get(t, "/api/v1/users/12345", u.AccessToken)
		res := env.Get(t, "/metrics", "")
		testenv.Expect(t, res, http.StatusOK)
		body := string(res.Body)
		if !strings.Contains(body, `workcomm_http_requests_total{method="GET",route="/api/v1/users/:id",status="404"}`) ||
			!strings.Contains(body, "workcomm_http_request_duration_seconds_bucket") {
			t.Fatalf("metrics lack the request: %s", body[:min(len(body), 2000)])
		}
	})
	t.Run("the OpenAPI document is served", func(t *testing.T) {
		res := env.Get(t, "/api/v1/openapi.json", "")
		testenv.Expect(t, res, http.StatusOK)
		if !strings.Contains(string(res.Body), `"openapi"`) {
			t.Fatalf("body %s", res.Body)
		}
	})
	t.Run("request ids are echoed or made", func(t *testing.T) {
		res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/healthz", Header: map[string]string{"X-Request-ID": "abc-123"}})
		if res.Header.Get("X-Request-ID") != "abc-123" {
			t.Fatalf("id %q", res.Header.Get("X-Request-ID"))
		}
		res = env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/healthz", Header: map[string]string{"X-Request-ID": "bad id; forged=1"}})
		if id := res.Header.Get("X-Request-ID"); id == "" || strings.ContainsAny(id, " ;=") {
			t.Fatalf("id %q", id)
		}
	})
	t.Run("security headers are set", func(t *testing.T) {
		res := env.Get(t, "/healthz", "")
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if res.Header.Get(h) == "" {
				t.Fatalf("missing %s", h)
			}
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatal("CSP lacks frame-ancestors")
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Fatal("HSTS over plain HTTP")
		}
	})
	t.Run("unknown routes answer in the contract's shape", func(t *testing.T) {
		res := env.Get(t, "/api/v1/nope", "")
		testenv.Expect(t, res, http.StatusNotFound)
		if res.ErrorCode() != "not_found" {
			t.Fatalf("body %s", res.Body)
		}
	})
}
