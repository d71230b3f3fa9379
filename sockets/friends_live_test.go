package sockets_test

import (
	"fmt"
	"net/http"
	"testing"

	"workcomm/testenv"
)

// Friend frames as a client decodes them.
type (
	wsUser struct {
		ID       uint64 `json:"id"`
		Username string `json:"username"`
	}
	wsFriendRequest struct {
		ID   uint64 `json:"id"`
		From wsUser `json:"from"`
		To   wsUser `json:"to"`
	}
)

func (c *wsConn) expectRequested(t testing.TB) wsFriendRequest {
	t.Helper()
	var d struct {
		Request wsFriendRequest `json:"request"`
	}
	decode(t, c.expect(t, "friend.requested", "presence").Data, &d)
	return d.Request
}

// expectAccepted reads friend.accepted and returns the friend's user id.
func (c *wsConn) expectAccepted(t testing.TB) uint64 {
	t.Helper()
	var d struct {
		Friend struct {
			User  wsUser `json:"user"`
			Since string `json:"since"`
		} `json:"friend"`
	}
	decode(t, c.expect(t, "friend.accepted", "presence").Data, &d)
	if d.Friend.Since == "" {
		t.Fatalf("%s: friend.accepted without since", c.name)
	}
	return d.Friend.User.ID
}

func (c *wsConn) expectDeclined(t testing.TB) uint64 {
	t.Helper()
	var d struct {
		RequestID uint64 `json:"requestId"`
	}
	decode(t, c.expect(t, "friend.declined", "presence").Data, &d)
	return d.RequestID
}

func (c *wsConn) expectRemoved(t testing.TB) uint64 {
	t.Helper()
	var d struct {
		UserID uint64 `json:"userId"`
	}
	decode(t, c.expect(t, "friend.removed", "presence").Data, &d)
	return d.UserID
}

// sendFriendRequest posts a request through node and answers its id (201)
// or 0 when it became a friendship at once (200).
func sendFriendRequest(t testing.TB, node *testenv.Env, from, to *testenv.User) uint64 {
	t.Helper()
	res := node.Post(t, "/api/v1/friends/requests", from.AccessToken, map[string]any{"userId": to.ID})
	if res.Status == http.StatusOK {
		return 0
	}
	testenv.Expect(t, res, http.StatusCreated)
	var r struct {
		ID uint64 `json:"id"`
	}
	res.JSON(t, &r)
	return r.ID
}

// friendEvents plays every friend frame of the contract with alice's sockets
// on node a and bob's on node b (one socket on each node for bob), and
// checks each reaches the right sockets only: every expect fails on a frame
// it does not expect (presence aside), and carol, a third user with sockets
// on both nodes, receives nothing until the frame dave finally sends her.
// Users and REST calls go through either node: a and b share one database.
func friendEvents(t *testing.T, a, b *testenv.Env) {
	alice, bob, carol, dave := a.Register(t, "alice"), a.Register(t, "bob"), a.Register(t, "carol"), a.Register(t, "dave")
	aliceWS, _ := connect(t, a, "/ws/private", alice)
	bobOnB, _ := connect(t, b, "/ws/private", bob)
	bobOnA, _ := connect(t, a, "/ws/private", bob)
	carolOnA, _ := connect(t, a, "/ws/private", carol)
	carolOnB, _ := connect(t, b, "/ws/private", carol)
	daveWS, _ := connect(t, b, "/ws/private", dave)
	bobs := []*wsConn{bobOnB, bobOnA}

	t.Run("a request reaches every socket of its addressee, not its sender", func(t *testing.T) {
		id := sendFriendRequest(t, a, alice, bob)
		for _, c := range bobs {
			r := c.expectRequested(t)
			if r.ID != id || r.From.ID != alice.ID || r.To.ID != bob.ID || r.From.Username != alice.Username {
				t.Fatalf("%s: friend.requested %+v, want request %d from %d to %d", c.name, r, id, alice.ID, bob.ID)
			}
		}

		t.Run("a declined request is told to its sender only", func(t *testing.T) {
			testenv.Expect(t, b.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/decline", id), bob.AccessToken, nil), http.StatusNoContent)
			// alice's next frame: a friend.requested to herself would fail here.
			if got := aliceWS.expectDeclined(t); got != id {
				t.Fatalf("alice: friend.declined of %d, want %d", got, id)
			}
		})
	})

	t.Run("an accepted request reaches both sides, each seeing the other", func(t *testing.T) {
		id := sendFriendRequest(t, b, alice, bob)
		for _, c := range bobs {
			// bob's next frame: a friend.declined of the first request would fail here.
			if r := c.expectRequested(t); r.ID != id {
				t.Fatalf("%s: request %d, want %d", c.name, r.ID, id)
			}
		}
		testenv.Expect(t, b.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", id), bob.AccessToken, nil), http.StatusOK)
		if got := aliceWS.expectAccepted(t); got != bob.ID {
			t.Fatalf("alice's new friend is %d, want bob %d", got, bob.ID)
		}
		for _, c := range bobs {
			if got := c.expectAccepted(t); got != alice.ID {
				t.Fatalf("%s: new friend %d, want alice %d", c.name, got, alice.ID)
			}
		}
	})

	t.Run("a removal reaches both sides with the other's id", func(t *testing.T) {
		testenv.Expect(t, a.Delete(t, fmt.Sprintf("/api/v1/friends/%d", bob.ID), alice.AccessToken), http.StatusNoContent)
		if got := aliceWS.expectRemoved(t); got != bob.ID {
			t.Fatalf("alice: friend.removed %d, want %d", got, bob.ID)
		}
		for _, c := range bobs {
			if got := c.expectRemoved(t); got != alice.ID {
				t.Fatalf("%s: friend.removed %d, want %d", c.name, got, alice.ID)
			}
		}
	})

	t.Run("asking someone who already asked you is an acceptance on both sides", func(t *testing.T) {
		id := sendFriendRequest(t, b, bob, alice)
		if r := aliceWS.expectRequested(t); r.ID != id || r.From.ID != bob.ID {
			t.Fatalf("alice: request %+v, want %d from bob", r, id)
		}
		if got := sendFriendRequest(t, a, alice, bob); got != 0 {
			t.Fatalf("alice's request to bob, who had asked her, made request %d; want the friendship (200)", got)
		}
		if got := aliceWS.expectAccepted(t); got != bob.ID {
			t.Fatalf("alice's new friend is %d, want %d", got, bob.ID)
		}
		for _, c := range bobs {
			// No friend.requested for alice's request: it never existed.
			if got := c.expectAccepted(t); got != alice.ID {
				t.Fatalf("%s: new friend %d, want %d", c.name, got, alice.ID)
			}
		}
	})

	t.Run("a withdrawn request is told to its addressee", func(t *testing.T) {
		id := sendFriendRequest(t, a, alice, dave)
		if r := daveWS.expectRequested(t); r.ID != id {
			t.Fatalf("dave: request %d, want %d", r.ID, id)
		}
		testenv.Expect(t, a.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/decline", id), alice.AccessToken, nil), http.StatusNoContent)
		if got := daveWS.expectDeclined(t); got != id {
			t.Fatalf("dave: friend.declined of %d, want %d", got, id)
		}
	})

	t.Run("a third user received none of it", func(t *testing.T) {
		// Published after everything above, through the same broker: once
		// carol's sockets have it, they had everything meant for them before.
		id := sendFriendRequest(t, b, dave, carol)
		for _, c := range []*wsConn{carolOnA, carolOnB} {
			f := c.read(t)
			if f.Type != "friend.requested" {
				t.Fatalf("%s: got %s %s before dave's request", c.name, f.Type, f.Data)
			}
			var d struct {
				Request wsFriendRequest `json:"request"`
			}
			decode(t, f.Data, &d)
			if d.Request.ID != id {
				t.Fatalf("%s: request %d, want dave's %d", c.name, d.Request.ID, id)
			}
		}
	})
}

// groupRenamed checks that a rename by the owner through node a reaches the
// group sockets of the members (bob on node b) and no one else's.
func groupRenamed(t *testing.T, a, b *testenv.Env) {
	alice, bob, carol := a.Register(t, "owner"), a.Register(t, "member"), a.Register(t, "outsider")
	g := createGroup(t, a, alice, bob)
	other := createGroup(t, a, carol)
	aliceWS, _ := connect(t, a, "/ws/group", alice)
	bobWS, _ := connect(t, b, "/ws/group", bob)
	carolWS, _ := connect(t, b, "/ws/group", carol)

	type updated struct {
		Group struct {
			ID          uint64 `json:"id"`
			Name        string `json:"name"`
			Description string `json:"description"`
			OwnerID     uint64 `json:"ownerId"`
		} `json:"group"`
	}
	rename := func(t *testing.T, by *testenv.User, group uint64, body map[string]any) {
		t.Helper()
		testenv.Expect(t, a.Patch(t, fmt.Sprintf("/api/v1/chat/groups/%d", group), by.AccessToken, body), http.StatusOK)
	}
	next := func(t *testing.T, c *wsConn) updated {
		t.Helper()
		var d updated
		decode(t, c.expect(t, "group.updated", "presence").Data, &d)
		return d
	}

	rename(t, alice, g, map[string]any{"name": "Renamed", "description": "new words"})
	for _, c := range []*wsConn{aliceWS, bobWS} {
		if d := next(t, c); d.Group.ID != g || d.Group.Name != "Renamed" || d.Group.Description != "new words" || d.Group.OwnerID != alice.ID {
			t.Fatalf("%s: group.updated %+v", c.name, d.Group)
		}
	}
	// carol's own group renamed afterwards is the first group.updated she sees.
	rename(t, carol, other, map[string]any{"name": "Carol's"})
	if d := next(t, carolWS); d.Group.ID != other || d.Group.Name != "Carol's" {
		t.Fatalf("carol saw group.updated %+v first, want only her own group %d", d.Group, other)
	}
	// A PATCH that changes nothing pushes nothing: the next rename is the
	// next group.updated bob sees.
	rename(t, alice, g, map[string]any{})
	rename(t, alice, g, map[string]any{"name": "Renamed again"})
	if d := next(t, bobWS); d.Group.Name != "Renamed again" {
		t.Fatalf("bob: group.updated %+v, want the second rename", d.Group)
	}
}

func TestFriendEventsReachTheRightSocketsOnly(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		friendEvents(t, env, env)
	})
}

func TestGroupRenameReachesItsMembersOnly(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		groupRenamed(t, env, env)
	})
}

func TestFriendEventsCrossNodes(t *testing.T) {
	nodeA, nodeB := twoNodes(t)
	t.Run("friend events", func(t *testing.T) { friendEvents(t, nodeA, nodeB) })
	t.Run("group rename", func(t *testing.T) { groupRenamed(t, nodeA, nodeB) })
}
