package controllers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"workcomm/testenv"
)

// richMessage is a message with the v1 additions a client reads.
type richMessage struct {
	message
	ReplyTo *struct {
		ID       uint64 `json:"id"`
		Seq      uint64 `json:"seq"`
		SenderID uint64 `json:"senderId"`
		Body     string `json:"body"`
		Deleted  bool   `json:"deleted"`
	} `json:"replyTo"`
	Mentions []uint64 `json:"mentions"`
}

// convState is what a conversation list line adds for the caller.
type convState struct {
	ID             uint64  `json:"id"`
	ConversationID uint64  `json:"conversationId"`
	Unread         uint64  `json:"unread"`
	Mentions       *uint64 `json:"mentions"`
	Muted          *bool   `json:"muted"`
}

func postRich(t *testing.T, env *testenv.Env, path, token string, body map[string]any, status int) richMessage {
	t.Helper()
	res := env.Post(t, path, token, body)
	testenv.Expect(t, res, status)
	var m richMessage
	if status < 300 {
		res.JSON(t, &m)
	}
	return m
}

func richHistory(t *testing.T, env *testenv.Env, path, token string) []richMessage {
	t.Helper()
	res := env.Get(t, path, token)
	testenv.Expect(t, res, http.StatusOK)
	var p struct {
		Items []richMessage `json:"items"`
	}
	res.JSON(t, &p)
	return p.Items
}

func listStates(t *testing.T, env *testenv.Env, path, token string) []convState {
	t.Helper()
	res := env.Get(t, path, token)
	testenv.Expect(t, res, http.StatusOK)
	var l struct {
		Items []convState `json:"items"`
	}
	res.JSON(t, &l)
	return l.Items
}

func TestReplies(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, carol := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "carol")
		env.Befriend(t, alice, bob)
		env.Befriend(t, alice, carol)
		orig := sendPrivate(t, env, alice, bob, "the original, long enough to quote")
		other := sendPrivate(t, env, alice, carol, "elsewhere")

		t.Run("a REST reply carries the quoted original", func(t *testing.T) {
			r := postRich(t, env, privatePath(alice, "messages"), bob.AccessToken, map[string]any{"body": "an answer", "replyToId": orig.ID}, http.StatusCreated)
			if r.ReplyTo == nil || r.ReplyTo.ID != orig.ID || r.ReplyTo.Seq != orig.Seq || r.ReplyTo.SenderID != alice.ID || r.ReplyTo.Body != orig.Body || r.ReplyTo.Deleted {
				t.Fatalf("replyTo = %+v", r.ReplyTo)
			}
			items := richHistory(t, env, privatePath(bob, "messages"), alice.AccessToken)
			last := items[len(items)-1]
			if last.ReplyTo == nil || last.ReplyTo.ID != orig.ID {
				t.Fatalf("history replyTo = %+v", last.ReplyTo)
			}
			if items[0].ReplyTo != nil || items[0].Mentions == nil {
				t.Fatalf("a plain message: replyTo %+v, mentions %v (want null and [])", items[0].ReplyTo, items[0].Mentions)
			}
		})
		t.Run("a reply to a message of another conversation is 400 on replyToId", func(t *testing.T) {
			res := env.Post(t, privatePath(alice, "messages"), bob.AccessToken, map[string]any{"body": "x", "replyToId": other.ID})
			testenv.Expect(t, res, http.StatusBadRequest)
			if _, ok := res.ErrorFields()["replyToId"]; !ok {
				t.Fatalf("fields = %v", res.ErrorFields())
			}
			res = env.Post(t, privatePath(alice, "messages"), bob.AccessToken, map[string]any{"body": "x", "replyToId": 987654321})
			testenv.Expect(t, res, http.StatusBadRequest)
		})
		t.Run("a deleted original shows as deleted", func(t *testing.T) {
			m := sendPrivate(t, env, alice, bob, "soon gone")
			r := postRich(t, env, privatePath(alice, "messages"), bob.AccessToken, map[string]any{"body": "answer", "replyToId": m.ID}, http.StatusCreated)
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", m.ID), alice.AccessToken), http.StatusNoContent)
			items := richHistory(t, env, privatePath(bob, "messages")+"?around="+fmt.Sprint(r.Seq), alice.AccessToken)
			for _, it := range items {
				if it.ID == r.ID {
					if it.ReplyTo == nil || !it.ReplyTo.Deleted || it.ReplyTo.Body != "" || it.ReplyTo.Seq != m.Seq {
						t.Fatalf("replyTo = %+v", it.ReplyTo)
					}
					return
				}
			}
			t.Fatal("the reply is not in the page around it")
		})
		t.Run("a socket reply is acknowledged with its quote", func(t *testing.T) {
			g := createGroup(t, env, alice, "Replies", bob)
			first := sendGroup(t, env, alice, g.ID, "group original")
			conn := adminDialReady(t, env, "/ws/group", bob)
			frame := map[string]any{"type": "message.send", "id": "r1", "data": map[string]any{"groupId": g.ID, "body": "socket answer", "clientMsgId": "c-r1", "replyToId": first.ID}}
			if err := conn.WriteJSON(frame); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			for {
				_, raw, err := conn.ReadMessage()
				if err != nil {
					t.Fatalf("no ack: %v", err)
				}
				var f struct {
					Type string `json:"type"`
					ID   string `json:"id"`
					Data struct {
						Message richMessage `json:"message"`
					} `json:"data"`
				}
				if json.Unmarshal(raw, &f) != nil || f.ID != "r1" {
					continue
				}
				if f.Type != "ack" || f.Data.Message.ReplyTo == nil || f.Data.Message.ReplyTo.ID != first.ID {
					t.Fatalf("answer = %s", raw)
				}
				break
			}
			bad := map[string]any{"type": "message.send", "id": "r2", "data": map[string]any{"groupId": g.ID, "body": "x", "replyToId": orig.ID}}
			if err := conn.WriteJSON(bad); err != nil {
				t.Fatal(err)
			}
			for {
				_, raw, err := conn.ReadMessage()
				if err != nil {
					t.Fatalf("no error: %v", err)
				}
				var f struct {
					Type string `json:"type"`
					ID   string `json:"id"`
					Data struct {
						Code string `json:"code"`
					} `json:"data"`
				}
				if json.Unmarshal(raw, &f) != nil || f.ID != "r2" {
					continue
				}
				if f.Type != "error" || f.Data.Code != "validation_failed" {
					t.Fatalf("answer = %s", raw)
				}
				break
			}
		})
	})
}

func TestMentionsMuteAndReaders(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		owner, admin, member, outsider := env.Register(t, "owner"), env.Register(t, "admin"), env.Register(t, "member"), env.Register(t, "outsider")
		g := createGroup(t, env, owner, "Mentions", admin, member)
		setGroupRole(t, env, owner, g.ID, admin, "admin")
		gm := groupPath(g.ID, "messages")

		t.Run("a member named is mentioned, a non-member is text", func(t *testing.T) {
			m := postRich(t, env, gm, owner.AccessToken, map[string]any{"body": "hi @" + member.Username + " and @" + outsider.Username}, http.StatusCreated)
			if !slices.Equal(m.Mentions, []uint64{member.ID}) {
				t.Fatalf("mentions = %v, want [%d]", m.Mentions, member.ID)
			}
		})
		t.Run("@all from a plain member is text, from an admin everyone else", func(t *testing.T) {
			m := postRich(t, env, gm, member.AccessToken, map[string]any{"body": "@all look"}, http.StatusCreated)
			if len(m.Mentions) != 0 {
				t.Fatalf("mentions = %v, want none", m.Mentions)
			}
			m = postRich(t, env, gm, admin.AccessToken, map[string]any{"body": "@all look"}, http.StatusCreated)
			want := []uint64{owner.ID, member.ID}
			slices.Sort(want)
			if !slices.Equal(m.Mentions, want) {
				t.Fatalf("mentions = %v, want %v", m.Mentions, want)
			}
		})
		t.Run("the list counts unread mentions apart from unread, and reading drops them", func(t *testing.T) {
			var st convState
			for _, s := range listStates(t, env, "/api/v1/chat/groups", member.AccessToken) {
				if s.ID == g.ID {
					st = s
				}
			}
			// The member's own send (seq 2) read seq 1 for them: the admin's @all is left.
			if st.Mentions == nil || *st.Mentions != 1 || st.Unread != 1 || st.Muted == nil || *st.Muted {
				t.Fatalf("member's line = %+v, want 1 mention of 1 unread, not muted", st)
			}
			for _, s := range listStates(t, env, "/api/v1/chat/groups", owner.AccessToken) {
				if s.ID == g.ID && (*s.Mentions != 1 || s.Unread != 2) {
					t.Fatalf("owner's line: %d mentions of %d unread, want 1 of 2", *s.Mentions, s.Unread)
				}
			}
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "read"), owner.AccessToken, map[string]any{"seq": 3}), http.StatusNoContent)
			for _, s := range listStates(t, env, "/api/v1/chat/groups", owner.AccessToken) {
				if s.ID == g.ID && *s.Mentions != 0 {
					t.Fatalf("mentions after reading = %d, want 0", *s.Mentions)
				}
			}
		})
		t.Run("an edit recomputes the mentions", func(t *testing.T) {
			m := postRich(t, env, gm, owner.AccessToken, map[string]any{"body": "for @" + admin.Username}, http.StatusCreated)
			res := env.Patch(t, fmt.Sprintf("/api/v1/chat/groups/messages/%d", m.ID), owner.AccessToken, map[string]any{"body": "for @" + member.Username + " instead"})
			testenv.Expect(t, res, http.StatusOK)
			var e richMessage
			res.JSON(t, &e)
			if !slices.Equal(e.Mentions, []uint64{member.ID}) {
				t.Fatalf("mentions after the edit = %v", e.Mentions)
			}
		})
		t.Run("GET /mentions pages newest first without duplicates, and forgets a group left", func(t *testing.T) {
			var seen []uint64
			cursor := ""
			for range 10 {
				res := env.Get(t, "/api/v1/mentions?limit=1"+cursor, member.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				var l struct {
					Items      []richMessage `json:"items"`
					NextCursor *string       `json:"nextCursor"`
				}
				res.JSON(t, &l)
				for _, it := range l.Items {
					seen = append(seen, it.ID)
				}
				if l.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + *l.NextCursor
			}
			if len(seen) != 3 || !slices.IsSortedFunc(seen, func(a, b uint64) int { return int(b) - int(a) }) {
				t.Fatalf("mentions of member = %v, want 3 newest first", seen)
			}
			testenv.Expect(t, env.Delete(t, groupPath(g.ID, fmt.Sprintf("members/%d", member.ID)), member.AccessToken), http.StatusNoContent)
			res := env.Get(t, "/api/v1/mentions", member.AccessToken)
			var l struct {
				Items []richMessage `json:"items"`
			}
			res.JSON(t, &l)
			if len(l.Items) != 0 {
				t.Fatalf("after leaving: %d mentions", len(l.Items))
			}
		})
		t.Run("mute is stored per user, shown in the list and told to the user's other devices", func(t *testing.T) {
			other := adminDialReady(t, env, "/ws/private", admin)
			res := env.Patch(t, groupPath(g.ID, "settings"), admin.AccessToken, map[string]any{"muted": true})
			testenv.Expect(t, res, http.StatusOK)
			_ = other.SetReadDeadline(time.Now().Add(10 * time.Second))
			for {
				_, raw, err := other.ReadMessage()
				if err != nil {
					t.Fatalf("no settings.updated on the other device: %v", err)
				}
				var f struct {
					Type string `json:"type"`
					Data struct {
						GroupID uint64 `json:"groupId"`
						Muted   bool   `json:"muted"`
					} `json:"data"`
				}
				if json.Unmarshal(raw, &f) != nil || f.Type != "settings.updated" {
					continue
				}
				if f.Data.GroupID != g.ID || !f.Data.Muted {
					t.Fatalf("settings.updated = %s", raw)
				}
				break
			}
			for _, s := range listStates(t, env, "/api/v1/chat/groups", admin.AccessToken) {
				if s.ID == g.ID && (s.Muted == nil || !*s.Muted) {
					t.Fatal("the admin's line is not muted")
				}
			}
			for _, s := range listStates(t, env, "/api/v1/chat/groups", owner.AccessToken) {
				if s.ID == g.ID && *s.Muted {
					t.Fatal("the owner's line is muted")
				}
			}
			testenv.Expect(t, env.Patch(t, groupPath(g.ID, "settings"), outsider.AccessToken, map[string]any{"muted": true}), http.StatusNotFound)
			testenv.Expect(t, env.Patch(t, groupPath(g.ID, "settings"), admin.AccessToken, map[string]any{}), http.StatusBadRequest)
			env.Befriend(t, owner, outsider)
			testenv.Expect(t, env.Patch(t, privatePath(outsider, "settings"), owner.AccessToken, map[string]any{"muted": true}), http.StatusOK)
			sendPrivate(t, env, owner, outsider, "hello")
			for _, s := range listStates(t, env, "/api/v1/chat/private", owner.AccessToken) {
				if s.Muted == nil || !*s.Muted {
					t.Fatal("the private line is not muted")
				}
			}
		})
		t.Run("seen by lists the members whose read mark reached the seq, members only", func(t *testing.T) {
			m := sendGroup(t, env, owner, g.ID, "who saw this")
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "read"), admin.AccessToken, map[string]any{"seq": m.Seq}), http.StatusNoContent)
			res := env.Get(t, groupPath(g.ID, fmt.Sprintf("messages/%d/readers", m.Seq)), owner.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var r struct {
				Items []struct {
					User struct {
						ID uint64 `json:"id"`
					} `json:"user"`
					ReadAt *time.Time `json:"readAt"`
				} `json:"items"`
			}
			res.JSON(t, &r)
			var ids []uint64
			for _, it := range r.Items {
				ids = append(ids, it.User.ID)
				if it.ReadAt == nil {
					t.Fatalf("reader %d has no readAt", it.User.ID)
				}
			}
			slices.Sort(ids)
			want := []uint64{owner.ID, admin.ID}
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Fatalf("readers = %v, want %v", ids, want)
			}
			testenv.Expect(t, env.Get(t, groupPath(g.ID, fmt.Sprintf("messages/%d/readers", m.Seq)), outsider.AccessToken), http.StatusNotFound)
		})
		t.Run("the username all is reserved", func(t *testing.T) {
			res := env.Post(t, "/api/v1/auth/register", "", map[string]string{"username": "ALL", "email": "all@example.com", "password": "password-all-1"})
			testenv.Expect(t, res, http.StatusBadRequest)
		})
	})
}
