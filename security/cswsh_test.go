package security_test

import (
	"net/http"
	"strings"
	"testing"

	"workcomm/configs"
	"workcomm/testenv"
)

// Cross-Site WebSocket Hijacking: a page on another origin opening a socket
// with the victim's credentials. The socket takes only a bearer token (never
// a cookie), and the Origin must be listed exactly: foreign, null and
// look-alike origins are 403 before the upgrade. CORS answers them nothing.
func TestCrossSiteWebSocketHijacking(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		const app = "https://app.example.com"
		env := testenv.New(t, kind, func(c *configs.Config) { c.AllowedOrigins = []string{app} })
		u := env.Register(t, "victim")
		bearer := "Bearer " + u.AccessToken

		// Header values arrive trimmed of surrounding spaces (net/http), and
		// hosts compare without case.
		allowed := []string{app, app + "/", "https://APP.example.com", " " + app + "\t"}
		foreign := []string{
			"https://evil.example.com", "null", "https://app.example.com.evil.com", "https://evil.com/https://app.example.com",
			"https://app.example.com:8443", "http://app.example.com", "https://app-example.com", "https://example.com",
			"https://xapp.example.com", "https://app.example.co", "file://", "https://app.example.com@evil.com",
			"https://app.example.com%2F.evil.com",
			"chrome-extension://abcdefghijklmnop",
		}
		for _, path := range []string{"/ws/private", "/ws/group"} {
			t.Run(path+": the configured origin upgrades", func(t *testing.T) {
				for _, o := range allowed {
					if status, _ := handshake(t, env, path, http.Header{"Authorization": {bearer}, "Origin": {o}}); status != http.StatusSwitchingProtocols {
						t.Fatalf("Origin %q: %d, want 101", o, status)
					}
				}
			})
			t.Run(path+": foreign, null and look-alike origins are 403 before the upgrade", func(t *testing.T) {
				for _, o := range foreign {
					attacks.Add(2)
					if status, code := handshake(t, env, path, http.Header{"Authorization": {bearer}, "Origin": {o}}); status != http.StatusForbidden || code != "forbidden" {
						t.Fatalf("Origin %q: %d %q, want 403 forbidden", o, status, code)
					}
					if status, _ := handshake(t, env, path+"?access_token="+u.AccessToken, http.Header{"Origin": {o}}); status != http.StatusForbidden {
						t.Fatalf("Origin %q with ?access_token=: %d, want 403", o, status)
					}
				}
			})
		}

		t.Run("CORS: no allow headers for a foreign origin, preflight or not", func(t *testing.T) {
			for _, o := range foreign {
				attacks.Add(2)
				res := env.Do(t, testenv.Req{Method: http.MethodOptions, Path: "/api/v1/users/me", Header: map[string]string{
					"Origin": o, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}})
				if acao := res.Header.Get("Access-Control-Allow-Origin"); acao != "" {
					t.Fatalf("preflight from %q allowed %q", o, acao)
				}
				res = env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/api/v1/users/me", Token: u.AccessToken, Header: map[string]string{"Origin": o}})
				if acao := res.Header.Get("Access-Control-Allow-Origin"); acao != "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
					t.Fatalf("GET from %q: ACAO %q, credentials %q", o, acao, res.Header.Get("Access-Control-Allow-Credentials"))
				}
			}
			// The configured origin is allowed, so the refusals above are the origin's doing.
			res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/api/v1/users/me", Token: u.AccessToken, Header: map[string]string{"Origin": app}})
			if res.Header.Get("Access-Control-Allow-Origin") != app {
				t.Fatalf("GET from the app: %d %v", res.Status, res.Header)
			}
		})
	})
}

// With no ALLOWED_ORIGINS (development), only the server's own host may
// open a socket from a browser.
func TestSocketOriginWithoutConfiguredOrigins(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	u := env.Register(t, "dev")
	host := strings.TrimPrefix(env.Server.URL, "http://")
	bearer := http.Header{"Authorization": {"Bearer " + u.AccessToken}}
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"http://" + host, http.StatusSwitchingProtocols},
		{"null", http.StatusForbidden},
		{"http://" + host + ".evil.com", http.StatusForbidden},
		{"http://evil.com", http.StatusForbidden},
		{"http://evil.com/" + host, http.StatusForbidden},
		{"http://" + host + "@evil.com", http.StatusForbidden},
	} {
		attacks.Add(1)
		h := bearer.Clone()
		h.Set("Origin", tc.origin)
		if status, _ := handshake(t, env, "/ws/private", h); status != tc.want {
			t.Fatalf("Origin %q: %d, want %d", tc.origin, status, tc.want)
		}
	}
}
