package security_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"workcomm/configs"
	"workcomm/testenv"
)

func login(env *testenv.Env, t *testing.T, login, password string, header map[string]string) *testenv.Response {
	return env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/login", Body: map[string]string{"login": login, "password": password}, Header: header})
}

// Failed logins are limited per account and per client IP (10 in 15
// minutes): neither spelling tricks nor a forged X-Forwarded-For buy more
// guesses, and once limited even the right password waits.
func TestLoginBruteForceAndCredentialStuffing(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		t.Run("one account: spelling variants share its budget", func(t *testing.T) {
			env := testenv.New(t, kind)
			u := env.Register(t, "target")
			spellings := []string{u.Username, strings.ToUpper(u.Username), " " + u.Username + " ", strings.ToUpper(u.Username[:1]) + u.Username[1:]}
			for i := range 10 {
				attacks.Add(1)
				// Each guess from its own forged address: an untrusted peer's
				// X-Forwarded-For is ignored, so they all count against 127.0.0.1 too.
				res := login(env, t, spellings[i%len(spellings)], fmt.Sprintf("guess-%d-password", i), map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)})
				expectRefused(t, res, http.StatusUnauthorized, "invalid_credentials")
			}
			for _, s := range spellings {
				attacks.Add(1)
				res := login(env, t, s, u.Password, map[string]string{"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.8"})
				expectRefused(t, res, http.StatusTooManyRequests, "rate_limited")
				if res.Header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
			}
		})
		t.Run("credential stuffing: one client trying many accounts is limited", func(t *testing.T) {
			env := testenv.New(t, kind, manyRegistrations)
			var victims []*testenv.User
			for range 12 {
				victims = append(victims, env.Register(t, "stuffed"))
			}
			for i, v := range victims[:10] {
				attacks.Add(1)
				expectRefused(t, login(env, t, v.Email, fmt.Sprintf("leaked-%d-password", i), nil), http.StatusUnauthorized, "invalid_credentials")
			}
			for _, v := range victims[10:] {
				attacks.Add(1)
				expectRefused(t, login(env, t, v.Email, v.Password+"x", map[string]string{"X-Forwarded-For": "192.0.2.1"}), http.StatusTooManyRequests, "rate_limited")
			}
		})
		t.Run("registrations are limited per client IP, forged headers or not", func(t *testing.T) {
			env := testenv.New(t, kind, func(c *configs.Config) { c.RegisterPerHour = 3 })
			for i := range 5 {
				attacks.Add(1)
				name := testenv.UniqueName("mass")
				res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register",
					Body:   map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name},
					Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)}})
				want := http.StatusCreated
				if i >= 3 {
					want = http.StatusTooManyRequests
				}
				testenv.Expect(t, res, want)
			}
		})
	})
}

// An attacker learns nothing about who has an account from login, search or
// profile answers: unknown, deleted, banned-with-a-wrong-password and
// wrong-password logins answer byte for byte alike, emails are not
// searchable, and a deleted user is as absent as one that never was.
// (Registration says email_taken/username_taken by contract: that answer is
// rate-limited per client IP, see above.)
func TestUserEnumeration(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, manyRegistrations)
		admin := env.RegisterAdmin(t, "root")
		prober := env.Register(t, "prober")
		live, deleted, banned := env.Register(t, "live"), env.Register(t, "gone"), env.Register(t, "banned")
		testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/admin/users/%d", deleted.ID), admin.AccessToken), http.StatusNoContent)
		testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", banned.ID), admin.AccessToken, map[string]any{"banned": true}), http.StatusOK)

		t.Run("login answers the same for unknown, deleted, banned and wrong-password accounts", func(t *testing.T) {
			var first *testenv.Response
			for _, l := range []string{"nobody-at-all", "nobody@example.com", deleted.Username, deleted.Email, banned.Username, live.Username, live.Email} {
				attacks.Add(1)
				res := login(env, t, l, "wrong-password-1", map[string]string{"X-Request-ID": "same"})
				expectRefused(t, res, http.StatusUnauthorized, "invalid_credentials")
				if first == nil {
					first = res
				} else if !bytes.Equal(res.Body, first.Body) {
					t.Fatalf("login %q answered %s, the unknown account %s", l, res.Body, first.Body)
				}
			}
		})
		t.Run("emails are not searchable", func(t *testing.T) {
			for _, q := range []string{live.Email, strings.Split(live.Email, "@")[0] + "@", "example.com", "@"} {
				attacks.Add(1)
				res := env.Get(t, "/api/v1/users?q="+q, prober.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				if strings.Contains(string(res.Body), `"id"`) {
					t.Fatalf("searching %q found: %s", q, res.Body)
				}
			}
		})
		t.Run("a deleted user is as absent as one that never was", func(t *testing.T) {
			never := deleted.ID + 1000
			for _, tc := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, "/api/v1/users/%d", nil},
				{http.MethodPost, "/api/v1/friends/requests", "userId"},
				{http.MethodGet, "/api/v1/chat/private/%d/messages", nil},
			} {
				attacks.Add(1)
				do := func(id uint64) *testenv.Response {
					req := testenv.Req{Method: tc.method, Path: tc.path, Token: prober.AccessToken}
					if tc.body != nil {
						req.Body = map[string]any{"userId": id}
					} else {
						req.Path = fmt.Sprintf(tc.path, id)
					}
					return env.Do(t, req)
				}
				a, b := do(deleted.ID), do(never)
				if a.Status != http.StatusNotFound || a.Status != b.Status || !bytes.Equal(a.Body, b.Body) {
					t.Fatalf("%s %s: deleted %d %s, never-existed %d %s", tc.method, tc.path, a.Status, a.Body, b.Status, b.Body)
				}
			}
			res := env.Get(t, "/api/v1/users?q="+deleted.Username, prober.AccessToken)
			if strings.Contains(string(res.Body), `"id"`) {
				t.Fatalf("a deleted user is found by search: %s", res.Body)
			}
		})
	})
}

// Behind a load balancer the budgets are the cluster's, not each node's: two
// nodes on one database and one Redis give an attacker who alternates between
// them 10 guesses, not 20, and registrations, REST writes and payment intents
// likewise.
func TestBudgetsAreClusterWide(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	testenv.RequirePostgresOrSkip(t)
	prefix := testenv.UniqueName("wcs")
	cluster := func(c *configs.Config) {
		c.RedisURL, c.RedisPrefix, c.RegisterPerHour, c.WritesPerMinute = url, prefix, 4, 6
	}
	a := testenv.New(t, testenv.Postgres, cluster)
	cfg := testenv.Config()
	cluster(cfg)
	b := testenv.NewOnDB(t, testenv.Postgres, a.App.DB, a.DBURL, cfg)
	nodes := []*testenv.Env{a, b}
	target, writer := a.Register(t, "target"), b.Register(t, "writer") // 2 of the client IP's 4 registrations

	t.Run("failed logins", func(t *testing.T) {
		u := target
		for i := range 10 {
			attacks.Add(1)
			expectRefused(t, login(nodes[i%2], t, u.Username, fmt.Sprintf("guess-%d-password", i), nil), http.StatusUnauthorized, "invalid_credentials")
		}
		for _, n := range nodes {
			attacks.Add(1)
			res := login(n, t, u.Username, u.Password, nil)
			expectRefused(t, res, http.StatusTooManyRequests, "rate_limited")
			if res.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	})
	t.Run("registrations", func(t *testing.T) {
		for i := range 4 {
			attacks.Add(1)
			name := testenv.UniqueName("mass")
			res := nodes[i%2].Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register",
				Body: map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name}})
			want := http.StatusCreated
			if i >= 2 {
				want = http.StatusTooManyRequests
			}
			testenv.Expect(t, res, want)
		}
	})
	t.Run("REST writes", func(t *testing.T) {
		u := writer
		statuses := []int{}
		for i := range 8 {
			res := nodes[i%2].Patch(t, "/api/v1/users/me", u.AccessToken, map[string]any{"displayName": fmt.Sprintf("Writer %d", i)})
			statuses = append(statuses, res.Status)
		}
		for i, s := range statuses {
			want := http.StatusOK
			if i >= 6 {
				want = http.StatusTooManyRequests
			}
			if s != want {
				t.Fatalf("write %d answered %d, want %d (all: %v)", i, s, want, statuses)
			}
		}
	})
}
