package controllers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/configs"
	"workcomm/testenv"
)

// reactionPath is the route of an emoji on a private message.
func reactionPath(kind string, msg uint64, emoji string) string {
	return fmt.Sprintf("/api/v1/chat/%s/messages/%d/reactions/%s", kind, msg, url.PathEscape(emoji))
}

func react(t testing.TB, env *testenv.Env, u *testenv.User, kind string, msg uint64, emoji string) *testenv.Response {
	t.Helper()
	return env.Do(t, testenv.Req{Method: http.MethodPut, Path: reactionPath(kind, msg, emoji), Token: u.AccessToken})
}

// lastMessage reads the last message of u's private conversation with peer.
func lastMessage(t testing.TB, env *testenv.Env, u, peer *testenv.User) fileMessage {
	t.Helper()
	res := env.Get(t, fmt.Sprintf("/api/v1/chat/private/%d/messages", peer.ID), u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var h struct{ Items []fileMessage }
	res.JSON(t, &h)
	return h.Items[len(h.Items)-1]
}

func TestReactions(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, eve := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "eve")
		env.Befriend(t, alice, bob)
		send := func(body string) uint64 {
			res := sendWithFiles(t, env, alice, bob, body)
			testenv.Expect(t, res, http.StatusCreated)
			var m fileMessage
			res.JSON(t, &m)
			return m.ID
		}

		t.Run("a reaction is idempotent and shown with its count and me", func(t *testing.T) {
			msg := send("hello")
			testenv.Expect(t, react(t, env, bob, "private", msg, "👍"), http.StatusNoContent)
			testenv.Expect(t, react(t, env, bob, "private", msg, "👍"), http.StatusNoContent)
			testenv.Expect(t, react(t, env, alice, "private", msg, "👍"), http.StatusNoContent)
			m := lastMessage(t, env, bob, alice)
			if len(m.Reactions) != 1 || m.Reactions[0].Emoji != "👍" || m.Reactions[0].Count != 2 || !m.Reactions[0].Me {
				t.Fatalf("reactions %+v", m.Reactions)
			}
			testenv.Expect(t, react(t, env, bob, "private", msg, "🎉"), http.StatusNoContent)
			var who struct {
				Items []struct {
					Emoji   string
					UserIDs []uint64
				}
			}
			res := env.Get(t, fmt.Sprintf("/api/v1/chat/private/messages/%d/reactions", msg), alice.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			res.JSON(t, &who)
			if len(who.Items) != 2 || who.Items[0].Emoji != "👍" || fmt.Sprint(who.Items[0].UserIDs) != fmt.Sprint([]uint64{bob.ID, alice.ID}) ||
				who.Items[1].Emoji != "🎉" || fmt.Sprint(who.Items[1].UserIDs) != fmt.Sprint([]uint64{bob.ID}) {
				t.Fatalf("who reacted: %s", res.Body)
			}
			testenv.Expect(t, env.Get(t, fmt.Sprintf("/api/v1/chat/private/messages/%d/reactions", msg), eve.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Delete(t, reactionPath("private", msg, "🎉"), bob.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Delete(t, reactionPath("private", msg, "👍"), bob.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Delete(t, reactionPath("private", msg, "👍"), bob.AccessToken), http.StatusNoContent)
			m = lastMessage(t, env, bob, alice)
			if len(m.Reactions) != 1 || m.Reactions[0].Count != 1 || m.Reactions[0].Me {
				t.Fatalf("after removal %+v", m.Reactions)
			}
		})

		t.Run("one emoji of Unicode's list, ZWJ sequences and skin tones included", func(t *testing.T) {
			msg := send("emoji")
			for _, e := range []string{"👨‍👩‍👧‍👦", "👍🏽", "❤", "🏳️‍🌈"} {
				testenv.Expect(t, react(t, env, bob, "private", msg, e), http.StatusNoContent)
			}
			for _, e := range []string{"a", "👍👍", "👍 ", ":+1:", "<b>"} {
				res := react(t, env, bob, "private", msg, e)
				if res.Status != http.StatusBadRequest || res.ErrorFields()["emoji"] == "" {
					t.Errorf("%q: %d %s", e, res.Status, res.Body)
				}
			}
		})

		t.Run("the 21st different emoji is refused", func(t *testing.T) {
			msg := send("popular")
			all := []string{"😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍", "🤩", "😘", "😗", "😚", "😙", "🤔"}
			for _, e := range all[:20] {
				testenv.Expect(t, react(t, env, bob, "private", msg, e), http.StatusNoContent)
			}
			res := react(t, env, alice, "private", msg, all[20])
			if res.Status != http.StatusConflict || res.ErrorCode() != "too_many_reactions" {
				t.Fatalf("21st: %d %s", res.Status, res.Body)
			}
			testenv.Expect(t, react(t, env, alice, "private", msg, all[0]), http.StatusNoContent)
		})

		t.Run("participants only, never on a deleted message", func(t *testing.T) {
			msg := send("private")
			testenv.Expect(t, react(t, env, eve, "private", msg, "👍"), http.StatusNotFound)
			testenv.Expect(t, react(t, env, bob, "groups", msg, "👍"), http.StatusNotFound)
			testenv.Expect(t, react(t, env, bob, "private", 999999, "👍"), http.StatusNotFound)
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", msg), alice.AccessToken), http.StatusNoContent)
			testenv.Expect(t, react(t, env, bob, "private", msg, "👍"), http.StatusNotFound)

			g := authzGroup(t, &authzFixture{env: env, owner: alice})
			res := env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", g), alice.AccessToken, map[string]string{"body": "team"})
			testenv.Expect(t, res, http.StatusCreated)
			var m fileMessage
			res.JSON(t, &m)
			testenv.Expect(t, react(t, env, bob, "groups", m.ID, "🎉"), http.StatusNotFound)
			testenv.Expect(t, react(t, env, alice, "groups", m.ID, "🎉"), http.StatusNoContent)
		})
	})
}

// TestReactionsReachEveryNode: a reaction on node A is pushed to the
// participants' sockets on node B, through Redis.
func TestReactionsReachEveryNode(t *testing.T) {
	redisURL := testenv.RequireRedisOrSkip(t)
	testenv.RequirePostgresOrSkip(t)
	prefix := testenv.UniqueName("wct")
	shared := func(c *configs.Config) { c.RedisURL, c.RedisPrefix = redisURL, prefix }
	nodeA := testenv.New(t, testenv.Postgres, shared)
	cfg := testenv.Config()
	shared(cfg)
	nodeB := testenv.NewOnDB(t, testenv.Postgres, nodeA.App.DB, nodeA.DBURL, cfg)

	alice, bob := nodeA.Register(t, "alice"), nodeA.Register(t, "bob")
	nodeA.Befriend(t, alice, bob)
	res := sendWithFiles(t, nodeA, alice, bob, "react to me")
	testenv.Expect(t, res, http.StatusCreated)
	var m fileMessage
	res.JSON(t, &m)
	conn := adminDialReady(t, nodeB, "/ws/private", alice)

	testenv.Expect(t, react(t, nodeA, bob, "private", m.ID, "🎉"), http.StatusNoContent)
	ev := nextFrame(t, conn, "reaction.added")
	if ev.MessageID != m.ID || ev.UserID != bob.ID || ev.Emoji != "🎉" || ev.Conversation.Type != "private" {
		t.Fatalf("reaction.added %+v", ev)
	}
	testenv.Expect(t, nodeA.Delete(t, reactionPath("private", m.ID, "🎉"), bob.AccessToken), http.StatusNoContent)
	if ev := nextFrame(t, conn, "reaction.removed"); ev.MessageID != m.ID || ev.UserID != bob.ID || ev.Emoji != "🎉" {
		t.Fatalf("reaction.removed %+v", ev)
	}
}

// reactionFrame is the data of reaction.added / reaction.removed.
type reactionFrame struct {
	MessageID    uint64 `json:"messageId"`
	Conversation struct {
		Type string `json:"type"`
		ID   uint64 `json:"id"`
	} `json:"conversation"`
	UserID uint64 `json:"userId"`
	Emoji  string `json:"emoji"`
}

// nextFrame reads frames until one of type typ (other frames are skipped),
// failing if none comes within readyWait.
func nextFrame(t *testing.T, conn *websocket.Conn, typ string) reactionFrame {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(readyWait))
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var f struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &f) != nil || f.Type != typ {
			continue
		}
		var ev reactionFrame
		if err := json.Unmarshal(f.Data, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
}
