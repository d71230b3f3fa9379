package controllers_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"workcomm/configs"
	"workcomm/testenv"
	"workcomm/tokens"
)

type session struct {
	User struct {
		ID       uint64 `json:"id"`
		Username string `json:"username"`
		Email    string `json:"email"`
		Role     string `json:"role"`
		Plan     string `json:"plan"`
	} `json:"user"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresIn    int    `json:"expiresIn"`
}

func register(t *testing.T, env *testenv.Env, body any) *testenv.Response {
	t.Helper()
	return env.Post(t, "/api/v1/auth/register", "", body)
}

func TestRegister(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)

		t.Run("a new user gets a session, a refresh cookie and a self view", func(t *testing.T) {
			res := register(t, env, map[string]string{"username": "Alice.M", "email": "Alice@Example.com", "password": "correct horse", "displayName": "Alice Martin"})
			testenv.Expect(t, res, http.StatusCreated)
			var s session
			res.JSON(t, &s)
			if s.User.Username != "Alice.M" || s.User.Role != "user" || s.User.Plan != "free" || s.AccessToken == "" || s.RefreshToken == "" {
				t.Fatalf("unexpected session %+v", s)
			}
			if s.ExpiresIn <= 0 || s.ExpiresIn > 900 {
				t.Fatalf("expiresIn = %d, want 1..900", s.ExpiresIn)
			}
			cookie := res.Header.Get("Set-Cookie")
			for _, want := range []string{"wc_refresh=" + s.RefreshToken, "Path=/api/v1/auth", "HttpOnly", "SameSite=Strict"} {
				if !strings.Contains(cookie, want) {
					t.Fatalf("Set-Cookie %q lacks %q", cookie, want)
				}
			}
			if strings.Contains(string(res.Body), "password") || strings.Contains(string(res.Body), "$2a$") {
				t.Fatalf("answer leaks a password or hash: %s", res.Body)
			}
		})
		t.Run("username and email are unique whatever their case", func(t *testing.T) {
			res := register(t, env, map[string]string{"username": "alice.m", "email": "other@example.com", "password": "password1"})
			testenv.Expect(t, res, http.StatusConflict)
			if res.ErrorCode() != "username_taken" {
				t.Fatalf("code %q, want username_taken", res.ErrorCode())
			}
			res = register(t, env, map[string]string{"username": "someoneelse", "email": "ALICE@example.COM", "password": "password1"})
			testenv.Expect(t, res, http.StatusConflict)
			if res.ErrorCode() != "email_taken" {
				t.Fatalf("code %q, want email_taken", res.ErrorCode())
			}
		})
		t.Run("every invalid field is reported at once", func(t *testing.T) {
			res := register(t, env, map[string]string{"username": "a b", "email": "not-an-email", "password": "short"})
			testenv.Expect(t, res, http.StatusBadRequest)
			fields := res.ErrorFields()
			for _, f := range []string{"username", "email", "password"} {
				if fields[f] == "" {
					t.Fatalf("no message for %s in %v", f, fields)
				}
			}
		})
		t.Run("missing fields are required", func(t *testing.T) {
			res := register(t, env, map[string]string{})
			testenv.Expect(t, res, http.StatusBadRequest)
			if f := res.ErrorFields(); f["username"] != "is required" || f["email"] != "is required" || f["password"] != "is required" {
				t.Fatalf("fields %v", f)
			}
		})
		t.Run("lengths count code points", func(t *testing.T) {
			// 8 code points, 16 bytes: long enough.
			res := register(t, env, map[string]string{"username": "unicodepw", "email": "u@example.com", "password": "éééééééé"})
			testenv.Expect(t, res, http.StatusCreated)
			// 64 code points of a 3-byte character: a valid display name.
			res = register(t, env, map[string]string{"username": "longname", "email": "l@example.com", "password": "password1", "displayName": strings.Repeat("名", 64)})
			testenv.Expect(t, res, http.StatusCreated)
			res = register(t, env, map[string]string{"username": "toolong", "email": "t@example.com", "password": "password1", "displayName": strings.Repeat("名", 65)})
			testenv.Expect(t, res, http.StatusBadRequest)
		})
		t.Run("a role in the body is refused and never applied", func(t *testing.T) {
			res := register(t, env, map[string]any{"username": "mallory", "email": "m@example.com", "password": "password1", "role": "admin", "plan": "premium"})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorCode() != "validation_failed" || res.ErrorFields()["role"] == "" || res.ErrorFields()["plan"] == "" {
				t.Fatalf("got %s", res.Body)
			}
			login := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": "mallory", "password": "password1"})
			testenv.Expect(t, login, http.StatusUnauthorized)
		})
		t.Run("malformed JSON is invalid_json", func(t *testing.T) {
			for _, body := range []string{`{"username":`, `[1,2]`, `"str"`, `{"username":"x"} {"a":1}`} {
				res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Body: body})
				testenv.Expect(t, res, http.StatusBadRequest)
				if res.ErrorCode() != "invalid_json" {
					t.Fatalf("%s: code %q", body, res.ErrorCode())
				}
			}
		})
		t.Run("a wrong type is a validation error on that field", func(t *testing.T) {
			res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Body: `{"username": 12, "email": "x@example.com", "password": "password1"}`})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["username"] == "" {
				t.Fatalf("got %s", res.Body)
			}
		})
		t.Run("a body over 1 MiB is 413", func(t *testing.T) {
			big := `{"username":"` + strings.Repeat("a", 1<<20) + `"}`
			res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Body: big})
			testenv.Expect(t, res, http.StatusRequestEntityTooLarge)
			if res.ErrorCode() != "payload_too_large" {
				t.Fatalf("code %q", res.ErrorCode())
			}
		})
	})
}

func TestLogin(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		u := env.Register(t, "bob")

		t.Run("by username or email, any case", func(t *testing.T) {
			for _, login := range []string{u.Username, strings.ToUpper(u.Email)} {
				res := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": login, "password": u.Password})
				testenv.Expect(t, res, http.StatusOK)
			}
		})
		t.Run("wrong password and unknown user answer the same", func(t *testing.T) {
			a := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": "wrong-password"})
			b := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": "nobody-here", "password": "wrong-password"})
			testenv.Expect(t, a, http.StatusUnauthorized)
			testenv.Expect(t, b, http.StatusUnauthorized)
			if string(a.Body) != string(b.Body) || a.ErrorCode() != "invalid_credentials" {
				t.Fatalf("answers differ: %s vs %s", a.Body, b.Body)
			}
		})
	})
}

func TestLoginBruteForceIsLimited(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		victim := env.Register(t, "victim")
		fail := func(login, xff string) *testenv.Response {
			return env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/login",
				Body: map[string]string{"login": login, "password": "guess-guess"}, Header: map[string]string{"X-Forwarded-For": xff}})
		}
		t.Run("ten failures on one account, then 429 with Retry-After, even for the right password", func(t *testing.T) {
			for i := range 10 {
				// A spoofed X-Forwarded-For does not make each try a new client.
				testenv.Expect(t, fail(victim.Username, fmt.Sprintf("10.0.0.%d", i)), http.StatusUnauthorized)
			}
			res := fail(victim.Username, "10.9.9.9")
			testenv.Expect(t, res, http.StatusTooManyRequests)
			if res.Header.Get("Retry-After") == "" || res.ErrorCode() != "rate_limited" {
				t.Fatalf("want Retry-After and rate_limited, got %v %s", res.Header, res.Body)
			}
			ok := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": victim.Username, "password": victim.Password})
			testenv.Expect(t, ok, http.StatusTooManyRequests)
		})
		t.Run("the same client IP is limited across accounts (credential stuffing)", func(t *testing.T) {
			// The IP budget was spent above: another account from the same socket is limited too.
			res := fail("someone-else", "203.0.113.7")
			testenv.Expect(t, res, http.StatusTooManyRequests)
		})
	})
}

func TestSuccessfulLoginsDoNotCount(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	u := env.Register(t, "carol")
	for range 15 {
		testenv.Expect(t, env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password}), http.StatusOK)
	}
}

func TestRegistrationsAreLimitedPerIP(t *testing.T) {
	env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.RegisterPerHour = 3 })
	for i := range 3 {
		res := register(t, env, map[string]string{"username": fmt.Sprintf("user%d", i), "email": fmt.Sprintf("u%d@example.com", i), "password": "password1"})
		testenv.Expect(t, res, http.StatusCreated)
	}
	res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Header: map[string]string{"X-Forwarded-For": "198.51.100.1"},
		Body: map[string]string{"username": "user9", "email": "u9@example.com", "password": "password1"}})
	testenv.Expect(t, res, http.StatusTooManyRequests)
}

func TestTrustedProxyGivesTheClientIP(t *testing.T) {
	// The test client connects from 127.0.0.1: trusted as a proxy here, so
	// X-Forwarded-For names the client and each forwarded client has its own budget.
	env := testenv.New(t, testenv.SQLite, func(c *configs.Config) {
		c.RegisterPerHour = 1
		trustLoopbackProxy(t)(c)
	})
	for i := range 3 {
		res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i+1)},
			Body: map[string]string{"username": fmt.Sprintf("proxied%d", i), "email": fmt.Sprintf("p%d@example.com", i), "password": "password1"}})
		testenv.Expect(t, res, http.StatusCreated)
	}
	res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/register", Header: map[string]string{"X-Forwarded-For": "198.51.100.1"},
		Body: map[string]string{"username": "proxied9", "email": "p9@example.com", "password": "password1"}})
	testenv.Expect(t, res, http.StatusTooManyRequests)
}

func TestRefreshRotationAndReuse(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		u := env.Register(t, "dora")
		refresh := func(token string) *testenv.Response {
			return env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": token})
		}
		first := refresh(u.RefreshToken)
		testenv.Expect(t, first, http.StatusOK)
		var s1 session
		first.JSON(t, &s1)
		if s1.RefreshToken == u.RefreshToken {
			t.Fatal("refresh token did not rotate")
		}
		t.Run("a used token is refused and revokes the whole family", func(t *testing.T) {
			testenv.Expect(t, refresh(u.RefreshToken), http.StatusUnauthorized)
			testenv.Expect(t, refresh(s1.RefreshToken), http.StatusUnauthorized)
		})
		t.Run("another login is not affected", func(t *testing.T) {
			login := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			testenv.Expect(t, login, http.StatusOK)
			var s session
			login.JSON(t, &s)
			testenv.Expect(t, refresh(s.RefreshToken), http.StatusOK)
		})
		t.Run("the cookie works in place of the body", func(t *testing.T) {
			login := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			var s session
			login.JSON(t, &s)
			res := env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Header: map[string]string{"Cookie": "wc_refresh=" + s.RefreshToken}})
			testenv.Expect(t, res, http.StatusOK)
		})
		t.Run("two concurrent refreshes with one token: one wins, the family dies", func(t *testing.T) {
			login := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			var s session
			login.JSON(t, &s)
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			bodies := make([]session, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := refresh(s.RefreshToken)
					statuses[i] = r.Status
					_ = json.Unmarshal(r.Body, &bodies[i])
				}()
			}
			wg.Wait()
			ok := 0
			for _, st := range statuses {
				if st == http.StatusOK {
					ok++
				}
			}
			if ok > 1 {
				t.Fatalf("both concurrent refreshes succeeded: %v", statuses)
			}
		})
		t.Run("garbage and empty tokens are 401", func(t *testing.T) {
			testenv.Expect(t, refresh("garbage"), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{}), http.StatusUnauthorized)
		})
	})
}

func TestLogout(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		u := env.Register(t, "erin")
		res := env.Post(t, "/api/v1/auth/logout", "", map[string]string{"refreshToken": u.RefreshToken})
		testenv.Expect(t, res, http.StatusNoContent)
		if !strings.Contains(res.Header.Get("Set-Cookie"), "wc_refresh=;") {
			t.Fatalf("cookie not cleared: %q", res.Header.Get("Set-Cookie"))
		}
		testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusUnauthorized)
	})
}

func TestAccessTokenAttacks(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	u := env.Register(t, "frank")
	secret := []byte("test-secret-test-secret-test-secret-0123")
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": fmt.Sprint(u.ID), "iss": tokens.Issuer, "aud": tokens.Audience,
			"exp": time.Now().Add(time.Minute).Unix(), "iat": time.Now().Unix(), "ver": 0}
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	noneToken := func() string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		p, _ := json.Marshal(good())
		return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
	}
	cases := []struct {
		name  string
		token string
	}{
		{"alg none", noneToken()},
		{"HS512 instead of the pinned HS256", sign(jwt.SigningMethodHS512, secret, good())},
		{"signed with another secret", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-000"), good())},
		{"expired", sign(jwt.SigningMethodHS256, secret, with("exp", time.Now().Add(-time.Hour).Unix()))},
		{"no exp", sign(jwt.SigningMethodHS256, secret, without("exp"))},
		{"wrong audience", sign(jwt.SigningMethodHS256, secret, with("aud", "someone-else"))},
		{"wrong issuer", sign(jwt.SigningMethodHS256, secret, with("iss", "evil"))},
		{"stale token version", sign(jwt.SigningMethodHS256, secret, with("ver", 7))},
		{"a refresh token used as access token", u.RefreshToken},
		{"garbage", "not.a.token"},
	}
	// Sanity: the well-formed token is accepted, so the refusals below are about the attack.
	testenv.Expect(t, env.Get(t, "/api/v1/users/me", sign(jwt.SigningMethodHS256, secret, good())), http.StatusOK)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := env.Get(t, "/api/v1/users/me", tc.token)
			testenv.Expect(t, res, http.StatusUnauthorized)
			if res.ErrorCode() != "unauthorized" {
				t.Fatalf("code %q", res.ErrorCode())
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		testenv.Expect(t, env.Get(t, "/api/v1/users/me", ""), http.StatusUnauthorized)
	})
}

// trustLoopbackProxy makes 127.0.0.1 (the test client) a trusted proxy, parsed
// as TRUSTED_PROXIES is, so that X-Forwarded-For names the client.
func trustLoopbackProxy(t testing.TB) func(*configs.Config) {
	return func(c *configs.Config) {
		cfg, err := configs.LoadFrom(func(k string) string {
			if k == "TRUSTED_PROXIES" {
				return "127.0.0.1"
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		c.TrustedProxies = cfg.TrustedProxies
	}
}
