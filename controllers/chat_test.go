package controllers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"workcomm/models"
	"workcomm/ratelimit"
	"workcomm/testenv"
)

// message is the contract's Message as a client reads it.
type message struct {
	ID           uint64 `json:"id"`
	Conversation struct {
		Type string `json:"type"`
		ID   uint64 `json:"id"`
	} `json:"conversation"`
	Seq         uint64  `json:"seq"`
	SenderID    uint64  `json:"senderId"`
	Body        string  `json:"body"`
	ClientMsgID *string `json:"clientMsgId"`
	EditedAt    *string `json:"editedAt"`
	Deleted     bool    `json:"deleted"`
}

type messagePage struct {
	Items   []message `json:"items"`
	HasMore bool      `json:"hasMore"`
}

func privatePath(peer *testenv.User, rest string) string {
	return fmt.Sprintf("/api/v1/chat/private/%d/%s", peer.ID, rest)
}

// sendPrivate posts a message from one user to another and decodes it.
func sendPrivate(t *testing.T, env *testenv.Env, from, to *testenv.User, body string) message {
	t.Helper()
	res := env.Post(t, privatePath(to, "messages"), from.AccessToken, map[string]any{"body": body})
	testenv.Expect(t, res, http.StatusCreated)
	var m message
	res.JSON(t, &m)
	return m
}

func history(t *testing.T, env *testenv.Env, path, token string) messagePage {
	t.Helper()
	res := env.Get(t, path, token)
	testenv.Expect(t, res, http.StatusOK)
	var p messagePage
	res.JSON(t, &p)
	return p
}

func seqs(msgs []message) []uint64 {
	out := make([]uint64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Seq
	}
	return out
}

func countMessages(t *testing.T, env *testenv.Env) int64 {
	t.Helper()
	var n int64
	if err := env.App.DB.Model(&models.Message{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPrivateChat(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		env.Befriend(t, alice, bob)

		t.Run("friends exchange messages numbered 1, 2, 3 in one conversation", func(t *testing.T) {
			m1 := sendPrivate(t, env, alice, bob, "  hello bob  ")
			m2 := sendPrivate(t, env, bob, alice, "hi alice")
			m3 := sendPrivate(t, env, alice, bob, "how are you?")
			if m1.Seq != 1 || m2.Seq != 2 || m3.Seq != 3 {
				t.Fatalf("seqs %d %d %d, want 1 2 3", m1.Seq, m2.Seq, m3.Seq)
			}
			if m1.Body != "hello bob" || m1.SenderID != alice.ID || m1.Conversation.Type != "private" || m1.Deleted || m1.ClientMsgID != nil {
				t.Fatalf("first message = %+v", m1)
			}
			if m1.Conversation.ID != m2.Conversation.ID {
				t.Fatalf("two conversations for one pair: %d and %d", m1.Conversation.ID, m2.Conversation.ID)
			}
			page := history(t, env, privatePath(alice, "messages"), bob.AccessToken)
			if got := seqs(page.Items); fmt.Sprint(got) != "[1 2 3]" || page.HasMore {
				t.Fatalf("bob's history = %v hasMore=%v, want [1 2 3] false", got, page.HasMore)
			}
		})

		t.Run("the same clientMsgId twice stores one message and answers the first with 200", func(t *testing.T) {
			before := countMessages(t, env)
			body := map[string]any{"body": "once only", "clientMsgId": "c-42"}
			first := env.Post(t, privatePath(bob, "messages"), alice.AccessToken, body)
			testenv.Expect(t, first, http.StatusCreated)
			again := env.Post(t, privatePath(bob, "messages"), alice.AccessToken, body)
			testenv.Expect(t, again, http.StatusOK)
			var a, b message
			first.JSON(t, &a)
			again.JSON(t, &b)
			if a.ID != b.ID || b.ClientMsgID == nil || *b.ClientMsgID != "c-42" {
				t.Fatalf("retry answered %+v, want the first message %+v", b, a)
			}
			if n := countMessages(t, env); n != before+1 {
				t.Fatalf("%d messages stored, want %d", n, before+1)
			}
			carol := env.Register(t, "carol")
			env.Befriend(t, alice, carol)
			other := env.Post(t, privatePath(carol, "messages"), alice.AccessToken, body)
			testenv.Expect(t, other, http.StatusConflict)
		})

		t.Run("a stranger can neither send, read history nor mark read, and nothing is stored", func(t *testing.T) {
			eve := env.Register(t, "eve")
			before := countMessages(t, env)
			for _, res := range []*testenv.Response{
				env.Post(t, privatePath(alice, "messages"), eve.AccessToken, map[string]any{"body": "psst"}),
				env.Get(t, privatePath(alice, "messages"), eve.AccessToken),
				env.Post(t, privatePath(alice, "read"), eve.AccessToken, map[string]any{"seq": 1}),
			} {
				testenv.Expect(t, res, http.StatusForbidden)
				if res.ErrorCode() != "forbidden" {
					t.Fatalf("code %q, want forbidden", res.ErrorCode())
				}
			}
			if n := countMessages(t, env); n != before {
				t.Fatalf("%d messages stored, want %d", n, before)
			}
			testenv.Expect(t, env.Post(t, "/api/v1/chat/private/999999/messages", alice.AccessToken, map[string]any{"body": "x"}), http.StatusNotFound)
			testenv.Expect(t, env.Post(t, privatePath(alice, "messages"), alice.AccessToken, map[string]any{"body": "me"}), http.StatusForbidden)
		})

		t.Run("bodies are 1 to 4000 characters after trimming, counted in code points", func(t *testing.T) {
			cases := []struct {
				name   string
				body   any
				status int
				field  string
			}{
				{"blank", map[string]any{"body": "   "}, http.StatusBadRequest, "body"},
				{"missing", map[string]any{}, http.StatusBadRequest, "body"},
				{"4001 characters", map[string]any{"body": strings.Repeat("a", 4001)}, http.StatusBadRequest, "body"},
				{"4000 multi-byte characters", map[string]any{"body": strings.Repeat("é", 4000)}, http.StatusCreated, ""},
				{"a clientMsgId over 64", map[string]any{"body": "x", "clientMsgId": strings.Repeat("i", 65)}, http.StatusBadRequest, "clientMsgId"},
				{"an unknown field", map[string]any{"body": "x", "senderId": 1}, http.StatusBadRequest, "senderId"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					res := env.Post(t, privatePath(bob, "messages"), alice.AccessToken, tc.body)
					testenv.Expect(t, res, tc.status)
					if tc.field != "" && res.ErrorFields()[tc.field] == "" {
						t.Fatalf("no error on %s: %s", tc.field, res.Body)
					}
				})
			}
		})

		t.Run("a friend who deleted their account: the history stays, read-only, with a deleted author", func(t *testing.T) {
			eve := env.Register(t, "eve")
			env.Befriend(t, alice, eve)
			sent := sendPrivate(t, env, eve, alice, "bye all")
			admin := env.RegisterAdmin(t, "chatadmin")
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/admin/users/%d", eve.ID), admin.AccessToken), http.StatusNoContent)

			res := env.Get(t, privatePath(eve, "messages"), alice.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var page struct{ Items []message }
			res.JSON(t, &page)
			if len(page.Items) != 1 || page.Items[0].ID != sent.ID || page.Items[0].Body != "bye all" {
				t.Fatalf("history after the delete: %s", res.Body)
			}
			var listed bool
			for _, c := range listPrivate(t, env, alice) {
				listed = listed || c.Peer.ID == eve.ID
			}
			if !listed {
				t.Fatal("the conversation with a deleted friend disappeared")
			}
			if body := string(env.Get(t, "/api/v1/chat/private", alice.AccessToken).Body); !strings.Contains(body, `"deleted":true`) {
				t.Fatalf("the deleted friend is not shown as deleted: %s", body)
			}
			testenv.Expect(t, env.Post(t, privatePath(eve, "read"), alice.AccessToken, map[string]any{"seq": 1}), http.StatusNoContent)
			res = env.Post(t, privatePath(eve, "messages"), alice.AccessToken, map[string]any{"body": "are you there?"})
			testenv.Expect(t, res, http.StatusForbidden)
			env.Get(t, privatePath(eve, "messages"), alice.AccessToken).JSON(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("a message went into a read-only conversation: %+v", page.Items)
			}
		})

		t.Run("a former friend is no longer a conversation", func(t *testing.T) {
			dan := env.Register(t, "dan")
			env.Befriend(t, alice, dan)
			sendPrivate(t, env, dan, alice, "hey")
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/friends/%d", dan.ID), alice.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Get(t, privatePath(dan, "messages"), alice.AccessToken), http.StatusForbidden)
			for _, c := range listPrivate(t, env, alice) {
				if c.Peer.ID == dan.ID {
					t.Fatal("a former friend's conversation is still listed")
				}
			}
		})
	})
}

// privateSummary is one line of GET /chat/private.
type privateSummary struct {
	Peer struct {
		ID uint64 `json:"id"`
	} `json:"peer"`
	ConversationID uint64   `json:"conversationId"`
	LastMessage    *message `json:"lastMessage"`
	Unread         uint64   `json:"unread"`
	LastReadSeq    uint64   `json:"lastReadSeq"`
}

func listPrivate(t *testing.T, env *testenv.Env, u *testenv.User) []privateSummary {
	t.Helper()
	res := env.Get(t, "/api/v1/chat/private", u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var body struct {
		Items []privateSummary `json:"items"`
	}
	res.JSON(t, &body)
	return body.Items
}

func TestPrivateHistoryPaging(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		env.Befriend(t, alice, bob)
		if got := history(t, env, privatePath(bob, "messages"), alice.AccessToken); len(got.Items) != 0 || got.HasMore {
			t.Fatalf("history before any message = %+v, want empty", got)
		}
		// 120 messages at once: more than the per-user burst, which is not under test here.
		env.App.Services.Limits.Messages = ratelimit.NewRate(1000, 1000)
		for i := 1; i <= 120; i++ {
			sendPrivate(t, env, alice, bob, fmt.Sprintf("m%d", i))
		}
		cases := []struct {
			name      string
			query     string
			first     uint64
			count     int
			hasMore   bool
			wantError bool
		}{
			{"the latest 50 by default", "", 71, 50, true, false},
			{"the latest 10", "?limit=10", 111, 10, true, false},
			{"a limit over 100 is taken as 100", "?limit=1000", 21, 100, true, false},
			{"the 10 just below seq 50", "?before=50&limit=10", 40, 10, true, false},
			{"the 5 just below seq 6 reach the start", "?before=6&limit=5", 1, 5, false, false},
			{"the 10 just above seq 100", "?after=100&limit=10", 101, 10, true, false},
			{"the last ones above seq 115", "?after=115&limit=10", 116, 5, false, false},
			{"after 0 starts at the first", "?after=0&limit=3", 1, 3, true, false},
			{"between after and before: the messages strictly between", "?after=2&before=10", 3, 7, false, false},
			{"between, at most limit from after up, more between", "?after=2&before=100&limit=10", 3, 10, true, false},
			{"between, the last page of the gap stops below before", "?after=90&before=100&limit=10", 91, 9, false, false},
			{"between two adjacent seqs there is nothing", "?after=5&before=6", 0, 0, false, false},
			{"before at or below after is refused", "?after=10&before=10", 0, 0, false, true},
			{"around: half the limit below the seq, the rest from it up", "?around=60&limit=10", 55, 10, true, false},
			{"around with the default limit", "?around=60", 35, 50, true, false},
			{"around the first seq: the page starts there", "?around=1&limit=10", 1, 10, true, false},
			{"around the last seq: the page fills from below", "?around=120&limit=10", 111, 10, false, false},
			{"around a seq past the end: the latest", "?around=500&limit=10", 111, 10, false, false},
			{"around with limit 1: the seq itself", "?around=60&limit=1", 60, 1, true, false},
			{"around past the end with limit 1: the last", "?around=500&limit=1", 120, 1, false, false},
			{"around with before is refused", "?around=60&before=100", 0, 0, false, true},
			{"around with after is refused", "?around=60&after=1", 0, 0, false, true},
			{"a non-numeric seq is refused", "?before=abc", 0, 0, false, true},
			{"a non-numeric around is refused", "?around=abc", 0, 0, false, true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := env.Get(t, privatePath(bob, "messages"+tc.query), alice.AccessToken)
				if tc.wantError {
					testenv.Expect(t, res, http.StatusBadRequest)
					return
				}
				testenv.Expect(t, res, http.StatusOK)
				var p messagePage
				res.JSON(t, &p)
				if len(p.Items) != tc.count || p.HasMore != tc.hasMore {
					t.Fatalf("%d items hasMore=%v, want %d %v", len(p.Items), p.HasMore, tc.count, tc.hasMore)
				}
				for i, m := range p.Items {
					if m.Seq != tc.first+uint64(i) {
						t.Fatalf("items seqs %v, want ascending from %d", seqs(p.Items), tc.first)
					}
				}
			})
		}
	})
}

func TestMessageEditDeleteAndReadMarks(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		env.Befriend(t, alice, bob)
		m1 := sendPrivate(t, env, alice, bob, "first")
		sendPrivate(t, env, alice, bob, "second")
		m3 := sendPrivate(t, env, alice, bob, "third")
		editPath := fmt.Sprintf("/api/v1/chat/private/messages/%d", m1.ID)

		t.Run("only the sender edits; others get 404", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, editPath, bob.AccessToken, map[string]any{"body": "hacked"}), http.StatusNotFound)
			res := env.Patch(t, editPath, alice.AccessToken, map[string]any{"body": "first, edited"})
			testenv.Expect(t, res, http.StatusOK)
			var m message
			res.JSON(t, &m)
			if m.Body != "first, edited" || m.EditedAt == nil || m.Seq != 1 {
				t.Fatalf("edited message = %+v", m)
			}
			testenv.Expect(t, env.Patch(t, editPath, alice.AccessToken, map[string]any{"body": " "}), http.StatusBadRequest)
			// A private message is not found under the group routes.
			testenv.Expect(t, env.Patch(t, fmt.Sprintf("/api/v1/chat/groups/messages/%d", m1.ID), alice.AccessToken, map[string]any{"body": "x"}), http.StatusNotFound)
		})

		t.Run("only the sender deletes; the message keeps its seq with an empty body", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, editPath, bob.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Delete(t, editPath, alice.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Delete(t, editPath, alice.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Patch(t, editPath, alice.AccessToken, map[string]any{"body": "back"}), http.StatusNotFound)
			page := history(t, env, privatePath(alice, "messages"), bob.AccessToken)
			if len(page.Items) != 3 || !page.Items[0].Deleted || page.Items[0].Body != "" || page.Items[0].Seq != 1 {
				t.Fatalf("history after delete = %+v", page.Items)
			}
		})

		t.Run("unread is the last seq minus the read mark, which never moves back", func(t *testing.T) {
			unread := func(u, peer *testenv.User) privateSummary {
				t.Helper()
				for _, c := range listPrivate(t, env, u) {
					if c.Peer.ID == peer.ID {
						return c
					}
				}
				t.Fatalf("no conversation with %d", peer.ID)
				return privateSummary{}
			}
			if c := unread(bob, alice); c.Unread != 3 || c.LastReadSeq != 0 || c.LastMessage == nil || c.LastMessage.ID != m3.ID {
				t.Fatalf("bob's conversation = %+v, want 3 unread, last message %d", c, m3.ID)
			}
			if c := unread(alice, bob); c.Unread != 0 {
				t.Fatalf("the sender has %d unread of her own messages", c.Unread)
			}
			testenv.Expect(t, env.Post(t, privatePath(alice, "read"), bob.AccessToken, map[string]any{"seq": 2}), http.StatusNoContent)
			if c := unread(bob, alice); c.Unread != 1 || c.LastReadSeq != 2 {
				t.Fatalf("after reading 2: %+v", c)
			}
			testenv.Expect(t, env.Post(t, privatePath(alice, "read"), bob.AccessToken, map[string]any{"seq": 1}), http.StatusNoContent)
			testenv.Expect(t, env.Post(t, privatePath(alice, "read"), bob.AccessToken, map[string]any{"seq": 99}), http.StatusNoContent)
			if c := unread(bob, alice); c.Unread != 0 || c.LastReadSeq != 3 {
				t.Fatalf("after reading 1 then 99: %+v, want read 3 (clamped), unread 0", c)
			}
			testenv.Expect(t, env.Post(t, privatePath(alice, "read"), bob.AccessToken, map[string]any{}), http.StatusBadRequest)
		})
	})
}

func TestMessageRateLimit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		// A bucket of 3 that does not refill within the test: the 4th is refused.
		env.App.Services.Limits.Messages = ratelimit.NewRate(0.001, 3)
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		env.Befriend(t, alice, bob)
		for i := 0; i < 3; i++ {
			sendPrivate(t, env, alice, bob, "ok")
		}
		res := env.Post(t, privatePath(bob, "messages"), alice.AccessToken, map[string]any{"body": "one too many"})
		testenv.Expect(t, res, http.StatusTooManyRequests)
		if res.ErrorCode() != "rate_limited" || res.Header.Get("Retry-After") == "" {
			t.Fatalf("code %q Retry-After %q", res.ErrorCode(), res.Header.Get("Retry-After"))
		}
		if n := countMessages(t, env); n != 3 {
			t.Fatalf("%d messages stored, want 3", n)
		}
	})
}

func TestConversationListsPutNewestActivityFirst(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, carol := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "carol")
		env.Befriend(t, alice, bob)
		env.Befriend(t, alice, carol)
		sendPrivate(t, env, bob, alice, "older")
		sendPrivate(t, env, carol, alice, "newer")
		first := func() uint64 {
			t.Helper()
			convs := listPrivate(t, env, alice)
			if len(convs) != 2 {
				t.Fatalf("%d conversations, want 2", len(convs))
			}
			return convs[0].Peer.ID
		}
		if got := first(); got != carol.ID {
			t.Fatalf("first conversation is with %d, want carol %d", got, carol.ID)
		}
		sendPrivate(t, env, alice, bob, "bob again")
		if got := first(); got != bob.ID {
			t.Fatalf("after a new message to bob, first is %d", got)
		}

		quiet := createGroup(t, env, alice, "quiet")
		busy := createGroup(t, env, alice, "busy")
		sendGroup(t, env, alice, quiet.ID, "wake up")
		if groups := listGroups(t, env, alice); len(groups) != 2 || groups[0].ID != quiet.ID || groups[1].ID != busy.ID {
			t.Fatalf("groups in order %v, want the one with the newest message (%d) first", groups, quiet.ID)
		}
	})
}
