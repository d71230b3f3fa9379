package security_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"workcomm/models"
	"workcomm/testenv"
	"workcomm/tokens"
	"workcomm/wsclient"
)

// seen is one answer a user received: a REST response or a socket frame.
type seen struct {
	who, what string
	admin     bool // an admin route, where emails are the contract's
	data      string
}

// script runs a session of every feature and keeps everything each user
// received.
type script struct {
	t   *testing.T
	env *testenv.Env
	mu  sync.Mutex
	all []seen
}

func (s *script) do(u *testenv.User, method, path string, body any, header map[string]string) *testenv.Response {
	s.t.Helper()
	token, who := "", "anonymous"
	if u != nil {
		token, who = u.AccessToken, u.Username
	}
	res := s.env.Do(s.t, testenv.Req{Method: method, Path: path, Token: token, Body: body, Header: header})
	var hdr strings.Builder
	for k, v := range res.Header {
		fmt.Fprintf(&hdr, "%s: %s\n", k, strings.Join(v, ","))
	}
	s.mu.Lock()
	s.all = append(s.all, seen{who: who, what: method + " " + path, admin: strings.HasPrefix(path, "/api/v1/admin/"), data: hdr.String() + string(res.Body)})
	s.mu.Unlock()
	return res
}

// listen records every frame u's socket receives until the test ends.
func (s *script) listen(u *testenv.User, path string) *wsclient.Conn {
	c := dial(s.t, s.env, path, u)
	go func() {
		for {
			select {
			case e := <-c.Events:
				s.mu.Lock()
				s.all = append(s.all, seen{who: u.Username, what: path + " " + e.Type, data: string(e.Data)})
				s.mu.Unlock()
			case <-c.Done:
				return
			}
		}
	}()
	return c
}

func (s *script) ask(u *testenv.User, c *wsclient.Conn, typ string, data any) {
	s.t.Helper()
	env, _ := request(s.t, c, typ, data)
	s.mu.Lock()
	s.all = append(s.all, seen{who: u.Username, what: "socket " + typ, data: string(env.Data)})
	s.mu.Unlock()
}

// No REST answer and no socket frame of a whole scripted session carries a
// password (hashed or not), a refresh-token hash, a secret of the server, or
// another user's email, client secret or tokens.
func TestNoSecretInAnyAnswer(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, manyRegistrations, testenv.WithStripe(testenv.StripeMockURL(t)))
		s := &script{t: t, env: env}
		ana, ben, cyd := env.Register(t, "ana"), env.Register(t, "ben"), env.Register(t, "cyd")
		root := env.RegisterAdmin(t, "root")
		users := []*testenv.User{ana, ben, cyd, root}
		for _, u := range users {
			s.listen(u, "/ws/private")
		}
		anaGroup, benGroup := s.listen(ana, "/ws/group"), s.listen(ben, "/ws/group")
		s.listen(cyd, "/ws/group")

		// Friends, requests, search and profiles.
		res := s.do(ana, http.MethodPost, "/api/v1/friends/requests", map[string]any{"userId": ben.ID}, nil)
		var fr struct{ ID uint64 }
		res.JSON(t, &fr)
		s.do(ben, http.MethodGet, "/api/v1/friends/requests", nil, nil)
		s.do(ben, http.MethodPost, fmt.Sprintf("/api/v1/friends/requests/%d/accept", fr.ID), nil, nil)
		s.do(cyd, http.MethodPost, "/api/v1/friends/requests", map[string]any{"userId": ana.ID}, nil)
		s.do(ana, http.MethodGet, "/api/v1/friends/requests", nil, nil)
		s.do(ana, http.MethodPost, "/api/v1/friends/requests", map[string]any{"userId": cyd.ID}, nil) // becomes a friendship
		for _, u := range users {
			s.do(u, http.MethodGet, "/api/v1/friends", nil, nil)
			s.do(u, http.MethodGet, "/api/v1/users?q=", nil, nil)
			s.do(u, http.MethodGet, "/api/v1/users?q=a", nil, nil)
			s.do(u, http.MethodGet, "/api/v1/users/me", nil, nil)
			for _, other := range users {
				s.do(u, http.MethodGet, fmt.Sprintf("/api/v1/users/%d", other.ID), nil, nil)
			}
		}
		// Private chat over REST and the socket.
		res = s.do(ana, http.MethodPost, fmt.Sprintf("/api/v1/chat/private/%d/messages", ben.ID), map[string]any{"body": "hi ben", "clientMsgId": "l-1"}, nil)
		var pm struct{ ID uint64 }
		res.JSON(t, &pm)
		s.do(ben, http.MethodPost, fmt.Sprintf("/api/v1/chat/private/%d/read", ana.ID), map[string]any{"seq": 1}, nil)
		s.do(ana, http.MethodPatch, fmt.Sprintf("/api/v1/chat/private/messages/%d", pm.ID), map[string]any{"body": "hi ben!"}, nil)
		s.do(ben, http.MethodGet, "/api/v1/chat/private", nil, nil)
		s.do(ben, http.MethodGet, fmt.Sprintf("/api/v1/chat/private/%d/messages", ana.ID), nil, nil)
		// Groups, members and messages.
		res = s.do(ana, http.MethodPost, "/api/v1/chat/groups", map[string]any{"name": "team", "memberIds": []uint64{ben.ID}}, nil)
		var g struct{ ID uint64 }
		res.JSON(t, &g)
		s.do(ana, http.MethodPost, fmt.Sprintf("/api/v1/chat/groups/%d/members", g.ID), map[string]any{"userId": cyd.ID}, nil)
		s.do(cyd, http.MethodGet, fmt.Sprintf("/api/v1/chat/groups/%d", g.ID), nil, nil)
		s.ask(ana, anaGroup, "message.send", map[string]any{"groupId": g.ID, "body": "hello team", "clientMsgId": "l-2"})
		// typing and read are answered only when refused.
		if err := benGroup.Send("typing", "", map[string]any{"groupId": g.ID}); err != nil {
			t.Fatal(err)
		}
		if err := benGroup.Send("read", "", map[string]any{"groupId": g.ID, "seq": 1}); err != nil {
			t.Fatal(err)
		}
		s.ask(ben, benGroup, "sync", map[string]any{"conversations": []map[string]any{{"groupId": g.ID, "afterSeq": 0}}})
		for _, u := range users[:3] {
			s.do(u, http.MethodGet, "/api/v1/chat/groups", nil, nil)
			s.do(u, http.MethodGet, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g.ID), nil, nil)
		}
		s.do(ana, http.MethodDelete, fmt.Sprintf("/api/v1/chat/groups/%d/members/%d", g.ID, cyd.ID), nil, nil)
		// Payments, the webhook, and the admin's views.
		secrets := map[*testenv.User]string{}
		for _, u := range []*testenv.User{ana, ben} {
			res := s.do(u, http.MethodPost, "/api/v1/payments/intent", map[string]any{"planId": "premium_monthly"}, map[string]string{"Idempotency-Key": "leak-" + u.Username})
			var pi struct {
				Payment      struct{ StripePaymentIntentID string }
				ClientSecret string
			}
			res.JSON(t, &pi)
			secrets[u] = pi.ClientSecret
			ev := stripeEvent(t, "evt_leak_"+u.Username+testenv.UniqueName(""), "payment_intent.succeeded", pi.Payment.StripePaymentIntentID)
			s.do(nil, http.MethodPost, "/api/v1/payments/webhook", ev, map[string]string{"Stripe-Signature": signStripe(ev, testenv.StripeWebhookSecret)})
			s.do(u, http.MethodGet, "/api/v1/payments", nil, nil)
		}
		s.do(root, http.MethodPatch, fmt.Sprintf("/api/v1/admin/users/%d", cyd.ID), map[string]any{"banned": true}, nil)
		s.do(root, http.MethodPatch, fmt.Sprintf("/api/v1/admin/users/%d", cyd.ID), map[string]any{"banned": false}, nil)
		for _, p := range []string{"/api/v1/admin/users", "/api/v1/admin/payments", "/api/v1/admin/audit", "/api/v1/admin/stats"} {
			s.do(root, http.MethodGet, p, nil, nil)
		}
		// Account changes and sessions.
		s.do(ben, http.MethodPatch, "/api/v1/users/me", map[string]any{"displayName": "Ben B."}, nil)
		s.do(ben, http.MethodPatch, "/api/v1/users/me", map[string]any{"currentPassword": ben.Password, "newPassword": ben.Password + "-2"}, nil)
		s.do(ana, http.MethodPost, "/api/v1/auth/login", map[string]any{"login": ana.Email, "password": "wrong-password"}, nil)
		res = s.do(ana, http.MethodPost, "/api/v1/auth/refresh", map[string]any{"refreshToken": ana.RefreshToken}, nil)
		var rotated struct{ RefreshToken string }
		res.JSON(t, &rotated)
		s.do(ana, http.MethodPost, "/api/v1/auth/logout", map[string]any{"refreshToken": rotated.RefreshToken}, nil)
		s.do(ana, http.MethodPost, "/api/v1/auth/refresh", map[string]any{"refreshToken": ana.RefreshToken}, nil) // reuse
		time.Sleep(200 * time.Millisecond)                                                                        // let the last pushed frames land in the record

		// What must never show.
		var dbHashes []string
		if err := env.App.DB.Model(&models.RefreshToken{}).Pluck("token_hash", &dbHashes).Error; err != nil {
			t.Fatal(err)
		}
		global := map[string]string{"a bcrypt hash": "$2a$", "a bcrypt hash (2b)": "$2b$", "the JWT secret": jwtSecret,
			"the Stripe secret key": testenv.StripeSecretKey, "the webhook secret": testenv.StripeWebhookSecret, "a password hash field": "passwordHash",
			"a token version": `"tokenVersion"`, "a rotated token's hash": tokens.HashRefreshToken(rotated.RefreshToken)}
		for i, h := range dbHashes {
			global[fmt.Sprintf("refresh-token hash #%d", i)] = h
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.all) < 90 {
			t.Fatalf("the session recorded only %d answers", len(s.all))
		}
		for _, a := range s.all {
			attacks.Add(1)
			for name, secret := range global {
				if strings.Contains(a.data, secret) {
					t.Errorf("%s received %s in %s: %.300s", a.who, name, a.what, a.data)
				}
			}
			// A client secret is shown once, to its payer, when the intent is made.
			for _, secret := range secrets {
				if strings.Contains(a.data, secret) && a.what != "POST /api/v1/payments/intent" {
					t.Errorf("%s received a client secret in %s: %.300s", a.who, a.what, a.data)
				}
			}
			for _, u := range users {
				for _, pw := range []string{u.Password, u.Password + "-2"} {
					if strings.Contains(a.data, pw) {
						t.Errorf("%s received %s's password in %s", a.who, u.Username, a.what)
					}
				}
				if a.who == u.Username {
					continue
				}
				if strings.Contains(a.data, u.AccessToken) || strings.Contains(a.data, u.RefreshToken) {
					t.Errorf("%s received %s's token in %s", a.who, u.Username, a.what)
				}
				// stripe-mock answers every PaymentIntent with the same client
				// secret, so owners are told apart only when the secrets differ.
				if secrets[u] != "" && secrets[u] != secrets[ana] && strings.Contains(a.data, secrets[u]) {
					t.Errorf("%s received %s's client secret in %s", a.who, u.Username, a.what)
				}
				if strings.Contains(a.data, u.Email) && !(a.admin && a.who == root.Username) {
					t.Errorf("%s received %s's email in %s: %.300s", a.who, u.Username, a.what, a.data)
				}
			}
		}
		t.Logf("%d answers scanned", len(s.all))
	})
}
