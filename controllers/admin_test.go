package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"workcomm/apperr"
	"workcomm/configs"
	"workcomm/models"
	"workcomm/services"
	"workcomm/testenv"
)

// adminUserView is the admin/self view of a user as the API answers it.
type adminUserView struct {
	ID       uint64 `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Banned   bool   `json:"banned"`
}

// auditView is one audit entry as the API answers it.
type auditView struct {
	ID         uint64          `json:"id"`
	ActorID    *uint64         `json:"actorId"`
	Action     string          `json:"action"`
	TargetType string          `json:"targetType"`
	TargetID   uint64          `json:"targetId"`
	RequestID  string          `json:"requestId"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	CreatedAt  string          `json:"createdAt"`
}

// adminManyRegistrations lifts the per-IP registration limit for tests that create
// many accounts from 127.0.0.1.
func adminManyRegistrations(c *configs.Config) { c.RegisterPerHour = 100000 }

// adminAct sends an admin request with a chosen X-Request-ID.
func adminAct(t testing.TB, env *testenv.Env, method, path, token, requestID string, body any) *testenv.Response {
	t.Helper()
	return env.Do(t, testenv.Req{Method: method, Path: path, Token: token, Body: body, Header: map[string]string{"X-Request-ID": requestID}})
}

// auditLog reads the whole audit log, newest first, following the cursors.
func adminAuditLog(t testing.TB, env *testenv.Env, token string) []auditView {
	t.Helper()
	var out []auditView
	path := "/api/v1/admin/audit?limit=2"
	for range 1000 {
		res := env.Get(t, path, token)
		testenv.Expect(t, res, http.StatusOK)
		var page struct {
			Items      []auditView `json:"items"`
			NextCursor *string     `json:"nextCursor"`
		}
		res.JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = "/api/v1/admin/audit?limit=2&cursor=" + *page.NextCursor
	}
	t.Fatal("the audit log does not end")
	return nil
}

// adminKickRecorder wraps the node's Publisher and records whose sockets were
// to be closed; everything still goes to the real one.
type adminKickRecorder struct {
	services.Publisher
	mu     sync.Mutex
	kicked []uint64
}

// recordKicks puts a recorder in front of env's Publisher, before any request.
func recordKicks(env *testenv.Env) *adminKickRecorder {
	k := &adminKickRecorder{Publisher: env.App.Services.Publisher}
	env.App.Services.Publisher = k
	return k
}

func (k *adminKickRecorder) Kick(ctx context.Context, id uint64) {
	k.mu.Lock()
	k.kicked = append(k.kicked, id)
	k.mu.Unlock()
	k.Publisher.Kick(ctx, id)
}

func (k *adminKickRecorder) count(id uint64) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, v := range k.kicked {
		if v == id {
			n++
		}
	}
	return n
}

func TestAdminBanTakesEffectAtOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		kicks := recordKicks(env) // before any request: no race
		admin := env.RegisterAdmin(t, "boss")
		u := env.Register(t, "mallory")
		path := fmt.Sprintf("/api/v1/admin/users/%d", u.ID)

		res := env.Patch(t, path, admin.AccessToken, map[string]any{"banned": true})
		testenv.Expect(t, res, http.StatusOK)
		var view adminUserView
		res.JSON(t, &view)
		if !view.Banned || view.Email != u.Email {
			t.Fatalf("answer %+v, want the banned user with their email", view)
		}

		t.Run("the banned user's next request is 401", func(t *testing.T) {
			res := env.Get(t, "/api/v1/users/me", u.AccessToken)
			testenv.Expect(t, res, http.StatusUnauthorized)
		})
		t.Run("their refresh token is revoked: 401", func(t *testing.T) {
			res := env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken})
			testenv.Expect(t, res, http.StatusUnauthorized)
		})
		t.Run("their login is 403 forbidden", func(t *testing.T) {
			res := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			testenv.Expect(t, res, http.StatusForbidden)
			if res.ErrorCode() != "forbidden" {
				t.Fatalf("code %q", res.ErrorCode())
			}
		})
		t.Run("their sockets are closed on every node", func(t *testing.T) {
			if kicks.count(u.ID) != 1 {
				t.Fatalf("Kick(%d) called %d times, want 1", u.ID, kicks.count(u.ID))
			}
		})
		t.Run("banning again changes nothing and kicks nobody twice", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]any{"banned": true}), http.StatusOK)
			if kicks.count(u.ID) != 1 {
				t.Fatalf("Kick called %d times", kicks.count(u.ID))
			}
		})
		t.Run("after an unban the user logs in again, old tokens stay dead", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]any{"banned": false}), http.StatusOK)
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusUnauthorized)
			env.Relogin(t, u)
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusOK)
		})
	})
}

func TestAdminRoleChangeTakesEffectAtOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		kicks := recordKicks(env)
		admin := env.RegisterAdmin(t, "boss")
		u := env.Register(t, "carol")
		path := fmt.Sprintf("/api/v1/admin/users/%d", u.ID)

		t.Run("a promoted user's old tokens stop working and the new ones carry the role", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]any{"role": "admin"}), http.StatusOK)
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusUnauthorized)
			env.Relogin(t, u)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", u.AccessToken), http.StatusOK)
		})
		t.Run("a demoted admin loses the admin routes at once", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]any{"role": "user"}), http.StatusOK)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", u.AccessToken), http.StatusUnauthorized)
			env.Relogin(t, u)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", u.AccessToken), http.StatusForbidden)
		})
		if kicks.count(u.ID) != 2 {
			t.Fatalf("Kick(%d) called %d times, want 2 (promotion and demotion)", u.ID, kicks.count(u.ID))
		}
	})
}

func TestAdminUpdateUserValidation(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		u := env.Register(t, "dave")
		path := fmt.Sprintf("/api/v1/admin/users/%d", u.ID)
		cases := []struct {
			story  string
			path   string
			body   any
			status int
			field  string
		}{
			{"an unknown role is refused", path, map[string]any{"role": "superuser"}, http.StatusBadRequest, "role"},
			{"a ban must be a boolean", path, map[string]any{"banned": "yes"}, http.StatusBadRequest, "banned"},
			{"the plan cannot be set here", path, map[string]any{"plan": "premium"}, http.StatusBadRequest, "plan"},
			{"the email cannot be set here", path, map[string]any{"email": "x@example.com"}, http.StatusBadRequest, "email"},
			{"an unknown user is 404", "/api/v1/admin/users/999999", map[string]any{"banned": true}, http.StatusNotFound, ""},
			{"a non-numeric id is 404", "/api/v1/admin/users/abc", map[string]any{"banned": true}, http.StatusNotFound, ""},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				res := env.Patch(t, tc.path, admin.AccessToken, tc.body)
				testenv.Expect(t, res, tc.status)
				if tc.field != "" && res.ErrorFields()[tc.field] == "" {
					t.Fatalf("field %s not reported: %s", tc.field, res.Body)
				}
			})
		}
		t.Run("an empty patch changes nothing and writes no audit entry", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]any{}), http.StatusOK)
			if log := adminAuditLog(t, env, admin.AccessToken); len(log) != 1 { // the promotion of the admin
				t.Fatalf("audit log has %d entries: %+v", len(log), log)
			}
		})
		testenv.Expect(t, env.Get(t, "/api/v1/users/me", u.AccessToken), http.StatusOK)
	})
}

func TestAdminCannotHarmThemself(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		env.RegisterAdmin(t, "other") // so that the last-admin rule is not what answers
		self := fmt.Sprintf("/api/v1/admin/users/%d", admin.ID)
		cases := []struct {
			story  string
			method string
			body   any
			field  string
		}{
			{"an admin cannot ban themself", http.MethodPatch, map[string]any{"banned": true}, "banned"},
			{"an admin cannot demote themself", http.MethodPatch, map[string]any{"role": "user"}, "role"},
			{"an admin cannot delete themself", http.MethodDelete, nil, "id"},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				res := env.Do(t, testenv.Req{Method: tc.method, Path: self, Token: admin.AccessToken, Body: tc.body})
				testenv.Expect(t, res, http.StatusBadRequest)
				if res.ErrorCode() != "validation_failed" || res.ErrorFields()[tc.field] == "" {
					t.Fatalf("want validation_failed on %s, got %s", tc.field, res.Body)
				}
			})
		}
		t.Run("banning and demoting at once reports both fields", func(t *testing.T) {
			res := env.Patch(t, self, admin.AccessToken, map[string]any{"banned": true, "role": "user"})
			testenv.Expect(t, res, http.StatusBadRequest)
			if f := res.ErrorFields(); f["banned"] == "" || f["role"] == "" {
				t.Fatalf("fields %v", f)
			}
		})
		t.Run("a no-op on themself is allowed", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, self, admin.AccessToken, map[string]any{"role": "admin", "banned": false}), http.StatusOK)
		})
		t.Run("nothing changed and nothing was audited", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", admin.AccessToken), http.StatusOK)
			for _, e := range adminAuditLog(t, env, admin.AccessToken) {
				if e.Action != models.AuditUserPromote || e.ActorID != nil {
					t.Fatalf("unexpected audit entry %+v", e)
				}
			}
		})
	})
}

func TestLastAdminCannotBeRemoved(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		ctx := context.Background()
		svc := env.App.Services

		t.Run("an admin demoted while acting cannot remove the last admin: 409", func(t *testing.T) {
			a := env.RegisterAdmin(t, "anna")
			b := env.RegisterAdmin(t, "bert")
			aUser, err := models.GetUser(ctx, env.App.DB, a.ID) // what a's request loaded before b acted
			if err != nil {
				t.Fatal(err)
			}
			res := env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", a.ID), b.AccessToken, map[string]any{"role": "user"})
			testenv.Expect(t, res, http.StatusOK)
			for _, change := range []services.AdminUserChange{{Role: adminPtr("user")}, {Banned: adminPtr(true)}} {
				_, err = svc.Admin.UpdateUser(ctx, services.Actor{User: aUser, RequestID: "stale"}, b.ID, change)
				if got := apperrCode(err); got != "conflict" {
					t.Fatalf("removing the last admin: %v (code %s), want conflict", err, got)
				}
			}
			err = svc.Admin.DeleteUser(ctx, services.Actor{User: aUser, RequestID: "stale"}, b.ID)
			if got := apperrCode(err); got != "conflict" {
				t.Fatalf("deleting the last admin: %v, want conflict", err)
			}
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", b.AccessToken), http.StatusOK)
		})

		t.Run("a stale admin cannot act on anyone either: 403", func(t *testing.T) {
			c := env.RegisterAdmin(t, "carl")
			victim := env.Register(t, "vic")
			cUser, _ := models.GetUser(ctx, env.App.DB, c.ID)
			boss := env.RegisterAdmin(t, "dora")
			testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", c.ID), boss.AccessToken, map[string]any{"banned": true}), http.StatusOK)
			_, err := svc.Admin.UpdateUser(ctx, services.Actor{User: cUser, RequestID: "stale"}, victim.ID, services.AdminUserChange{Banned: adminPtr(true)})
			if got := apperrCode(err); got != "forbidden" {
				t.Fatalf("banned admin acting: %v, want forbidden", err)
			}
		})

		t.Run("two admins demoting each other at once leave exactly one admin", func(t *testing.T) {
			for round := range 5 {
				a := env.RegisterAdmin(t, fmt.Sprintf("r%da", round))
				b := env.RegisterAdmin(t, fmt.Sprintf("r%db", round))
				// Demote every other admin first, so that a and b are the only ones.
				var others []uint64
				if err := env.App.DB.Model(&models.User{}).Where("role = ? AND id NOT IN ?", models.RoleAdmin, []uint64{a.ID, b.ID}).Pluck("id", &others).Error; err != nil {
					t.Fatal(err)
				}
				for _, id := range others {
					testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", id), a.AccessToken, map[string]any{"role": "user"}), http.StatusOK)
				}
				statuses := make([]int, 2)
				var wg sync.WaitGroup
				for i, pair := range [][2]*testenv.User{{a, b}, {b, a}} {
					wg.Go(func() {
						res := env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", pair[1].ID), pair[0].AccessToken, map[string]any{"role": "user"})
						statuses[i] = res.Status
					})
				}
				wg.Wait()
				ok := 0
				for _, s := range statuses {
					switch s {
					case http.StatusOK:
						ok++
					case http.StatusForbidden, http.StatusConflict, http.StatusUnauthorized:
					default:
						t.Fatalf("round %d: unexpected status %d", round, s)
					}
				}
				n, err := models.CountActiveAdmins(ctx, env.App.DB, 0)
				if err != nil {
					t.Fatal(err)
				}
				if ok != 1 || n != 1 {
					t.Fatalf("round %d: statuses %v, %d admins left; want exactly one demotion and one admin", round, statuses, n)
				}
			}
		})
	})
}

func TestAdminDeleteUser(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		kicks := recordKicks(env)
		admin := env.RegisterAdmin(t, "boss")
		u := env.Register(t, "erin")
		friend := env.Register(t, "fred")
		env.Befriend(t, u, friend)
		path := fmt.Sprintf("/api/v1/admin/users/%d", u.ID)
		if res := env.Get(t, "/api/v1/friends", friend.AccessToken); !strings.Contains(string(res.Body), fmt.Sprintf(`"id":%d,`, u.ID)) {
			t.Fatalf("friend list before the delete lacks %d: %s", u.ID, res.Body)
		}

		res := env.Delete(t, path, admin.AccessToken)
		testenv.Expect(t, res, http.StatusNoContent)
		if len(res.Body) != 0 {
			t.Fatalf("204 with a body: %s", res.Body)
		}
		cases := []struct {
			story  string
			res    func() *testenv.Response
			status int
			code   string
		}{
			{"their access token is refused", func() *testenv.Response { return env.Get(t, "/api/v1/users/me", u.AccessToken) }, http.StatusUnauthorized, "unauthorized"},
			{"their refresh token is refused", func() *testenv.Response {
				return env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken})
			}, http.StatusUnauthorized, "unauthorized"},
			{"they cannot log in, like an unknown user", func() *testenv.Response {
				return env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
			}, http.StatusUnauthorized, "invalid_credentials"},
			{"others no longer find them", func() *testenv.Response { return env.Get(t, fmt.Sprintf("/api/v1/users/%d", u.ID), friend.AccessToken) }, http.StatusNotFound, "not_found"},
			{"their username stays reserved", func() *testenv.Response {
				return env.Post(t, "/api/v1/auth/register", "", map[string]string{"username": u.Username, "email": "new-" + u.Email, "password": "password-123"})
			}, http.StatusConflict, "username_taken"},
			{"their email stays reserved", func() *testenv.Response {
				return env.Post(t, "/api/v1/auth/register", "", map[string]string{"username": "new" + u.Username[:10], "email": u.Email, "password": "password-123"})
			}, http.StatusConflict, "email_taken"},
			{"deleting them again is 404", func() *testenv.Response { return env.Delete(t, path, admin.AccessToken) }, http.StatusNotFound, "not_found"},
			{"changing a deleted user is 404", func() *testenv.Response { return env.Patch(t, path, admin.AccessToken, map[string]any{"banned": true}) }, http.StatusNotFound, "not_found"},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				res := tc.res()
				testenv.Expect(t, res, tc.status)
				if res.ErrorCode() != tc.code {
					t.Fatalf("code %q, want %q", res.ErrorCode(), tc.code)
				}
			})
		}
		t.Run("the admin list no longer shows them", func(t *testing.T) {
			var page struct{ Items []adminUserView }
			env.Get(t, "/api/v1/admin/users?q="+u.Username, admin.AccessToken).JSON(t, &page)
			if len(page.Items) != 0 {
				t.Fatalf("deleted user listed: %+v", page.Items)
			}
		})
		t.Run("their friend no longer lists them", func(t *testing.T) {
			res := env.Get(t, "/api/v1/friends", friend.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var friends struct {
				Items []struct {
					User struct {
						ID uint64 `json:"id"`
					} `json:"user"`
				} `json:"items"`
			}
			res.JSON(t, &friends)
			for _, f := range friends.Items {
				if f.User.ID == u.ID {
					t.Fatalf("deleted friend still listed: %s", res.Body)
				}
			}
		})
		if kicks.count(u.ID) != 1 {
			t.Fatalf("Kick(%d) called %d times, want 1", u.ID, kicks.count(u.ID))
		}
	})
}

func TestAdminAuditLog(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		u := env.Register(t, "gus")
		v := env.Register(t, "hal")
		upath := fmt.Sprintf("/api/v1/admin/users/%d", u.ID)
		vpath := fmt.Sprintf("/api/v1/admin/users/%d", v.ID)
		actions := []struct {
			method, path string
			body         any
			status       int
			requestID    string
			action       string
			target       uint64
			before       string
			after        string
		}{
			{http.MethodPatch, upath, map[string]any{"banned": true}, http.StatusOK, "req-ban", "user.ban", u.ID, `{"banned":false}`, `{"banned":true}`},
			{http.MethodPatch, upath, map[string]any{"banned": false}, http.StatusOK, "req-unban", "user.unban", u.ID, `{"banned":true}`, `{"banned":false}`},
			{http.MethodPatch, upath, map[string]any{"role": "admin"}, http.StatusOK, "req-promote", "user.promote", u.ID, `{"role":"user"}`, `{"role":"admin"}`},
			{http.MethodPatch, upath, map[string]any{"role": "user"}, http.StatusOK, "req-demote", "user.demote", u.ID, `{"role":"admin"}`, `{"role":"user"}`},
			{http.MethodPatch, vpath, map[string]any{"role": "admin", "banned": true}, http.StatusOK, "req-both", "user.update", v.ID, `{"banned":false,"role":"user"}`, `{"banned":true,"role":"admin"}`},
			{http.MethodDelete, upath, nil, http.StatusNoContent, "req-delete", "user.delete", u.ID, `{"deleted":false}`, `{"deleted":true}`},
		}
		for _, a := range actions {
			testenv.Expect(t, adminAct(t, env, a.method, a.path, admin.AccessToken, a.requestID, a.body), a.status)
		}
		// Refused actions leave no trace.
		testenv.Expect(t, adminAct(t, env, http.MethodPatch, fmt.Sprintf("/api/v1/admin/users/%d", admin.ID), admin.AccessToken, "req-refused", map[string]any{"banned": true}), http.StatusBadRequest)
		testenv.Expect(t, adminAct(t, env, http.MethodPatch, upath, admin.AccessToken, "req-gone", map[string]any{"banned": true}), http.StatusNotFound)

		log := adminAuditLog(t, env, admin.AccessToken)
		if len(log) != len(actions)+1 { // + the promotion of the admin by create-admin
			t.Fatalf("audit log has %d entries, want %d: %+v", len(log), len(actions)+1, log)
		}
		t.Run("the oldest entry is create-admin's promotion, with no actor", func(t *testing.T) {
			e := log[len(log)-1]
			if e.ActorID != nil || e.Action != "user.promote" || e.TargetID != admin.ID || e.RequestID != "cli" {
				t.Fatalf("entry %+v", e)
			}
		})
		for i, a := range actions {
			e := log[len(actions)-1-i] // newest first
			t.Run("entry for "+a.requestID+" has who, what, when, before and after", func(t *testing.T) {
				if e.ActorID == nil || *e.ActorID != admin.ID {
					t.Fatalf("actor %v, want %d", e.ActorID, admin.ID)
				}
				if e.Action != a.action || e.TargetType != "user" || e.TargetID != a.target || e.RequestID != a.requestID {
					t.Fatalf("entry %+v, want %s on user %d by %s", e, a.action, a.target, a.requestID)
				}
				if !adminJSONEqual(t, e.Before, a.before) || !adminJSONEqual(t, e.After, a.after) {
					t.Fatalf("before %s after %s, want %s %s", e.Before, e.After, a.before, a.after)
				}
				if e.CreatedAt == "" {
					t.Fatal("no time")
				}
			})
		}
		t.Run("entries are newest first with strictly decreasing ids", func(t *testing.T) {
			for i := 1; i < len(log); i++ {
				if log[i].ID >= log[i-1].ID {
					t.Fatalf("ids out of order: %d then %d", log[i-1].ID, log[i].ID)
				}
			}
		})
		t.Run("the log cannot be edited through the API", func(t *testing.T) {
			for _, m := range []string{http.MethodPatch, http.MethodDelete, http.MethodPut, http.MethodPost} {
				res := env.Do(t, testenv.Req{Method: m, Path: fmt.Sprintf("/api/v1/admin/audit/%d", log[0].ID), Token: admin.AccessToken, Body: map[string]any{}})
				if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
					t.Fatalf("%s on an audit entry: %d", m, res.Status)
				}
			}
			res := env.Do(t, testenv.Req{Method: http.MethodDelete, Path: "/api/v1/admin/audit", Token: admin.AccessToken})
			if res.Status != http.StatusMethodNotAllowed {
				t.Fatalf("DELETE /admin/audit: %d", res.Status)
			}
		})
		t.Run("the database refuses to rewrite or delete entries", func(t *testing.T) {
			if err := env.App.DB.Exec("UPDATE audit_entries SET action = 'forged'").Error; err == nil {
				t.Fatal("UPDATE succeeded")
			}
			if err := env.App.DB.Exec("DELETE FROM audit_entries").Error; err == nil {
				t.Fatal("DELETE succeeded")
			}
			if again := adminAuditLog(t, env, admin.AccessToken); len(again) != len(log) || again[0].Action != log[0].Action {
				t.Fatalf("log changed: %+v", again)
			}
		})
		t.Run("a bad cursor is a validation error", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/admin/audit?cursor=nonsense", admin.AccessToken), http.StatusBadRequest)
		})
	})
}

func TestAdminListUsers(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, adminManyRegistrations)
		admin := env.RegisterAdmin(t, "boss")
		var want []uint64
		want = append(want, admin.ID)
		for i := range 7 {
			want = append(want, env.Register(t, fmt.Sprintf("p%d", i)).ID)
		}
		banned := env.Register(t, "zed")
		want = append(want, banned.ID)
		testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/admin/users/%d", banned.ID), admin.AccessToken, map[string]any{"banned": true}), http.StatusOK)

		t.Run("pages stay stable while users sign up: no duplicate, no gap", func(t *testing.T) {
			seen := map[uint64]bool{}
			var order []uint64
			var added []uint64
			path := "/api/v1/admin/users?limit=3"
			for pages := 0; ; pages++ {
				if pages > 50 {
					t.Fatal("too many pages")
				}
				res := env.Get(t, path, admin.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				var page struct {
					Items      []adminUserView `json:"items"`
					NextCursor *string         `json:"nextCursor"`
				}
				res.JSON(t, &page)
				for _, it := range page.Items {
					if seen[it.ID] {
						t.Fatalf("user %d listed twice", it.ID)
					}
					if it.Email == "" {
						t.Fatalf("admins see emails; got %+v", it)
					}
					seen[it.ID] = true
					order = append(order, it.ID)
				}
				if pages < 3 { // someone signs up between pages
					added = append(added, env.Register(t, fmt.Sprintf("late%d", pages)).ID)
				}
				if page.NextCursor == nil {
					break
				}
				path = "/api/v1/admin/users?limit=3&cursor=" + *page.NextCursor
			}
			for _, id := range append(want, added...) {
				if !seen[id] {
					t.Fatalf("user %d missing from the pages (%v)", id, order)
				}
			}
			for i := 1; i < len(order); i++ {
				if order[i] <= order[i-1] {
					t.Fatalf("not in id order: %v", order)
				}
			}
		})
		t.Run("the search finds by username prefix, banned users included", func(t *testing.T) {
			var page struct{ Items []adminUserView }
			res := env.Get(t, "/api/v1/admin/users?q=ZED", admin.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			res.JSON(t, &page)
			if len(page.Items) != 1 || page.Items[0].ID != banned.ID || !page.Items[0].Banned {
				t.Fatalf("items %+v", page.Items)
			}
		})
		t.Run("a bad limit or cursor is refused", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/admin/users?limit=-1", admin.AccessToken), http.StatusBadRequest)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/users?cursor=bm9wZQ", admin.AccessToken), http.StatusBadRequest)
		})
	})
}

func TestAdminStats(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		stats := func(t *testing.T) map[string]int64 {
			t.Helper()
			res := env.Get(t, "/api/v1/admin/stats", admin.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var s map[string]int64
			res.JSON(t, &s)
			for _, k := range []string{"users", "onlineNow", "messages24h", "groups", "revenueCents"} {
				if _, ok := s[k]; !ok {
					t.Fatalf("stats lack %s: %s", k, res.Body)
				}
			}
			return s
		}
		t.Run("an empty place counts the admin only", func(t *testing.T) {
			s := stats(t)
			if s["users"] != 1 || s["onlineNow"] != 0 || s["messages24h"] != 0 || s["groups"] != 0 || s["revenueCents"] != 0 {
				t.Fatalf("stats %v", s)
			}
		})

		a, b := env.Register(t, "amy"), env.Register(t, "ben")
		gone := env.Register(t, "gone")
		env.Befriend(t, a, b)
		for _, body := range []string{"one", "two", "three"} {
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", b.ID), a.AccessToken, map[string]string{"body": body}), http.StatusCreated)
		}
		var groupIDs []uint64
		for _, name := range []string{"Team", "Ops"} {
			res := env.Post(t, "/api/v1/chat/groups", a.AccessToken, map[string]any{"name": name, "memberIds": []uint64{b.ID, gone.ID}})
			testenv.Expect(t, res, http.StatusCreated)
			var g struct{ ID uint64 }
			res.JSON(t, &g)
			groupIDs = append(groupIDs, g.ID)
		}
		testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", groupIDs[0]), gone.AccessToken, map[string]string{"body": "bye"}), http.StatusCreated)

		t.Run("users, messages and groups are counted", func(t *testing.T) {
			s := stats(t)
			if s["users"] != 4 || s["messages24h"] != 4 || s["groups"] != 2 {
				t.Fatalf("stats %v, want 4 users, 4 messages, 2 groups", s)
			}
		})
		t.Run("deleted users and groups do not count; deleted users' messages stay", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/admin/users/%d", gone.ID), admin.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/%d", groupIDs[1]), a.AccessToken), http.StatusNoContent)
			s := stats(t)
			if s["users"] != 3 || s["messages24h"] != 4 || s["groups"] != 1 {
				t.Fatalf("stats %v, want 3 users, 4 messages, 1 group", s)
			}
		})
		t.Run("messages older than 24 hours are not counted", func(t *testing.T) {
			old := time.Now().UTC().Add(-25 * time.Hour)
			if err := env.App.DB.Model(&models.Message{}).Where("body = ?", "one").Update("created_at", old).Error; err != nil {
				t.Fatal(err)
			}
			if s := stats(t); s["messages24h"] != 3 {
				t.Fatalf("messages24h = %d, want 3", s["messages24h"])
			}
		})
	})
}

func TestAdminPayments(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		a, b := env.Register(t, "amy"), env.Register(t, "ben")
		// Payments as the webhook leaves them, written directly: this test is
		// about the admin listing, not about Stripe.
		statuses := []struct {
			user   *testenv.User
			status string
			amount int64
		}{
			{a, models.PaymentSucceeded, 900}, {b, models.PaymentFailed, 900}, {a, models.PaymentPending, 9000},
			{b, models.PaymentSucceeded, 9000}, {a, models.PaymentCanceled, 900}, {b, models.PaymentSucceeded, 900},
		}
		var ids []uint64
		for i, p := range statuses {
			pay := &models.Payment{UserID: p.user.ID, StripePaymentIntentID: fmt.Sprintf("pi_admin_%d", i), ClientSecret: "secret",
				PlanID: "premium_monthly", Amount: p.amount, Currency: "eur", Status: p.status}
			if err := models.CreatePayment(context.Background(), env.App.DB, pay); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, pay.ID)
		}
		type payment struct {
			ID     uint64 `json:"id"`
			Status string `json:"status"`
			UserID uint64 `json:"userId"`
		}
		list := func(t *testing.T, query string) []payment {
			t.Helper()
			var out []payment
			path := "/api/v1/admin/payments?limit=2" + query
			for range 100 {
				res := env.Get(t, path, admin.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				var page struct {
					Items      []payment `json:"items"`
					NextCursor *string   `json:"nextCursor"`
				}
				res.JSON(t, &page)
				out = append(out, page.Items...)
				if page.NextCursor == nil {
					return out
				}
				path = "/api/v1/admin/payments?limit=2" + query + "&cursor=" + *page.NextCursor
			}
			t.Fatal("the payment list does not end")
			return nil
		}
		t.Run("every user's payments are listed, newest first, across pages", func(t *testing.T) {
			got := list(t, "")
			if len(got) != len(ids) {
				t.Fatalf("%d payments listed, want %d", len(got), len(ids))
			}
			for i, p := range got {
				if p.ID != ids[len(ids)-1-i] {
					t.Fatalf("order %v, want newest first %v", got, ids)
				}
				if want := statuses[len(ids)-1-i].user.ID; p.UserID != want {
					t.Fatalf("payment %d shows user %d, want %d", p.ID, p.UserID, want)
				}
			}
		})
		t.Run("the status filter keeps only that status", func(t *testing.T) {
			got := list(t, "&status=succeeded")
			if len(got) != 3 {
				t.Fatalf("succeeded: %v", got)
			}
			for _, p := range got {
				if p.Status != "succeeded" {
					t.Fatalf("filtered list has %v", p)
				}
			}
		})
		t.Run("an unknown status is a validation error", func(t *testing.T) {
			res := env.Get(t, "/api/v1/admin/payments?status=paid", admin.AccessToken)
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["status"] == "" {
				t.Fatalf("body %s", res.Body)
			}
		})
		t.Run("revenue is the sum of succeeded payments", func(t *testing.T) {
			var s map[string]int64
			env.Get(t, "/api/v1/admin/stats", admin.AccessToken).JSON(t, &s)
			if s["revenueCents"] != 900+9000+900 {
				t.Fatalf("revenueCents = %d, want 10800", s["revenueCents"])
			}
		})
		t.Run("a user cannot list everyone's payments", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/admin/payments", a.AccessToken), http.StatusForbidden)
		})
	})
}

func TestDeletedUsersMessagesStay(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		admin := env.RegisterAdmin(t, "boss")
		owner, gone := env.Register(t, "owner"), env.Register(t, "gone")
		res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": "Team", "memberIds": []uint64{gone.ID}})
		testenv.Expect(t, res, http.StatusCreated)
		var g struct{ ID uint64 }
		res.JSON(t, &g)
		testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g.ID), gone.AccessToken, map[string]string{"body": "my last words"}), http.StatusCreated)
		testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/admin/users/%d", gone.ID), admin.AccessToken), http.StatusNoContent)

		t.Run("the group history keeps the message and its sender", func(t *testing.T) {
			res := env.Get(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g.ID), owner.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var h struct {
				Items []struct {
					SenderID uint64 `json:"senderId"`
					Body     string `json:"body"`
				} `json:"items"`
			}
			res.JSON(t, &h)
			if len(h.Items) != 1 || h.Items[0].SenderID != gone.ID || h.Items[0].Body != "my last words" {
				t.Fatalf("history %s", res.Body)
			}
		})
		t.Run("the author is shown as deleted among the members", func(t *testing.T) {
			res := env.Get(t, fmt.Sprintf("/api/v1/chat/groups/%d", g.ID), owner.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var grp struct {
				Members []struct {
					User struct {
						ID      uint64 `json:"id"`
						Deleted bool   `json:"deleted"`
						Online  bool   `json:"online"`
					} `json:"user"`
				} `json:"members"`
			}
			res.JSON(t, &grp)
			found := false
			for _, m := range grp.Members {
				if m.User.ID == gone.ID {
					found = true
					if !m.User.Deleted || m.User.Online {
						t.Fatalf("deleted author shown as %+v", m.User)
					}
				}
			}
			if !found {
				t.Fatalf("deleted author missing: %s", res.Body)
			}
		})
	})
}

func adminPtr[T any](v T) *T { return &v }

// apperrCode is the contract code of a service error ("" for nil).
func apperrCode(err error) string {
	if err == nil {
		return ""
	}
	return apperr.Code(err)
}

func adminJSONEqual(t testing.TB, got json.RawMessage, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
