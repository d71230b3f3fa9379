package security_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"workcomm/models"
	"workcomm/testenv"
	"workcomm/tokens"
)

// forger makes access tokens as an attacker would: with or without the real
// secret, any algorithm, any header and any claims.
type forger struct {
	t      *testing.T
	userID uint64
}

func (f forger) claims() jwt.MapClaims {
	return jwt.MapClaims{"sub": fmt.Sprint(f.userID), "iss": tokens.Issuer, "aud": tokens.Audience,
		"exp": time.Now().Add(5 * time.Minute).Unix(), "iat": time.Now().Unix(), "ver": 0}
}

func (f forger) with(kv ...any) jwt.MapClaims {
	c := f.claims()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func (f forger) sign(method jwt.SigningMethod, key any, claims jwt.MapClaims, header map[string]any) string {
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// unsigned builds header.payload. with the given alg and an empty signature.
func (f forger) unsigned(alg string, claims jwt.MapClaims) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// confused signs an RS256-labelled token with HMAC over the real secret: the
// classic algorithm confusion, where a server verifies "RS256" with its key
// as an HMAC secret.
func (f forger) confused(secret []byte, claims jwt.MapClaims) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	p, _ := json.Marshal(claims)
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	sig, err := jwt.SigningMethodHS256.Sign(signing, secret)
	if err != nil {
		f.t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Every forged, altered or revoked access token is refused with 401
// unauthorized, on REST and on both WebSocket handshakes (header and
// ?access_token=), before anything is read or upgraded.
func TestAccessTokenForgeries(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, manyRegistrations)
		victim := env.Register(t, "victim")
		f := forger{t: t, userID: victim.ID}
		secret := []byte(jwtSecret)
		attacker := []byte("attacker-secret-attacker-secret-0000")
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		jwk := map[string]any{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(rsaKey.N.Bytes()), "e": "AQAB"}
		hs := jwt.SigningMethodHS256

		// Sanity: a token made with the real secret and the right claims is
		// accepted everywhere, so each refusal below is the attack's doing.
		valid := f.sign(hs, secret, f.claims(), nil)
		testenv.Expect(t, env.Get(t, "/api/v1/users/me", valid), http.StatusOK)
		if status, _ := handshake(t, env, "/ws/private", http.Header{"Authorization": {"Bearer " + valid}}); status != http.StatusSwitchingProtocols {
			t.Fatalf("a valid token was refused at the handshake: %d", status)
		}

		cases := []struct{ name, token string }{
			{"alg none", f.unsigned("none", f.claims())},
			{"alg None", f.unsigned("None", f.claims())},
			{"alg NONE", f.unsigned("NONE", f.claims())},
			{"alg HS256 with an empty signature", f.unsigned("HS256", f.claims())},
			{"HS512 with the real secret (algorithm not pinned)", f.sign(jwt.SigningMethodHS512, secret, f.claims(), nil)},
			{"HS384 with the real secret", f.sign(jwt.SigningMethodHS384, secret, f.claims(), nil)},
			{"RS256 with the attacker's key and an embedded jwk", f.sign(jwt.SigningMethodRS256, rsaKey, f.claims(), map[string]any{"jwk": jwk})},
			{"algorithm confusion: RS256 label, HMAC signature with the real secret", f.confused(secret, f.claims())},
			{"the attacker's secret", f.sign(hs, attacker, f.claims(), nil)},
			{"the attacker's secret and an unknown kid", f.sign(hs, attacker, f.claims(), map[string]any{"kid": "attacker-key-1"})},
			{"the attacker's secret and a path-traversal kid", f.sign(hs, attacker, f.claims(), map[string]any{"kid": "../../../../dev/null"})},
			{"an empty key and a kid naming /dev/null", f.sign(hs, []byte{}, f.claims(), map[string]any{"kid": "/dev/null"})},
			{"the attacker's secret and a jku", f.sign(hs, attacker, f.claims(), map[string]any{"jku": "https://evil.example.com/jwks.json"})},
			{"the attacker's secret and an x5u", f.sign(hs, attacker, f.claims(), map[string]any{"x5u": "https://evil.example.com/cert.pem"})},
			{"no exp", f.sign(hs, secret, f.with("exp", nil), nil)},
			{"expired an hour ago", f.sign(hs, secret, f.with("exp", time.Now().Add(-time.Hour).Unix()), nil)},
			{"exp in the past written as a string", f.sign(hs, secret, f.with("exp", fmt.Sprint(time.Now().Add(-time.Hour).Unix())), nil)},
			{"exp not a date", f.sign(hs, secret, f.with("exp", "tomorrow"), nil)},
			{"not valid before tomorrow", f.sign(hs, secret, f.with("nbf", time.Now().Add(24*time.Hour).Unix()), nil)},
			{"issued tomorrow", f.sign(hs, secret, f.with("iat", time.Now().Add(24*time.Hour).Unix()), nil)},
			{"no issuer", f.sign(hs, secret, f.with("iss", nil), nil)},
			{"wrong issuer", f.sign(hs, secret, f.with("iss", "evil"), nil)},
			{"no audience", f.sign(hs, secret, f.with("aud", nil), nil)},
			{"wrong audience", f.sign(hs, secret, f.with("aud", "workcomm-admin"), nil)},
			{"no subject", f.sign(hs, secret, f.with("sub", nil), nil)},
			{"subject 0", f.sign(hs, secret, f.with("sub", "0"), nil)},
			{"negative subject", f.sign(hs, secret, f.with("sub", "-1"), nil)},
			{"subject not a number", f.sign(hs, secret, f.with("sub", "admin"), nil)},
			{"subject as a JSON number", f.sign(hs, secret, f.with("sub", victim.ID), nil)},
			{"a user that does not exist", f.sign(hs, secret, f.with("sub", "999999"), nil)},
			{"a stale token version", f.sign(hs, secret, f.with("ver", 1), nil)},
			{"a refresh token", victim.RefreshToken},
			{"a token with a second signature appended", valid + "." + strings.Split(valid, ".")[2]},
			{"a truncated signature", valid[:len(valid)-4]},
			{"garbage", "not.a.token"},
			{"empty segments", ".."},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				attacks.Add(4)
				expectRefused(t, env.Get(t, "/api/v1/users/me", tc.token), http.StatusUnauthorized, "unauthorized")
				for _, path := range []string{"/ws/private", "/ws/group"} {
					if status, code := handshake(t, env, path, http.Header{"Authorization": {"Bearer " + tc.token}}); status != http.StatusUnauthorized || code != "unauthorized" {
						t.Fatalf("%s handshake: %d %q, want 401 unauthorized", path, status, code)
					}
				}
				if status, _ := handshake(t, env, "/ws/group?access_token="+url.QueryEscape(tc.token), nil); status != http.StatusUnauthorized {
					t.Fatalf("?access_token= handshake: %d, want 401", status)
				}
			})
		}
		t.Run("header schemes other than Bearer", func(t *testing.T) {
			for _, h := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("victim:pw")), "Token " + valid, valid, "Bearer", "Bearer  ", "Bearer " + valid + " " + valid} {
				attacks.Add(2)
				res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/api/v1/users/me", Header: map[string]string{"Authorization": h}})
				expectRefused(t, res, http.StatusUnauthorized, "unauthorized")
				if status, _ := handshake(t, env, "/ws/private", http.Header{"Authorization": {h}}); status != http.StatusUnauthorized {
					t.Fatalf("handshake with %q: %d", h, status)
				}
			}
		})
		t.Run("the refresh cookie alone opens nothing (no cookie-borne socket to hijack)", func(t *testing.T) {
			attacks.Add(2)
			cookie := http.Header{"Cookie": {"wc_refresh=" + victim.RefreshToken}}
			if status, _ := handshake(t, env, "/ws/private", cookie); status != http.StatusUnauthorized {
				t.Fatalf("handshake with the cookie only: %d", status)
			}
			res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: "/api/v1/users/me", Header: map[string]string{"Cookie": "wc_refresh=" + victim.RefreshToken}})
			expectRefused(t, res, http.StatusUnauthorized, "unauthorized")
		})
	})
}

// A token stops working the moment its user is banned, deleted or changes
// role — on REST, on a new handshake, and for the sockets already open.
func TestRevokedUsersTokens(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, manyRegistrations)
		admin := env.RegisterAdmin(t, "root")
		for _, tc := range []struct {
			name   string
			revoke func(t *testing.T, u *testenv.User)
		}{
			{"banned", func(t *testing.T, u *testenv.User) {
				testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", u.ID), admin.AccessToken, map[string]any{"banned": true}), http.StatusOK)
			}},
			{"deleted", func(t *testing.T, u *testenv.User) {
				testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/admin/users/%d", u.ID), admin.AccessToken), http.StatusNoContent)
			}},
			{"demoted from admin", func(t *testing.T, u *testenv.User) {
				testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", u.ID), admin.AccessToken, map[string]any{"role": "user"}), http.StatusOK)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u := env.Register(t, "revoked")
				if tc.name == "demoted from admin" {
					u = env.RegisterAdmin(t, "second")
				}
				open := dial(t, env, "/ws/group", u)
				tc.revoke(t, u)
				attacks.Add(5)
				expectRefused(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusUnauthorized, "unauthorized")
				expectRefused(t, env.Get(t, "/api/v1/admin/stats", u.AccessToken), http.StatusUnauthorized, "unauthorized")
				if status, _ := handshake(t, env, "/ws/private", http.Header{"Authorization": {"Bearer " + u.AccessToken}}); status != http.StatusUnauthorized {
					t.Fatalf("a new handshake answered %d", status)
				}
				select {
				case <-open.Done:
				case <-time.After(waitTime):
					t.Fatal("the open socket was not closed")
				}
				res := env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken})
				if res.Status != http.StatusUnauthorized && res.Status != http.StatusForbidden {
					t.Fatalf("refresh after %s: %d %s", tc.name, res.Status, res.Body)
				}
			})
		}
	})
}

// Refresh tokens rotate: a replayed one kills its whole login, racing
// refreshes of one token leave at most one winner whose family dies too, and
// a logged-out token stays dead.
func TestRefreshTokenAttacks(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, manyRegistrations)
		refresh := func(tok string) *testenv.Response {
			return env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": tok})
		}
		next := func(t *testing.T, res *testenv.Response) string {
			t.Helper()
			testenv.Expect(t, res, http.StatusOK)
			var s struct{ RefreshToken string }
			res.JSON(t, &s)
			return s.RefreshToken
		}

		t.Run("a stolen token replayed after the victim used it kills the victim's login too", func(t *testing.T) {
			u := env.Register(t, "replay")
			stolen := u.RefreshToken
			victimNext := next(t, refresh(stolen))
			attacks.Add(2)
			expectRefused(t, refresh(stolen), http.StatusUnauthorized, "unauthorized")
			expectRefused(t, refresh(victimNext), http.StatusUnauthorized, "unauthorized")
		})
		t.Run("a stolen token used first locks the thief out at the victim's next refresh", func(t *testing.T) {
			u := env.Register(t, "thief")
			thiefNext := next(t, refresh(u.RefreshToken))
			attacks.Add(2)
			expectRefused(t, refresh(u.RefreshToken), http.StatusUnauthorized, "unauthorized") // the victim's turn: reuse
			expectRefused(t, refresh(thiefNext), http.StatusUnauthorized, "unauthorized")
		})
		t.Run("ten concurrent refreshes of one token: at most one wins, and its family dies", func(t *testing.T) {
			u := env.Register(t, "race")
			var wg sync.WaitGroup
			results := make([]*testenv.Response, 10)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = refresh(u.RefreshToken)
				}()
			}
			wg.Wait()
			attacks.Add(10)
			var winners []string
			for _, r := range results {
				switch r.Status {
				case http.StatusOK:
					winners = append(winners, next(t, r))
				case http.StatusUnauthorized:
				default:
					t.Fatalf("a racing refresh answered %d %s", r.Status, r.Body)
				}
			}
			if len(winners) > 1 {
				t.Fatalf("%d concurrent refreshes of one token succeeded", len(winners))
			}
			for _, w := range winners {
				expectRefused(t, refresh(w), http.StatusUnauthorized, "unauthorized")
			}
		})
		t.Run("a token a racing refresh issued after the family was revoked is dead too", func(t *testing.T) {
			// The interleaving the concurrent case above hits only sometimes:
			// the loser revokes the family, then the winner stores its new token.
			u := env.Register(t, "late")
			stolen := u.RefreshToken
			next(t, refresh(stolen))
			expectRefused(t, refresh(stolen), http.StatusUnauthorized, "unauthorized") // reuse: family revoked
			old, err := models.FindRefreshToken(context.Background(), env.App.DB, tokens.HashRefreshToken(stolen))
			if err != nil {
				t.Fatal(err)
			}
			late := tokens.NewRefreshToken()
			if err := models.CreateRefreshToken(context.Background(), env.App.DB, &models.RefreshToken{UserID: u.ID, FamilyID: old.FamilyID,
				TokenHash: tokens.HashRefreshToken(late), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			attacks.Add(1)
			expectRefused(t, refresh(late), http.StatusUnauthorized, "unauthorized")
		})
		t.Run("another login of the same user survives", func(t *testing.T) {
			u := env.Register(t, "devices")
			res := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			other := next(t, res)
			next(t, refresh(u.RefreshToken))
			expectRefused(t, refresh(u.RefreshToken), http.StatusUnauthorized, "unauthorized")
			next(t, refresh(other))
		})
		t.Run("logout kills the token; logging out with another's token is harmless to guess", func(t *testing.T) {
			u := env.Register(t, "logout")
			testenv.Expect(t, env.Post(t, "/api/v1/auth/logout", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusNoContent)
			attacks.Add(2)
			expectRefused(t, refresh(u.RefreshToken), http.StatusUnauthorized, "unauthorized")
			testenv.Expect(t, env.Post(t, "/api/v1/auth/logout", "", map[string]string{"refreshToken": "guessed-" + u.RefreshToken}), http.StatusNoContent)
		})
		t.Run("the refresh cookie is HttpOnly, SameSite=Strict and scoped to /api/v1/auth", func(t *testing.T) {
			name := testenv.UniqueName("cookie")
			res := env.Post(t, "/api/v1/auth/register", "", map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name})
			testenv.Expect(t, res, http.StatusCreated)
			c := res.Header.Get("Set-Cookie")
			for _, want := range []string{"wc_refresh=", "HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"} {
				if !strings.Contains(c, want) {
					t.Fatalf("Set-Cookie %q lacks %s", c, want)
				}
			}
		})
		t.Run("oversize and malformed refresh tokens are refused cheaply", func(t *testing.T) {
			for _, tok := range []string{strings.Repeat("A", 201), "' OR 1=1 --", "\x00", strings.Repeat("é", 150)} {
				attacks.Add(1)
				res := refresh(tok)
				if res.Status != http.StatusUnauthorized && res.Status != http.StatusBadRequest {
					t.Fatalf("refresh with %q: %d %s", tok, res.Status, res.Body)
				}
			}
		})
	})
}
