package sockets_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"workcomm/configs"
	"workcomm/models"
	"workcomm/testenv"
)

// twoNodes starts two nodes on one PostgreSQL database and one Redis, under a
// channel and key prefix of this test's own.
func twoNodes(t *testing.T) (a, b *testenv.Env) {
	t.Helper()
	url := testenv.RequireRedisOrSkip(t)
	testenv.RequirePostgresOrSkip(t)
	prefix := testenv.UniqueName("wct")
	shared := func(c *configs.Config) { c.RedisURL, c.RedisPrefix = url, prefix }
	a = testenv.New(t, testenv.Postgres, shared)
	cfg := testenv.Config()
	shared(cfg)
	b = testenv.NewOnDB(t, testenv.Postgres, a.App.DB, a.DBURL, cfg)
	return a, b
}

func TestTwoNodesShareEverything(t *testing.T) {
	nodeA, nodeB := twoNodes(t)
	u := friends(t, nodeA, "alice", "bob")
	alice, bob := u[0], u[1]
	carol := nodeA.Register(t, "carol")
	g := createGroup(t, nodeA, alice, carol)

	t.Run("readiness checks Redis", func(t *testing.T) {
		res := nodeB.Get(t, "/readyz", "")
		testenv.Expect(t, res, http.StatusOK)
		if !strings.Contains(string(res.Body), `"redis":"ok"`) {
			t.Fatalf("readyz = %s", res.Body)
		}
	})

	bobOnB, _ := connect(t, nodeB, "/ws/private", bob)
	t.Run("presence crosses from A to B", func(t *testing.T) {
		aliceOnA, _ := connect(t, nodeA, "/ws/private", alice)
		var p struct {
			UserID uint64 `json:"userId"`
			Status string `json:"status"`
		}
		decode(t, bobOnB.expect(t, "presence").Data, &p)
		if p.UserID != alice.ID || p.Status != "online" {
			t.Fatalf("bob on B saw %+v", p)
		}
		res := nodeB.Get(t, fmt.Sprintf("/api/v1/users/%d", alice.ID), bob.AccessToken)
		if !strings.Contains(string(res.Body), `"online":true`) {
			t.Fatalf("node B's view of alice: %s", res.Body)
		}

		t.Run("a message and typing cross from A to B", func(t *testing.T) {
			aliceOnA.send(t, "message.send", "m", map[string]any{"toUserId": bob.ID, "body": "across nodes"})
			ack := aliceOnA.expectMessage(t, "ack")
			if m := bobOnB.expectMessage(t, "message.new"); m.ID != ack.ID || m.Body != "across nodes" {
				t.Fatalf("bob on B got %+v", m)
			}
			aliceOnA.send(t, "typing", "", map[string]any{"toUserId": bob.ID})
			var typing map[string]any
			decode(t, bobOnB.expect(t, "typing", "presence").Data, &typing)
			if typing["userId"] != float64(alice.ID) {
				t.Fatalf("typing on B: %v", typing)
			}
		})
	})

	t.Run("group messages and membership cross nodes", func(t *testing.T) {
		carolOnB, _ := connect(t, nodeB, "/ws/group", carol)
		bobGroupsOnB, _ := connect(t, nodeB, "/ws/group", bob)
		m := restSend(t, nodeA, groupMessages(g), alice.AccessToken, "group across")
		if got := carolOnB.expectMessage(t, "message.new"); got.ID != m.ID {
			t.Fatalf("carol on B got %+v", got)
		}
		testenv.Expect(t, nodeA.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/members", g), alice.AccessToken, map[string]any{"userId": bob.ID}), http.StatusCreated)
		bobGroupsOnB.expect(t, "group.joined", "presence")
		m = restSend(t, nodeA, groupMessages(g), alice.AccessToken, "welcome bob")
		if got := bobGroupsOnB.expectMessage(t, "message.new"); got.ID != m.ID {
			t.Fatalf("bob on B got %+v", got)
		}
	})

	t.Run("a ban on A closes the user's socket on B, and the old token is refused", func(t *testing.T) {
		ctx := context.Background()
		if err := models.BumpTokenVersion(ctx, nodeA.App.DB, bob.ID); err != nil {
			t.Fatal(err)
		}
		nodeA.App.Services.Publisher.Kick(ctx, bob.ID)
		bobOnB.expectClose(t, websocket.ClosePolicyViolation)
		_, res, err := dialRaw(nodeB, "/ws/private", http.Header{"Authorization": {"Bearer " + bob.AccessToken}})
		if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("reconnecting with the old token: %v %v", res, err)
		}
	})
}
