package security_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/ratelimit"
	"workcomm/testenv"
	"workcomm/wsclient"
)

// maxID is past every id the world made, so walking 1..maxID covers every
// object of a type and a few that do not exist.
func (w *world) maxID() uint64 {
	return slices.Max([]uint64{w.admin.ID, w.groupID, w.malloryGroup, w.alicePayment, w.malloryPayment,
		w.requestID, w.malloryMsg, w.malloryPrivateMsg, slices.Max(w.privateMsgs), slices.Max(w.groupMsgs)}) + 3
}

// farIDs are ids no database row can have or has: the largest bigint, and
// past it (a uint64 over 2^63-1 cannot even be a query argument).
var farIDs = []uint64{math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64}

// walk calls try for every id from 1 to maxID, then for the farIDs, counting
// each as an attack.
func (w *world) walk(t *testing.T, try func(t *testing.T, id uint64)) {
	t.Helper()
	ids := make([]uint64, 0, w.maxID()+uint64(len(farIDs)))
	for id := uint64(1); id <= w.maxID(); id++ {
		ids = append(ids, id)
	}
	for _, id := range append(ids, farIDs...) {
		attacks.Add(1)
		try(t, id)
		if t.Failed() {
			t.Fatalf("(at id %d)", id)
		}
	}
}

// secrets are strings only alice and bob may read.
func (w *world) secrets() []string {
	return []string{"private secret", "group secret", w.aliceGroupName, w.aliceGroupDesc, w.aliceSecret, w.alice.Email, w.bob.Email}
}

func TestObjectLevelAuthorizationByWalkingIDs(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		secrets := w.secrets()

		t.Run("groups: another's group, its history, members and read marks are not found", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				base := fmt.Sprintf("/api/v1/chat/groups/%d", id)
				if id == w.malloryGroup {
					testenv.Expect(t, env.Get(t, base, m.AccessToken), http.StatusOK)
					return
				}
				for _, res := range []*testenv.Response{
					env.Get(t, base, m.AccessToken),
					env.Get(t, base+"/messages", m.AccessToken),
					env.Get(t, base+"/messages?after=0&limit=100", m.AccessToken),
					env.Post(t, base+"/messages", m.AccessToken, map[string]any{"body": "let me in"}),
					env.Post(t, base+"/read", m.AccessToken, map[string]any{"seq": 1}),
					env.Get(t, base+"/messages/1/readers", m.AccessToken),
					env.Patch(t, base+"/settings", m.AccessToken, map[string]any{"muted": true}),
					env.Get(t, "/api/v1/search/messages?q=secret&in=group:"+fmt.Sprint(id), m.AccessToken),
					env.Patch(t, base, m.AccessToken, map[string]any{"name": "pwned"}),
					env.Delete(t, base, m.AccessToken),
					env.Post(t, base+"/members", m.AccessToken, map[string]any{"userId": m.ID}),
					env.Delete(t, fmt.Sprintf("%s/members/%d", base, w.bob.ID), m.AccessToken),
					env.Delete(t, fmt.Sprintf("%s/members/%d", base, m.ID), m.AccessToken),
				} {
					expectRefused(t, res, http.StatusNotFound, "not_found", secrets...)
				}
			})
			// Nothing the walk tried changed alice's group.
			res := env.Get(t, fmt.Sprintf("/api/v1/chat/groups/%d", w.groupID), w.alice.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var g struct {
				Name    string
				Members []struct{ User struct{ ID uint64 } }
			}
			res.JSON(t, &g)
			if g.Name != w.aliceGroupName || len(g.Members) != 2 {
				t.Fatalf("alice's group changed: %+v", g)
			}
		})

		t.Run("messages: nobody edits or deletes a message they did not send, of either kind", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				for _, kind := range []string{"private", "group"} {
					own := (kind == "group" && id == w.malloryMsg) || (kind == "private" && id == w.malloryPrivateMsg)
					if own {
						continue
					}
					path := fmt.Sprintf("/api/v1/chat/%s/messages/%d", kind, id)
					expectRefused(t, env.Patch(t, path, m.AccessToken, map[string]any{"body": "pwned"}), http.StatusNotFound, "not_found", secrets...)
					expectRefused(t, env.Delete(t, path, m.AccessToken), http.StatusNotFound, "not_found", secrets...)
				}
			})
			// A co-member is not the sender either, and the other kind's route does not reach a message.
			for _, path := range []string{
				fmt.Sprintf("/api/v1/chat/groups/messages/%d", w.groupMsgs[0]),
				fmt.Sprintf("/api/v1/chat/private/messages/%d", w.privateMsgs[0]),
			} {
				attacks.Add(2)
				expectRefused(t, env.Patch(t, path, w.bob.AccessToken, map[string]any{"body": "bob was here"}), http.StatusNotFound, "not_found")
				expectRefused(t, env.Delete(t, path, w.bob.AccessToken), http.StatusNotFound, "not_found")
			}
			attacks.Add(2)
			expectRefused(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", w.groupMsgs[0]), w.alice.AccessToken), http.StatusNotFound, "not_found")
			expectRefused(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/messages/%d", w.privateMsgs[0]), w.alice.AccessToken), http.StatusNotFound, "not_found")
			res := env.Get(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", w.bob.ID), w.alice.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			if strings.Count(string(res.Body), "private secret") != 3 || strings.Contains(string(res.Body), "pwned") {
				t.Fatalf("alice's conversation changed: %s", res.Body)
			}
		})

		t.Run("private conversations: only between friends, never with oneself", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				base := fmt.Sprintf("/api/v1/chat/private/%d", id)
				if id == w.malloryFriend.ID {
					return
				}
				for _, res := range []*testenv.Response{
					env.Get(t, base+"/messages", m.AccessToken),
					env.Get(t, base+"/messages?before=1000", m.AccessToken),
					env.Post(t, base+"/messages", m.AccessToken, map[string]any{"body": "hello stranger"}),
					env.Post(t, base+"/read", m.AccessToken, map[string]any{"seq": 1}),
					env.Patch(t, base+"/settings", m.AccessToken, map[string]any{"muted": true}),
					env.Get(t, "/api/v1/search/messages?q=secret&in=private:"+fmt.Sprint(id), m.AccessToken),
				} {
					// A user who exists but is not a friend is 403 (the contract's
					// "between friends only"); no such user is 404. Neither shows anything.
					if res.Status == http.StatusNotFound {
						expectRefused(t, res, http.StatusNotFound, "not_found", secrets...)
						continue
					}
					expectRefused(t, res, http.StatusForbidden, "forbidden", secrets...)
				}
			})
			res := env.Get(t, "/api/v1/chat/private", m.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			for _, s := range secrets {
				if strings.Contains(string(res.Body), s) {
					t.Fatalf("mallory's conversation list shows %q", s)
				}
			}
		})

		t.Run("search and mentions: nothing of a conversation mallory is not in", func(t *testing.T) {
			for _, q := range []string{"secret", "private", "group", w.aliceGroupName, w.aliceSecret} {
				attacks.Add(1)
				res := env.Get(t, "/api/v1/search/messages?q="+url.QueryEscape(q), m.AccessToken)
				if res.Status != http.StatusOK && res.Status != http.StatusBadRequest {
					t.Fatalf("search %q: %d %s", q, res.Status, res.Body)
				}
				for _, s := range secrets {
					if strings.Contains(string(res.Body), s) {
						t.Fatalf("mallory's search for %q shows %q", q, s)
					}
				}
			}
			attacks.Add(1)
			res := env.Get(t, "/api/v1/mentions", m.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			for _, s := range secrets {
				if strings.Contains(string(res.Body), s) {
					t.Fatalf("mallory's mentions show %q", s)
				}
			}
		})

		t.Run("payments: another's payment is not found and never listed", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				res := env.Get(t, fmt.Sprintf("/api/v1/payments/%d", id), m.AccessToken)
				if id == w.malloryPayment {
					testenv.Expect(t, res, http.StatusOK)
					return
				}
				expectRefused(t, res, http.StatusNotFound, "not_found", secrets...)
			})
			res := env.Get(t, "/api/v1/payments?limit=100", m.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var list struct{ Items []struct{ ID uint64 } }
			res.JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].ID != w.malloryPayment {
				t.Fatalf("mallory's payment list: %s", res.Body)
			}
		})

		t.Run("friend requests: only their two users can act on them", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				for _, verb := range []string{"accept", "decline"} {
					res := env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/%s", id, verb), m.AccessToken, nil)
					expectRefused(t, res, http.StatusNotFound, "not_found", secrets...)
				}
			})
			res := env.Get(t, "/api/v1/friends/requests", w.carol.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var reqs struct{ Incoming []struct{ ID uint64 } }
			res.JSON(t, &reqs)
			if len(reqs.Incoming) != 1 || reqs.Incoming[0].ID != w.requestID {
				t.Fatalf("alice's request to carol was touched: %s", res.Body)
			}
			attacks.Add(1)
			expectRefused(t, env.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", w.requestID), w.alice.AccessToken, nil), http.StatusForbidden, "forbidden")
		})

		t.Run("friendships: removing a friendship one is not in changes nothing", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				if id == w.malloryFriend.ID {
					return
				}
				res := env.Delete(t, fmt.Sprintf("/api/v1/friends/%d", id), m.AccessToken)
				if res.Status != http.StatusNotFound && res.Status != http.StatusBadRequest {
					t.Fatalf("DELETE /friends/%d by mallory: %d %s", id, res.Status, res.Body)
				}
			})
			res := env.Get(t, "/api/v1/friends", w.alice.AccessToken)
			if !strings.Contains(string(res.Body), fmt.Sprintf(`"id":%d`, w.bob.ID)) {
				t.Fatalf("alice lost bob: %s", res.Body)
			}
		})

		t.Run("users: another user's view is public, without email", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				res := env.Get(t, fmt.Sprintf("/api/v1/users/%d", id), m.AccessToken)
				if res.Status == http.StatusNotFound {
					return
				}
				testenv.Expect(t, res, http.StatusOK)
				if strings.Contains(string(res.Body), "@") || strings.Contains(string(res.Body), `"email"`) {
					t.Fatalf("user %d shows an email: %s", id, res.Body)
				}
			})
		})

		t.Run("audit entries and every admin route are 403 for a user, whatever the id", func(t *testing.T) {
			for _, path := range []string{"/api/v1/admin/audit", "/api/v1/admin/audit?limit=100", "/api/v1/admin/users", "/api/v1/admin/payments", "/api/v1/admin/stats"} {
				attacks.Add(1)
				expectRefused(t, env.Get(t, path, m.AccessToken), http.StatusForbidden, "forbidden", secrets...)
			}
			w.walk(t, func(t *testing.T, id uint64) {
				path := fmt.Sprintf("/api/v1/admin/users/%d", id)
				expectRefused(t, env.Patch(t, path, m.AccessToken, map[string]any{"role": "admin"}), http.StatusForbidden, "forbidden")
				expectRefused(t, env.Delete(t, path, m.AccessToken), http.StatusForbidden, "forbidden")
				// The audit log is append-only: it has no route to change an entry.
				for _, method := range []string{http.MethodPatch, http.MethodDelete} {
					res := env.Do(t, testenv.Req{Method: method, Path: fmt.Sprintf("/api/v1/admin/audit/%d", id), Token: w.admin.AccessToken})
					if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
						t.Fatalf("%s audit entry %d: %d", method, id, res.Status)
					}
				}
			})
		})

		t.Run("roles inside a group: a member cannot act as owner or admin", func(t *testing.T) {
			base := fmt.Sprintf("/api/v1/chat/groups/%d", w.groupID)
			for _, res := range []*testenv.Response{
				env.Patch(t, base, w.bob.AccessToken, map[string]any{"name": "bob's now"}),
				env.Delete(t, base, w.bob.AccessToken),
				env.Post(t, base+"/members", w.bob.AccessToken, map[string]any{"userId": m.ID}),
				env.Delete(t, fmt.Sprintf("%s/members/%d", base, w.alice.ID), w.bob.AccessToken),
			} {
				attacks.Add(1)
				expectRefused(t, res, http.StatusForbidden, "forbidden")
			}
		})
	})
}

// The same walks over the sockets: every request naming a conversation the
// caller may not use is refused with the REST code, sends nothing, and no
// event of another's conversation ever reaches the attacker's sockets.
func TestSocketObjectLevelAuthorization(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env := w.env
		// The walk sends far more than the contract's chat rates: lift them
		// so that every request reaches the access check.
		env.App.Services.Limits.Messages = ratelimit.NewRate(10000, 10000)
		env.App.Services.Limits.Typing = ratelimit.NewRate(10000, 10000)
		env.App.Services.Limits.SocketRequests = ratelimit.NewRate(10000, 10000)
		group := dial(t, env, "/ws/group", w.mallory)
		private := dial(t, env, "/ws/private", w.mallory)

		t.Run("the group socket joins only the attacker's own rooms", func(t *testing.T) {
			conn, _, err := (&websocket.Dialer{HandshakeTimeout: waitTime}).Dial(wsURL(env, "/ws/group"), http.Header{"Authorization": {"Bearer " + w.mallory.AccessToken}})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetReadDeadline(time.Now().Add(waitTime))
			var ready struct {
				Type string
				Data struct{ Groups []uint64 }
			}
			if err := conn.ReadJSON(&ready); err != nil {
				t.Fatal(err)
			}
			if ready.Type != "ready" || !slices.Equal(ready.Data.Groups, []uint64{w.malloryGroup}) {
				t.Fatalf("ready %+v, want only group %d", ready, w.malloryGroup)
			}
		})

		t.Run("group requests for another's group are not_found", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				if id == w.malloryGroup {
					return
				}
				for _, req := range []struct {
					typ  string
					data any
				}{
					{"message.send", map[string]any{"groupId": id, "body": "let me in", "clientMsgId": fmt.Sprintf("walk-g-%d", id)}},
					{"typing", map[string]any{"groupId": id}},
					{"read", map[string]any{"groupId": id, "seq": 1}},
					{"sync", map[string]any{"conversations": []map[string]any{{"groupId": id, "afterSeq": 0}}}},
					{"sync", map[string]any{"conversations": []map[string]any{{"groupId": w.malloryGroup, "afterSeq": 0}, {"groupId": id, "afterSeq": 0}}}},
				} {
					if _, code := request(t, group, req.typ, req.data); code != "not_found" {
						t.Fatalf("%s for group %d: code %q, want not_found", req.typ, id, code)
					}
				}
			})
		})

		t.Run("private requests to a non-friend are refused", func(t *testing.T) {
			w.walk(t, func(t *testing.T, id uint64) {
				if id == w.malloryFriend.ID {
					return
				}
				for _, req := range []struct {
					typ  string
					data any
				}{
					{"message.send", map[string]any{"toUserId": id, "body": "hello stranger", "clientMsgId": fmt.Sprintf("walk-p-%d", id)}},
					{"typing", map[string]any{"toUserId": id}},
					{"read", map[string]any{"toUserId": id, "seq": 1}},
					{"sync", map[string]any{"conversations": []map[string]any{{"toUserId": id, "afterSeq": 0}}}},
				} {
					if _, code := request(t, private, req.typ, req.data); code != "forbidden" && code != "not_found" {
						t.Fatalf("%s to user %d: code %q, want forbidden or not_found", req.typ, id, code)
					}
				}
			})
		})

		t.Run("a refused sync sent nothing, and another's messages never reach the attacker", func(t *testing.T) {
			// alice writes in her group and to bob; then mallory's friend writes
			// in mallory's group. Each socket's pushes are in order, so by the
			// time mallory sees her friend's message she has seen anything
			// queued for her before it.
			secretGroup := sendREST(t, env, w.alice, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.groupID), "group secret after")
			secretPrivate := sendREST(t, env, w.alice, fmt.Sprintf("/api/v1/chat/private/%d/messages", w.bob.ID), "private secret after")
			barrier := sendREST(t, env, w.malloryFriend, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), "barrier")
			privBarrier := sendREST(t, env, w.malloryFriend, fmt.Sprintf("/api/v1/chat/private/%d/messages", w.mallory.ID), "barrier")
			check := func(e wsclient.Envelope) {
				for _, s := range w.secrets() {
					if strings.Contains(string(e.Data), s) {
						t.Fatalf("mallory received %s with %q: %s", e.Type, s, e.Data)
					}
				}
				if m, err := wsclient.DecodeMessage(e); err == nil && (m.ID == secretGroup || m.ID == secretPrivate || slices.Contains(w.groupMsgs, m.ID) || slices.Contains(w.privateMsgs, m.ID)) {
					t.Fatalf("mallory received alice's message %d", m.ID)
				}
			}
			nextEvent(t, group, "message.new", isMessage(barrier), check)
			nextEvent(t, private, "message.new", isMessage(privBarrier), check)
		})
	})
}
