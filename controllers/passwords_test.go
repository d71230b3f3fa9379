package controllers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/configs"
	"workcomm/models"
	"workcomm/testenv"
	"workcomm/tokens"
)

// mailWait bounds the wait for a mail handed to the background queue to be
// stored by Mailpit: one local SMTP delivery.
const mailWait = 10 * time.Second

var resetLink = regexp.MustCompile(`(https?://\S+/reset-password)#token=([A-Za-z0-9_%-]+)`)

// withMailpit serves the app with SMTP_URL pointing at a real Mailpit of
// the test's own, and APP_URL set so that the links can be checked.
func withMailpit(t *testing.T, kind string) (*testenv.Env, *testenv.Mailpit) {
	t.Helper()
	mp := testenv.StartMailpit(t)
	env := testenv.New(t, kind, func(c *configs.Config) {
		c.SMTPURL, c.SMTPTimeout, c.AppURL = mp.SMTPURL("smtp", ""), 5*time.Second, "https://chat.example.com"
	})
	return env, mp
}

// forgot asks for a reset mail for email.
func forgot(t *testing.T, env *testenv.Env, email string, header map[string]string) *testenv.Response {
	t.Helper()
	return env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/auth/password/forgot", Body: map[string]string{"email": email}, Header: header})
}

// resetToken waits for the reset mail to `to` and returns the token of its link.
func resetToken(t *testing.T, mp *testenv.Mailpit, to string) string {
	t.Helper()
	// By subject: a two-factor notice may go to the same address.
	msg := mp.WaitMessage(t, `to:"`+to+`" subject:"Reset"`, mailWait)
	m := resetLink.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no reset link in the mail:\n%s", msg.Text)
	}
	if m[1] != "https://chat.example.com/reset-password" {
		t.Fatalf("the link goes to %s, want APP_URL's reset page", m[1])
	}
	if !strings.Contains(msg.HTML, "reset-password#token=") {
		t.Fatalf("the HTML part has no link:\n%s", msg.HTML)
	}
	token, err := url.QueryUnescape(m[2])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func reset(t *testing.T, env *testenv.Env, token, password string) *testenv.Response {
	t.Helper()
	return env.Post(t, "/api/v1/auth/password/reset", "", map[string]string{"token": token, "newPassword": password})
}

func login(t *testing.T, env *testenv.Env, loginName, password string) *testenv.Response {
	t.Helper()
	return env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": loginName, "password": password})
}

func TestPasswordReset(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env, mp := withMailpit(t, kind)

		t.Run("the mail arrives with a link that sets a new password, once", func(t *testing.T) {
			u := env.Register(t, "forgetful")
			testenv.Expect(t, forgot(t, env, strings.ToUpper(u.Email), nil), http.StatusAccepted)
			token := resetToken(t, mp, u.Email)
			testenv.Expect(t, reset(t, env, token, "a brand new password"), http.StatusNoContent)
			testenv.Expect(t, login(t, env, u.Username, "a brand new password"), http.StatusOK)
			testenv.Expect(t, login(t, env, u.Username, u.Password), http.StatusUnauthorized)

			again := reset(t, env, token, "yet another password")
			testenv.Expect(t, again, http.StatusBadRequest)
			if again.ErrorCode() != "validation_failed" || again.ErrorFields()["token"] == "" {
				t.Fatalf("a reused link: %s, want validation_failed on token", again.Body)
			}
			testenv.Expect(t, login(t, env, u.Username, "yet another password"), http.StatusUnauthorized)
		})

		t.Run("an expired link fails and changes nothing", func(t *testing.T) {
			u := env.Register(t, "late")
			token, hash := tokens.NewOneTimeToken()
			if err := models.CreatePasswordResetToken(context.Background(), env.App.DB, u.ID, hash, time.Now().Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			res := reset(t, env, token, "too late a password")
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["token"] == "" {
				t.Fatalf("an expired link: %s, want an error on token", res.Body)
			}
			testenv.Expect(t, login(t, env, u.Username, u.Password), http.StatusOK)
		})

		t.Run("an unknown address gets the same answer and no mail", func(t *testing.T) {
			u := env.Register(t, "known")
			mp.Delete(t)
			unknown := forgot(t, env, "nobody-here@example.com", nil)
			known := forgot(t, env, u.Email, nil)
			if unknown.Status != known.Status || string(unknown.Body) != string(known.Body) ||
				unknown.Header.Get("Content-Type") != known.Header.Get("Content-Type") ||
				unknown.Header.Get("Content-Length") != known.Header.Get("Content-Length") {
				t.Fatalf("unknown address: %d %q %v; known: %d %q %v", unknown.Status, unknown.Body, unknown.Header, known.Status, known.Body, known.Header)
			}
			testenv.Expect(t, known, http.StatusAccepted)
			// The queue sends in order: once the known address's mail is
			// there, a mail for the unknown one would have been too.
			mp.WaitMessage(t, `to:"`+u.Email+`"`, mailWait)
			if n := len(mp.Messages(t)); n != 1 {
				t.Fatalf("Mailpit holds %d messages, want only the known address's", n)
			}
		})

		t.Run("the mail is in French for a French browser", func(t *testing.T) {
			u := env.Register(t, "francais")
			testenv.Expect(t, forgot(t, env, u.Email, map[string]string{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}), http.StatusAccepted)
			msg := mp.WaitMessage(t, `to:"`+u.Email+`"`, mailWait)
			if !strings.Contains(msg.Subject, "mot de passe") {
				t.Fatalf("subject %q is not French", msg.Subject)
			}
		})

		t.Run("a reset ends every session and socket of the user", func(t *testing.T) {
			u := env.Register(t, "locked")
			private := adminDialReady(t, env, "/ws/private", u)
			group := adminDialReady(t, env, "/ws/group", u)
			testenv.Expect(t, forgot(t, env, u.Email, nil), http.StatusAccepted)
			testenv.Expect(t, reset(t, env, resetToken(t, mp, u.Email), "after the reset"), http.StatusNoContent)
			for name, conn := range map[string]*websocket.Conn{"/ws/private": private, "/ws/group": group} {
				if code := expectClosedWithin(t, conn, kickDeadline); code != websocket.ClosePolicyViolation {
					t.Fatalf("%s closed with code %d, want %d", name, code, websocket.ClosePolicyViolation)
				}
			}
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusUnauthorized)
		})

		t.Run("asking too often for one address is limited, known or not", func(t *testing.T) {
			for _, email := range []string{"flood-known@example.com", "flood-unknown@example.com"} {
				if email == "flood-known@example.com" {
					testenv.Expect(t, register(t, env, map[string]string{"username": "floodknown", "email": email, "password": "password-flood"}), http.StatusCreated)
				}
				for range 3 {
					testenv.Expect(t, forgot(t, env, email, nil), http.StatusAccepted)
				}
				res := forgot(t, env, email, nil)
				testenv.Expect(t, res, http.StatusTooManyRequests)
				if res.Header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
			}
		})

		t.Run("bad bodies are validation errors", func(t *testing.T) {
			res := forgot(t, env, "not an address", nil)
			testenv.Expect(t, res, http.StatusBadRequest)
			res = reset(t, env, "", "short")
			testenv.Expect(t, res, http.StatusBadRequest)
			if f := res.ErrorFields(); f["token"] == "" || f["newPassword"] == "" {
				t.Fatalf("fields %v, want token and newPassword", f)
			}
		})
	})
}

func TestPasswordForgotWithoutMail(t *testing.T) {
	t.Run("production without SMTP_URL answers 503 email_unavailable", func(t *testing.T) {
		env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.Env, c.SMTPURL = configs.EnvProduction, "" })
		res := forgot(t, env, "someone@example.com", nil)
		testenv.Expect(t, res, http.StatusServiceUnavailable)
		if res.ErrorCode() != "email_unavailable" {
			t.Fatalf("code %q, want email_unavailable", res.ErrorCode())
		}
	})
}

// TestPasswordResetAcrossNodes: a reset on node A closes the user's socket on
// node B (one PostgreSQL, one Redis), and a login challenge opened before the
// reset is dead after it.
func TestPasswordResetAcrossNodes(t *testing.T) {
	redisURL := testenv.RequireRedisOrSkip(t)
	testenv.RequirePostgresOrSkip(t)
	mp := testenv.StartMailpit(t)
	prefix := testenv.UniqueName("wct")
	shared := func(c *configs.Config) {
		c.RedisURL, c.RedisPrefix = redisURL, prefix
		c.SMTPURL, c.SMTPTimeout, c.AppURL = mp.SMTPURL("smtp", ""), 5*time.Second, "https://chat.example.com"
	}
	nodeA := testenv.New(t, testenv.Postgres, shared)
	cfg := testenv.Config()
	shared(cfg)
	nodeB := testenv.NewOnDB(t, testenv.Postgres, nodeA.App.DB, nodeA.DBURL, cfg)

	u := nodeA.Register(t, "roaming")
	enableTwoFactor(t, nodeA, u)
	// Turning two-factor on is told to the owner by mail.
	if notice := mp.WaitMessage(t, `to:"`+u.Email+`" subject:"Two-factor"`, mailWait); !strings.Contains(notice.Subject, "turned on") {
		t.Fatalf("two-factor notice: %q", notice.Subject)
	}
	challenge := challengeFor(t, nodeB, u)
	conn := adminDialReady(t, nodeB, "/ws/private", u)

	testenv.Expect(t, forgot(t, nodeA, u.Email, nil), http.StatusAccepted)
	testenv.Expect(t, reset(t, nodeA, resetToken(t, mp, u.Email), "reset on node A"), http.StatusNoContent)
	if code := expectClosedWithin(t, conn, kickDeadline); code != websocket.ClosePolicyViolation {
		t.Fatalf("the socket on node B closed with %d, want %d", code, websocket.ClosePolicyViolation)
	}
	testenv.Expect(t, nodeB.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusUnauthorized)
	// The password step was done before the reset: its challenge is dead.
	res := secondStep(t, nodeB, challenge, "recoveryCode", "00000-00000")
	testenv.Expect(t, res, http.StatusUnauthorized)
	if res.ErrorCode() != "unauthorized" {
		t.Fatalf("an outdated challenge: %s, want unauthorized", res.Body)
	}
}
