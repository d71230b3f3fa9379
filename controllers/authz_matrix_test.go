package controllers_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"workcomm/testenv"
)

// The authorization matrix walks EVERY route the router registers, for four
// callers, and checks who gets in:
//
//	anonymous   no token                                 → 401 on protected routes
//	banned      a user banned by an admin (stale token)  → 401 on protected routes
//	user        an ordinary user who owns the objects    → 2xx
//	admin       an admin who owns none of them           → 2xx on admin routes; on
//	            other users' objects the contract's 403/404
//
// Every route must be classified below in advance; a route the router has and
// the table lacks fails the test with its name. Each call gets fresh objects
// (owned by a fresh "user"), so destructive routes cannot spoil other calls.

// authzRole is one kind of caller.
type authzRole string

const (
	roleAnonymous authzRole = "anonymous"
	roleBanned    authzRole = "banned"
	roleUser      authzRole = "user"
	roleAdmin     authzRole = "admin"
)

// authzRoles is every kind of caller, in the order they are tried.
var authzRoles = []authzRole{roleAnonymous, roleBanned, roleAdmin, roleUser}

// authzAccess says who may use a route.
type authzAccess int

const (
	accessPublic authzAccess = iota // no token needed: everyone gets the same answer
	accessUser                      // any live, unbanned user
	accessAdmin                     // role admin only
	accessSocket                    // WebSocket handshake: 401 before the upgrade, else 101
)

// authzFixture is what a row's setup may use.
type authzFixture struct {
	env   *testenv.Env
	owner *testenv.User // the "user" caller, fresh for each call
}

// authzReq is one request to send: path (with real ids) and body.
type authzReq struct {
	path   string
	body   any
	header map[string]string
}

// authzRoute classifies one route.
type authzRoute struct {
	feature string // routes of a feature land together: one registered means all must be
	access  authzAccess
	// setup builds the request with fresh objects owned by fx.owner.
	setup func(t *testing.T, fx *authzFixture) authzReq
	// want is the answer to the owner (and to everyone on a public route).
	want int
	// adminWant is the admin's answer on a user route where the admin owns
	// nothing (0: same as want).
	adminWant int
}

// fixed builds a setup for a request without objects.
func fixed(path string, body any) func(*testing.T, *authzFixture) authzReq {
	return func(*testing.T, *authzFixture) authzReq { return authzReq{path: path, body: body} }
}

func authzMatrix() map[string]authzRoute {
	const api = "/api/v1"
	return map[string]authzRoute{
		// Operations, at the root and public.
		"GET /healthz":             {feature: "ops", access: accessPublic, setup: fixed("/healthz", nil), want: 200},
		"GET /readyz":              {feature: "ops", access: accessPublic, setup: fixed("/readyz", nil), want: 200},
		"GET /metrics":             {feature: "ops", access: accessPublic, setup: fixed("/metrics", nil), want: 200},
		"GET /api/v1/openapi.json": {feature: "ops", access: accessPublic, setup: fixed(api+"/openapi.json", nil), want: 200},
		"POST /api/v1/auth/register": {feature: "auth", access: accessPublic, want: 201, setup: func(t *testing.T, fx *authzFixture) authzReq {
			name := testenv.UniqueName("reg")
			return authzReq{path: api + "/auth/register", body: map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name}}
		}},
		"POST /api/v1/auth/login": {feature: "auth", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			u := fx.env.Register(t, "login")
			return authzReq{path: api + "/auth/login", body: map[string]string{"login": u.Username, "password": u.Password}}
		}},
		"POST /api/v1/auth/refresh": {feature: "auth", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/auth/refresh", body: map[string]string{"refreshToken": fx.env.Register(t, "refr").RefreshToken}}
		}},
		"POST /api/v1/auth/logout": {feature: "auth", access: accessPublic, want: 204, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/auth/logout", body: map[string]string{"refreshToken": fx.env.Register(t, "out").RefreshToken}}
		}},

		// Users and friends.
		"GET /api/v1/users/me":   {feature: "users", access: accessUser, setup: fixed(api+"/users/me", nil), want: 200},
		"PATCH /api/v1/users/me": {feature: "users", access: accessUser, setup: fixed(api+"/users/me", map[string]string{"displayName": "Renamed"}), want: 200},
		"GET /api/v1/users":      {feature: "users", access: accessUser, setup: fixed(api+"/users?q=a", nil), want: 200},
		"GET /api/v1/users/:": {feature: "users", access: accessUser, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/users/%d", fx.env.Register(t, "seen").ID)}
		}},
		"GET /api/v1/friends":          {feature: "friends", access: accessUser, setup: fixed(api+"/friends", nil), want: 200},
		"GET /api/v1/friends/requests": {feature: "friends", access: accessUser, setup: fixed(api+"/friends/requests", nil), want: 200},
		"POST /api/v1/friends/requests": {feature: "friends", access: accessUser, want: 201, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/friends/requests", body: map[string]any{"userId": fx.env.Register(t, "asked").ID}}
		}},
		"POST /api/v1/friends/requests/:/accept": {feature: "friends", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/friends/requests/%d/accept", authzFriendRequest(t, fx))}
		}},
		"POST /api/v1/friends/requests/:/decline": {feature: "friends", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/friends/requests/%d/decline", authzFriendRequest(t, fx))}
		}},
		"DELETE /api/v1/friends/:": {feature: "friends", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/friends/%d", authzFriend(t, fx).ID)}
		}},

		// Private chat: between friends only (others 403); a message of a
		// conversation the caller is not in is 404.
		"GET /api/v1/chat/private": {feature: "chat-private", access: accessUser, setup: fixed(api+"/chat/private", nil), want: 200},
		"GET /api/v1/chat/private/:/messages": {feature: "chat-private", access: accessUser, want: 200, adminWant: 403, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/private/%d/messages", authzFriend(t, fx).ID)}
		}},
		"POST /api/v1/chat/private/:/messages": {feature: "chat-private", access: accessUser, want: 201, adminWant: 403, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/private/%d/messages", authzFriend(t, fx).ID), body: map[string]string{"body": "hello"}}
		}},
		"POST /api/v1/chat/private/:/read": {feature: "chat-private", access: accessUser, want: 204, adminWant: 403, setup: func(t *testing.T, fx *authzFixture) authzReq {
			peer, _ := authzPrivateMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/private/%d/read", peer), body: map[string]any{"seq": 1}}
		}},
		"PATCH /api/v1/chat/private/messages/:": {feature: "chat-private", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzPrivateMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/private/messages/%d", msg), body: map[string]string{"body": "edited"}}
		}},
		"DELETE /api/v1/chat/private/messages/:": {feature: "chat-private", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzPrivateMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/private/messages/%d", msg)}
		}},

		// Group chat: members only; a group the caller is not in is 404.
		"POST /api/v1/chat/groups": {feature: "chat-groups", access: accessUser, setup: fixed(api+"/chat/groups", map[string]string{"name": "Team"}), want: 201},
		"GET /api/v1/chat/groups":  {feature: "chat-groups", access: accessUser, setup: fixed(api+"/chat/groups", nil), want: 200},
		"GET /api/v1/chat/groups/:": {feature: "chat-groups", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d", authzGroup(t, fx))}
		}},
		"PATCH /api/v1/chat/groups/:": {feature: "chat-groups", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d", authzGroup(t, fx)), body: map[string]string{"name": "Renamed"}}
		}},
		"DELETE /api/v1/chat/groups/:": {feature: "chat-groups", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d", authzGroup(t, fx))}
		}},
		"POST /api/v1/chat/groups/:/members": {feature: "chat-groups", access: accessUser, want: 201, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/members", authzGroup(t, fx)), body: map[string]any{"userId": fx.env.Register(t, "joiner").ID}}
		}},
		"PATCH /api/v1/chat/groups/:/members/:": {feature: "chat-groups", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			g := authzGroup(t, fx)
			m := fx.env.Register(t, "member")
			testenv.Expect(t, fx.env.Post(t, fmt.Sprintf(api+"/chat/groups/%d/members", g), fx.owner.AccessToken, map[string]any{"userId": m.ID}), http.StatusCreated)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/members/%d", g, m.ID), body: map[string]string{"role": "admin"}}
		}},
		"DELETE /api/v1/chat/groups/:/members/:": {feature: "chat-groups", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			g := authzGroup(t, fx)
			m := fx.env.Register(t, "member")
			testenv.Expect(t, fx.env.Post(t, fmt.Sprintf(api+"/chat/groups/%d/members", g), fx.owner.AccessToken, map[string]any{"userId": m.ID}), http.StatusCreated)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/members/%d", g, m.ID)}
		}},
		"GET /api/v1/chat/groups/:/messages": {feature: "chat-groups", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/messages", authzGroup(t, fx))}
		}},
		"POST /api/v1/chat/groups/:/messages": {feature: "chat-groups", access: accessUser, want: 201, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/messages", authzGroup(t, fx)), body: map[string]string{"body": "hello"}}
		}},
		"POST /api/v1/chat/groups/:/read": {feature: "chat-groups", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			g, _ := authzGroupMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/read", g), body: map[string]any{"seq": 1}}
		}},
		"PATCH /api/v1/chat/private/:/settings": {feature: "mentions", access: accessUser, want: 200, adminWant: 403, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/private/%d/settings", authzFriend(t, fx).ID), body: map[string]any{"muted": true}}
		}},
		"PATCH /api/v1/chat/groups/:/settings": {feature: "mentions", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/settings", authzGroup(t, fx)), body: map[string]any{"muted": true}}
		}},
		"GET /api/v1/chat/groups/:/messages/:/readers": {feature: "mentions", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			g, _ := authzGroupMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/%d/messages/1/readers", g)}
		}},
		"GET /api/v1/mentions":        {feature: "mentions", access: accessUser, setup: fixed(api+"/mentions", nil), want: 200},
		"GET /api/v1/search/messages": {feature: "search", access: accessUser, setup: fixed(api+"/search/messages?q=hello", nil), want: 200},
		"PATCH /api/v1/chat/groups/messages/:": {feature: "chat-groups", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzGroupMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/messages/%d", msg), body: map[string]string{"body": "edited"}}
		}},
		"DELETE /api/v1/chat/groups/messages/:": {feature: "chat-groups", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzGroupMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/messages/%d", msg)}
		}},

		// Payments, against stripe-mock. Plans, config and the webhook are
		// public (the webhook is authenticated by its signature, not a token);
		// someone else's payment is 404.
		"GET /api/v1/payments/plans":  {feature: "payments", access: accessPublic, setup: fixed(api+"/payments/plans", nil), want: 200},
		"GET /api/v1/payments/config": {feature: "payments", access: accessPublic, setup: fixed(api+"/payments/config", nil), want: 200},
		"POST /api/v1/payments/webhook": {feature: "payments", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			payload := []byte(fmt.Sprintf(`{"id":"evt_authz_%s","object":"event","api_version":%q,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}`,
				testenv.UniqueName(""), stripe.APIVersion))
			sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: testenv.StripeWebhookSecret, Timestamp: time.Now()}).Header
			return authzReq{path: api + "/payments/webhook", body: payload, header: map[string]string{"Stripe-Signature": sig}}
		}},
		"POST /api/v1/payments/intent": {feature: "payments", access: accessUser, setup: fixed(api+"/payments/intent", map[string]string{"planId": "premium_monthly"}), want: 201},
		"GET /api/v1/payments":         {feature: "payments", access: accessUser, setup: fixed(api+"/payments", nil), want: 200},
		"GET /api/v1/payments/:": {feature: "payments", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			res := fx.env.Post(t, api+"/payments/intent", fx.owner.AccessToken, map[string]string{"planId": "premium_monthly"})
			testenv.Expect(t, res, http.StatusCreated)
			var intent struct{ Payment struct{ ID uint64 } }
			res.JSON(t, &intent)
			return authzReq{path: fmt.Sprintf(api+"/payments/%d", intent.Payment.ID)}
		}},

		// Accounts (issue 15): a forgotten password and the second login step
		// are public; two-factor settings and the avatar act on the caller's
		// own account, so an admin gets the answer of their own (no pending
		// setup: 409; not their password: 400); a picture's signed link works
		// without a token.
		"POST /api/v1/auth/password/forgot": {feature: "accounts", access: accessPublic, want: 202, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/auth/password/forgot", body: map[string]string{"email": fx.env.Register(t, "forgot").Email}}
		}},
		"POST /api/v1/auth/password/reset": {feature: "accounts", access: accessPublic, want: 204, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/auth/password/reset", body: map[string]string{"token": authzResetToken(t, fx), "newPassword": "a new password"}}
		}},
		"POST /api/v1/auth/login/2fa": {feature: "accounts", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/auth/login/2fa", body: authzSecondStep(t, fx)}
		}},
		"POST /api/v1/users/me/2fa/setup": {feature: "accounts", access: accessUser, setup: fixed(api+"/users/me/2fa/setup", nil), want: 200},
		"POST /api/v1/users/me/2fa/enable": {feature: "accounts", access: accessUser, want: 200, adminWant: 409, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: api + "/users/me/2fa/enable", body: map[string]string{"code": authzPendingCode(t, fx)}}
		}},
		"POST /api/v1/users/me/2fa/disable": {feature: "accounts", access: accessUser, want: 204, adminWant: 400, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, codes := enableTwoFactor(t, fx.env, fx.owner)
			return authzReq{path: api + "/users/me/2fa/disable", body: map[string]string{"password": fx.owner.Password, "code": codes[0]}}
		}},
		"PUT /api/v1/users/me/avatar": {feature: "accounts", access: accessUser, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			body, contentType := authzAvatarBody(t)
			return authzReq{path: api + "/users/me/avatar", body: body, header: map[string]string{"Content-Type": contentType}}
		}},
		"DELETE /api/v1/users/me/avatar": {feature: "accounts", access: accessUser, setup: fixed(api+"/users/me/avatar", nil), want: 204},
		"GET /api/v1/avatars/:/:": {feature: "accounts", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			body, contentType := authzAvatarBody(t)
			res := fx.env.Do(t, testenv.Req{Method: http.MethodPut, Path: api + "/users/me/avatar", Token: fx.owner.AccessToken, Body: body, Header: map[string]string{"Content-Type": contentType}})
			testenv.Expect(t, res, http.StatusOK)
			return authzReq{path: avatarURLOf(t, res)}
		}},

		// Administration.
		"GET /api/v1/admin/payments": {feature: "admin-payments", access: accessAdmin, setup: fixed(api+"/admin/payments?status=succeeded", nil), want: 200},
		"GET /api/v1/admin/users":    {feature: "admin", access: accessAdmin, setup: fixed(api+"/admin/users?q=a&limit=5", nil), want: 200},
		"GET /api/v1/admin/stats":    {feature: "admin", access: accessAdmin, setup: fixed(api+"/admin/stats", nil), want: 200},
		"GET /api/v1/admin/audit":    {feature: "admin", access: accessAdmin, setup: fixed(api+"/admin/audit", nil), want: 200},
		"PATCH /api/v1/admin/users/:": {feature: "admin", access: accessAdmin, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/admin/users/%d", fx.env.Register(t, "target").ID), body: map[string]any{"banned": true}}
		}},
		"DELETE /api/v1/admin/users/:": {feature: "admin", access: accessAdmin, want: 204, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/admin/users/%d", fx.env.Register(t, "target").ID)}
		}},

		// Rich messages: uploads (the owner's until attached), signed
		// downloads (the link is the credential: public), reactions
		// (participants only).
		"POST /api/v1/attachments": {feature: "attachments", access: accessUser, want: 201, setup: func(t *testing.T, fx *authzFixture) authzReq {
			body, ct := multipartFile(t, "note.txt", []byte("authz"))
			return authzReq{path: api + "/attachments", body: body, header: map[string]string{"Content-Type": ct}}
		}},
		"GET /api/v1/attachments/:": {feature: "attachments", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: fmt.Sprintf(api+"/attachments/%d", uploaded(t, fx.env, fx.owner, "note.txt", []byte("authz")).ID)}
		}},
		"GET /api/v1/attachments/:/:": {feature: "attachments", access: accessPublic, want: 200, setup: func(t *testing.T, fx *authzFixture) authzReq {
			return authzReq{path: uploaded(t, fx.env, fx.owner, "note.txt", []byte("authz")).URL}
		}},
		"GET /api/v1/chat/private/messages/:/reactions": {feature: "reactions", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzPrivateMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/private/messages/%d/reactions", msg)}
		}},
		"GET /api/v1/chat/groups/messages/:/reactions": {feature: "reactions", access: accessUser, want: 200, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzGroupMessage(t, fx)
			return authzReq{path: fmt.Sprintf(api+"/chat/groups/messages/%d/reactions", msg)}
		}},
		"PUT /api/v1/chat/private/messages/:/reactions/:": {feature: "reactions", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzPrivateMessage(t, fx)
			return authzReq{path: reactionPath("private", msg, "👍")}
		}},
		"DELETE /api/v1/chat/private/messages/:/reactions/:": {feature: "reactions", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzPrivateMessage(t, fx)
			return authzReq{path: reactionPath("private", msg, "👍")}
		}},
		"PUT /api/v1/chat/groups/messages/:/reactions/:": {feature: "reactions", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzGroupMessage(t, fx)
			return authzReq{path: reactionPath("groups", msg, "👍")}
		}},
		"DELETE /api/v1/chat/groups/messages/:/reactions/:": {feature: "reactions", access: accessUser, want: 204, adminWant: 404, setup: func(t *testing.T, fx *authzFixture) authzReq {
			_, msg := authzGroupMessage(t, fx)
			return authzReq{path: reactionPath("groups", msg, "👍")}
		}},

		// WebSockets, at the root.
		"GET /ws/private": {feature: "ws", access: accessSocket, setup: fixed("/ws/private", nil), want: http.StatusSwitchingProtocols},
		"GET /ws/group":   {feature: "ws", access: accessSocket, setup: fixed("/ws/group", nil), want: http.StatusSwitchingProtocols},
	}
}

// authzParam matches a gin path parameter.
var authzParam = regexp.MustCompile(`:[A-Za-z_]+`)

// authzKey names a route independently of its parameter names.
func authzKey(method, path string) string {
	return method + " " + authzParam.ReplaceAllString(path, ":")
}

func TestAuthorizationMatrix(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, adminManyRegistrations, testenv.WithStripe(testenv.StripeMockURL(t)))
		matrix := authzMatrix()
		admin := env.RegisterAdmin(t, "root")
		banned := env.Register(t, "banned")
		testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", banned.ID), admin.AccessToken, map[string]any{"banned": true}), http.StatusOK)

		registered := map[string]bool{}
		var keys []string
		for _, r := range env.App.Handler.Routes() {
			k := authzKey(r.Method, r.Path)
			registered[k] = true
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Run("every registered route is classified", func(t *testing.T) {
			for _, k := range keys {
				if _, ok := matrix[k]; !ok {
					t.Errorf("route %q is not classified in the authorization matrix (controllers/authz_matrix_test.go): say who may call it", k)
				}
			}
		})
		t.Run("a feature's routes land together", func(t *testing.T) {
			present := map[string]bool{}
			for k := range registered {
				if r, ok := matrix[k]; ok {
					present[r.feature] = true
				}
			}
			var pending []string
			for k, r := range matrix {
				if registered[k] {
					continue
				}
				if present[r.feature] {
					t.Errorf("route %q of %s is in the contract but not registered", k, r.feature)
				} else {
					pending = append(pending, k)
				}
			}
			sort.Strings(pending)
			if len(pending) > 0 {
				t.Logf("classified but not registered yet (feature not landed): %s", strings.Join(pending, ", "))
			}
		})

		tokens := map[authzRole]string{roleAnonymous: "", roleBanned: banned.AccessToken, roleAdmin: admin.AccessToken}
		checked := 0
		for _, k := range keys {
			route, ok := matrix[k]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(k, " ")
			t.Run(k, func(t *testing.T) {
				for _, role := range authzRoles {
					// A fresh owner per call: plan limits and destructive calls
					// cannot leak from one call into the next.
					fx := &authzFixture{env: env, owner: env.Register(t, "owner")}
					token := tokens[role]
					if role == roleUser {
						token = fx.owner.AccessToken
					}
					want, code := route.expect(role)
					req := route.setup(t, fx)
					var status int
					var got string
					if route.access == accessSocket {
						status, got = authzDial(t, env, req.path, token)
					} else {
						res := env.Do(t, testenv.Req{Method: method, Path: req.path, Token: token, Body: req.body, Header: req.header})
						status, got = res.Status, res.ErrorCode()
					}
					if status != want || (code != "" && got != code) {
						t.Errorf("%s %s as %s: %d %s, want %d %s", method, req.path, role, status, got, want, code)
					}
					checked++
				}
			})
		}
		t.Logf("authorization matrix: %d routes × %d roles = %d calls", checked/len(authzRoles), len(authzRoles), checked)
	})
}

// expect is the status (and error code, for refusals) a role gets.
func (r authzRoute) expect(role authzRole) (int, string) {
	if r.access == accessPublic {
		return r.want, ""
	}
	switch role {
	case roleAnonymous, roleBanned:
		return http.StatusUnauthorized, "unauthorized"
	case roleUser:
		if r.access == accessAdmin {
			return http.StatusForbidden, "forbidden"
		}
		return r.want, ""
	}
	if r.adminWant != 0 {
		return r.adminWant, map[int]string{403: "forbidden", 404: "not_found"}[r.adminWant]
	}
	return r.want, ""
}

// authzDial opens a WebSocket as the token's owner and returns the handshake
// status and, for a refused handshake, the error code of its body.
func authzDial(t *testing.T, env *testenv.Env, path, token string) (int, string) {
	t.Helper()
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(env.Server.URL, "http")+path, header)
	if err == nil {
		conn.Close()
		return res.StatusCode, ""
	}
	if res == nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	refused := testenv.Response{Status: res.StatusCode}
	refused.Body, _ = io.ReadAll(res.Body)
	return res.StatusCode, refused.ErrorCode()
}

// authzFriend makes a fresh friend of the owner.
func authzFriend(t *testing.T, fx *authzFixture) *testenv.User {
	t.Helper()
	f := fx.env.Register(t, "friend")
	fx.env.Befriend(t, fx.owner, f)
	return f
}

// authzFriendRequest makes a fresh request addressed to the owner.
func authzFriendRequest(t *testing.T, fx *authzFixture) uint64 {
	t.Helper()
	from := fx.env.Register(t, "asker")
	res := fx.env.Post(t, "/api/v1/friends/requests", from.AccessToken, map[string]any{"userId": fx.owner.ID})
	testenv.Expect(t, res, http.StatusCreated)
	var r struct{ ID uint64 }
	res.JSON(t, &r)
	return r.ID
}

// authzPrivateMessage has the owner send a message to a fresh friend; it
// returns the friend's id and the message id.
func authzPrivateMessage(t *testing.T, fx *authzFixture) (peer, msg uint64) {
	t.Helper()
	f := authzFriend(t, fx)
	res := fx.env.Post(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", f.ID), fx.owner.AccessToken, map[string]string{"body": "first"})
	testenv.Expect(t, res, http.StatusCreated)
	var m struct{ ID uint64 }
	res.JSON(t, &m)
	return f.ID, m.ID
}

// authzGroup makes a fresh group owned by the owner.
func authzGroup(t *testing.T, fx *authzFixture) uint64 {
	t.Helper()
	res := fx.env.Post(t, "/api/v1/chat/groups", fx.owner.AccessToken, map[string]string{"name": "Fixture"})
	testenv.Expect(t, res, http.StatusCreated)
	var g struct{ ID uint64 }
	res.JSON(t, &g)
	return g.ID
}

// authzGroupMessage has the owner post in a fresh group of theirs.
func authzGroupMessage(t *testing.T, fx *authzFixture) (group, msg uint64) {
	t.Helper()
	g := authzGroup(t, fx)
	res := fx.env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g), fx.owner.AccessToken, map[string]string{"body": "first"})
	testenv.Expect(t, res, http.StatusCreated)
	var m struct{ ID uint64 }
	res.JSON(t, &m)
	return g, m.ID
}
