package security_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"workcomm/testenv"
)

// Every write binds a request struct, never a model: a field the client may
// not set (role, plan, ids, owners, amounts, timestamps…) is a validation
// error naming it, and nothing of the request is applied — spelled in any
// case, alone or beside legitimate fields.
func TestMassAssignmentOnEveryWrite(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		privateBase := fmt.Sprintf("/api/v1/chat/private/%d", w.malloryFriend.ID)
		groupBase := fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup)
		fresh := func(prefix string) map[string]any {
			name := testenv.UniqueName(prefix)
			return map[string]any{"username": name, "email": name + "@example.com", "password": "password-" + name}
		}
		cases := []struct {
			name, method, path string
			token              string
			legit              func() map[string]any
			forbidden          map[string]any
		}{
			{"register", http.MethodPost, "/api/v1/auth/register", "", func() map[string]any { return fresh("ma") },
				map[string]any{"role": "admin", "plan": "premium", "planExpiresAt": "2099-01-01T00:00:00Z", "id": 1, "banned": false,
					"tokenVersion": 0, "passwordHash": "$2a$10$x", "deletedAt": nil, "createdAt": "2000-01-01T00:00:00Z", "emailVerified": true}},
			{"login", http.MethodPost, "/api/v1/auth/login", "", func() map[string]any { return map[string]any{"login": m.Username, "password": m.Password} },
				map[string]any{"role": "admin", "userId": w.alice.ID, "mfa": false}},
			{"refresh", http.MethodPost, "/api/v1/auth/refresh", "", func() map[string]any { return map[string]any{"refreshToken": "x"} },
				map[string]any{"userId": w.alice.ID, "familyId": "f"}},
			{"update me", http.MethodPatch, "/api/v1/users/me", m.AccessToken, func() map[string]any { return map[string]any{"displayName": "Mallory"} },
				map[string]any{"role": "admin", "plan": "premium", "planExpiresAt": "2099-01-01T00:00:00Z", "email": w.alice.Email, "username": "alice2",
					"id": w.alice.ID, "banned": false, "passwordHash": "$2a$10$x", "tokenVersion": 0, "createdAt": "2000-01-01T00:00:00Z"}},
			{"friend request", http.MethodPost, "/api/v1/friends/requests", m.AccessToken, func() map[string]any { return map[string]any{"userId": w.carol.ID} },
				map[string]any{"fromId": w.alice.ID, "toId": w.carol.ID, "status": "accepted"}},
			{"private message", http.MethodPost, privateBase + "/messages", m.AccessToken, func() map[string]any { return map[string]any{"body": "hi"} },
				map[string]any{"senderId": w.alice.ID, "seq": 1, "id": w.privateMsgs[0], "conversation": map[string]any{"type": "private", "id": 1},
					"createdAt": "2000-01-01T00:00:00Z", "deleted": false, "editedAt": nil, "convId": 1}},
			{"group message", http.MethodPost, groupBase + "/messages", m.AccessToken, func() map[string]any { return map[string]any{"body": "hi"} },
				map[string]any{"senderId": w.alice.ID, "groupId": w.groupID, "seq": 99}},
			{"edit message", http.MethodPatch, fmt.Sprintf("/api/v1/chat/groups/messages/%d", w.malloryMsg), m.AccessToken, func() map[string]any { return map[string]any{"body": "edited"} },
				map[string]any{"senderId": w.alice.ID, "seq": 1, "deleted": true, "convId": w.groupID}},
			{"read mark", http.MethodPost, groupBase + "/read", m.AccessToken, func() map[string]any { return map[string]any{"seq": 1} },
				map[string]any{"userId": w.alice.ID, "lastReadSeq": 1}},
			{"conversation settings", http.MethodPatch, groupBase + "/settings", m.AccessToken, func() map[string]any { return map[string]any{"muted": true} },
				map[string]any{"userId": w.alice.ID, "targetId": w.groupID, "convType": "private"}},
			{"create group", http.MethodPost, "/api/v1/chat/groups", m.AccessToken, func() map[string]any { return map[string]any{"name": "g"} },
				map[string]any{"ownerId": w.alice.ID, "id": w.groupID, "createdAt": "2000-01-01T00:00:00Z", "deletedAt": nil, "lastSeq": 5,
					"members": []map[string]any{{"userId": w.alice.ID, "role": "owner"}}}},
			{"update group", http.MethodPatch, groupBase, m.AccessToken, func() map[string]any { return map[string]any{"name": "g2"} },
				map[string]any{"ownerId": w.alice.ID, "id": w.groupID, "lastSeq": 0}},
			{"add member", http.MethodPost, groupBase + "/members", m.AccessToken, func() map[string]any { return map[string]any{"userId": w.carol.ID} },
				map[string]any{"role": "owner", "groupId": w.groupID, "joinedAt": "2000-01-01T00:00:00Z"}},
			{"payment intent", http.MethodPost, "/api/v1/payments/intent", m.AccessToken, func() map[string]any { return map[string]any{"planId": "premium_monthly"} },
				map[string]any{"amount": 1, "currency": "usd", "status": "succeeded", "userId": w.alice.ID, "days": 3650, "stripePaymentIntentId": "pi_x"}},
			{"admin update user", http.MethodPatch, fmt.Sprintf("/api/v1/admin/users/%d", m.ID), w.admin.AccessToken, func() map[string]any { return map[string]any{"banned": false} },
				map[string]any{"plan": "premium", "planExpiresAt": "2099-01-01T00:00:00Z", "email": "x@example.com", "tokenVersion": 0, "passwordHash": "$2a$10$x", "username": "x"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for field, value := range tc.forbidden {
					for _, spelled := range []string{field, strings.ToUpper(field[:1]) + field[1:], strings.ToUpper(field)} {
						attacks.Add(1)
						body := tc.legit()
						body[spelled] = value
						res := env.Do(t, testenv.Req{Method: tc.method, Path: tc.path, Token: tc.token, Body: body})
						if res.Status != http.StatusBadRequest || res.ErrorCode() != "validation_failed" {
							t.Fatalf("%s with %q: %d %s, want 400 validation_failed", tc.name, spelled, res.Status, res.Body)
						}
						if _, named := res.ErrorFields()[spelled]; !named {
							t.Fatalf("%s with %q: the error does not name the field: %s", tc.name, spelled, res.Body)
						}
					}
				}
			})
		}

		t.Run("nothing was applied", func(t *testing.T) {
			res := env.Get(t, "/api/v1/users/me", m.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var me struct{ Role, Plan, Email, Username, DisplayName string }
			res.JSON(t, &me)
			if me.Role != "user" || me.Plan != "free" || me.Email != m.Email || me.Username != m.Username || me.DisplayName == "Mallory" {
				t.Fatalf("mallory after the attempts: %+v", me)
			}
			res = env.Get(t, fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup), m.AccessToken)
			var g struct {
				Name    string
				OwnerID uint64
				Members []json.RawMessage
			}
			res.JSON(t, &g)
			if g.OwnerID != m.ID || g.Name != "mallory's own" || len(g.Members) != 2 {
				t.Fatalf("mallory's group after the attempts: %s", res.Body)
			}
			res = env.Get(t, "/api/v1/payments?limit=100", m.AccessToken)
			if strings.Count(string(res.Body), `"id"`) != 1 {
				t.Fatalf("a payment was made: %s", res.Body)
			}
		})

		t.Run("each legitimate body alone passes validation, so the refusals were the fields'", func(t *testing.T) {
			for _, tc := range cases {
				res := env.Do(t, testenv.Req{Method: tc.method, Path: tc.path, Token: tc.token, Body: tc.legit()})
				if res.Status == http.StatusBadRequest || res.Status >= 500 {
					t.Fatalf("%s: the legitimate body alone answered %d %s", tc.name, res.Status, res.Body)
				}
			}
		})

		t.Run("over the socket too", func(t *testing.T) {
			group := dial(t, env, "/ws/group", m)
			for field, value := range map[string]any{"senderId": w.alice.ID, "seq": 1, "id": 5, "createdAt": "2000-01-01T00:00:00Z", "conversation": map[string]any{"type": "group", "id": w.groupID}} {
				attacks.Add(1)
				data := map[string]any{"groupId": w.malloryGroup, "body": "x", "clientMsgId": "ma-" + field, field: value}
				if _, code := request(t, group, "message.send", data); code != "validation_failed" {
					t.Fatalf("message.send with %q: code %q, want validation_failed", field, code)
				}
			}
			attacks.Add(1)
			if _, code := request(t, group, "read", map[string]any{"groupId": w.malloryGroup, "seq": 1, "userId": w.alice.ID}); code != "validation_failed" {
				t.Fatalf("read with userId: code %q", code)
			}
		})
	})
}
