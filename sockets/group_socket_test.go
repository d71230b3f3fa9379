package sockets_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"workcomm/models"
	"workcomm/ratelimit"
	"workcomm/testenv"
)

func groupsOf(t testing.TB, ready wsFrame) []uint64 {
	t.Helper()
	var d struct {
		Groups []uint64 `json:"groups"`
	}
	decode(t, ready.Data, &d)
	return d.Groups
}

func TestGroupSocket(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, carol, dave := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "carol"), env.Register(t, "dave")
		g := createGroup(t, env, alice, bob, carol)
		side := createGroup(t, env, bob, alice) // bob's other group, for markers
		davesOwn := createGroup(t, env, dave)   // dave's only group, for markers

		a1, readyA := connect(t, env, "/ws/group", alice)
		b1, _ := connect(t, env, "/ws/group", bob)
		c1, _ := connect(t, env, "/ws/group", carol)
		d1, readyD := connect(t, env, "/ws/group", dave)
		if got := groupsOf(t, readyA); fmt.Sprint(got) != fmt.Sprint([]uint64{g, side}) {
			t.Fatalf("alice's ready groups %v, want [%d %d]", got, g, side)
		}
		if got := groupsOf(t, readyD); fmt.Sprint(got) != fmt.Sprint([]uint64{davesOwn}) {
			t.Fatalf("dave's ready groups %v", got)
		}
		// daveMarker proves dave received nothing before it: his own message in his own group.
		daveMarker := func(t *testing.T) {
			t.Helper()
			m := restSend(t, env, groupMessages(davesOwn), dave.AccessToken, "dave's marker")
			if got := d1.expectMessage(t, "message.new"); got.ID != m.ID {
				t.Fatalf("dave got %+v before his marker", got)
			}
		}

		t.Run("a member's message reaches every member, ack first for the sender, never an outsider", func(t *testing.T) {
			a1.send(t, "message.send", "g1", map[string]any{"groupId": g, "body": "hello group", "clientMsgId": "gc-1"})
			ack := a1.expectMessage(t, "ack")
			if ack.Conversation.Type != "group" || ack.Conversation.ID != g || ack.Seq != 1 {
				t.Fatalf("ack %+v", ack)
			}
			for _, c := range []*wsConn{a1, b1, c1} {
				if m := c.expectMessage(t, "message.new"); m.ID != ack.ID {
					t.Fatalf("%s got %+v", c.name, m)
				}
			}
			daveMarker(t)
		})

		t.Run("typing reaches the other members; read reaches every member", func(t *testing.T) {
			a1.send(t, "typing", "", map[string]any{"groupId": g})
			for _, c := range []*wsConn{b1, c1} {
				var d map[string]any
				decode(t, c.expect(t, "typing", "presence").Data, &d)
				if d["userId"] != float64(alice.ID) || d["groupId"] != float64(g) {
					t.Fatalf("%s: typing %v", c.name, d)
				}
			}
			b1.send(t, "read", "", map[string]any{"groupId": g, "seq": 1})
			for _, c := range []*wsConn{a1, b1, c1} {
				var d struct {
					UserID       uint64 `json:"userId"`
					Seq          uint64 `json:"seq"`
					Conversation struct {
						Type string `json:"type"`
						ID   uint64 `json:"id"`
					} `json:"conversation"`
				}
				decode(t, c.expect(t, "read", "presence").Data, &d)
				if d.UserID != bob.ID || d.Seq != 1 || d.Conversation.Type != "group" || d.Conversation.ID != g {
					t.Fatalf("%s: read %+v", c.name, d)
				}
			}
			daveMarker(t)
		})

		t.Run("an outsider's send, typing, read and sync are not_found; nothing stored or delivered", func(t *testing.T) {
			var before int64
			env.App.DB.Model(&models.Message{}).Count(&before)
			d1.send(t, "message.send", "o1", map[string]any{"groupId": g, "body": "let me in"})
			d1.expectError(t, "not_found", "o1")
			d1.send(t, "typing", "o2", map[string]any{"groupId": g})
			d1.expectError(t, "not_found", "o2")
			d1.send(t, "read", "o3", map[string]any{"groupId": g, "seq": 1})
			d1.expectError(t, "not_found", "o3")
			d1.send(t, "sync", "o4", map[string]any{"conversations": []map[string]any{{"groupId": g, "afterSeq": 0}}})
			d1.expectError(t, "not_found", "o4")
			var after int64
			env.App.DB.Model(&models.Message{}).Count(&after)
			if after != before {
				t.Fatalf("%d messages stored, want %d", after, before)
			}
			m := restSend(t, env, groupMessages(g), carol.AccessToken, "members' marker")
			for _, c := range []*wsConn{a1, b1, c1} {
				if got := c.expectMessage(t, "message.new"); got.ID != m.ID {
					t.Fatalf("%s got %+v before the marker", c.name, got)
				}
			}
		})

		t.Run("a member added while connected joins at once and receives what follows", func(t *testing.T) {
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/members", g), alice.AccessToken, map[string]any{"userId": dave.ID}), http.StatusCreated)
			var joined struct {
				Group struct {
					ID      uint64 `json:"id"`
					Members []struct {
						User struct {
							ID uint64 `json:"id"`
						} `json:"user"`
					} `json:"members"`
				} `json:"group"`
			}
			decode(t, d1.expect(t, "group.joined", "presence").Data, &joined)
			if joined.Group.ID != g || len(joined.Group.Members) != 4 {
				t.Fatalf("group.joined %+v", joined)
			}
			m := restSend(t, env, groupMessages(g), alice.AccessToken, "welcome dave")
			for _, c := range []*wsConn{a1, b1, c1, d1} {
				if got := c.expectMessage(t, "message.new"); got.ID != m.ID {
					t.Fatalf("%s got %+v", c.name, got)
				}
			}
		})

		t.Run("a removed member leaves at once and receives nothing more", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/%d/members/%d", g, bob.ID), alice.AccessToken), http.StatusNoContent)
			var left struct {
				GroupID uint64 `json:"groupId"`
			}
			decode(t, b1.expect(t, "group.left", "presence").Data, &left)
			if left.GroupID != g {
				t.Fatalf("group.left %+v", left)
			}
			restSend(t, env, groupMessages(g), alice.AccessToken, "after bob left")
			m := restSend(t, env, groupMessages(side), alice.AccessToken, "bob's marker")
			if got := b1.expectMessage(t, "message.new"); got.ID != m.ID {
				t.Fatalf("bob got %+v, want only the marker %d", got, m.ID)
			}
			b1.send(t, "message.send", "b1", map[string]any{"groupId": g, "body": "still here?"})
			b1.expectError(t, "not_found", "b1")
		})

		t.Run("deleting the group makes every member's socket leave it", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/groups/%d", g), alice.AccessToken), http.StatusNoContent)
			for _, c := range []*wsConn{a1, c1, d1} {
				// Skip the two messages of the previous story that bob missed.
				var left struct {
					GroupID uint64 `json:"groupId"`
				}
				decode(t, c.expect(t, "group.left", "presence", "message.new").Data, &left)
				if left.GroupID != g {
					t.Fatalf("%s: group.left %+v", c.name, left)
				}
			}
		})
	})
}

func TestGroupSync(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		env.App.Services.Limits.Messages = ratelimit.NewRate(1000, 1000) // 250 messages at once
		alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
		g := createGroup(t, env, alice, bob)
		for i := 1; i <= 250; i++ {
			restSend(t, env, groupMessages(g), alice.AccessToken, fmt.Sprintf("m%d", i))
		}
		b1, _ := connect(t, env, "/ws/group", bob)
		// More than one page, and more than the push queue holds: sync answers
		// at the reader's pace, so a long catch-up cannot overflow the socket.
		b1.send(t, "sync", "s", map[string]any{"conversations": []map[string]any{{"groupId": g, "afterSeq": 10}}})
		for want := uint64(11); want <= 250; want++ {
			if m := b1.expectMessage(t, "message.new"); m.Seq != want {
				t.Fatalf("sync gave seq %d, want %d", m.Seq, want)
			}
		}
		if f := b1.expect(t, "sync.done", "presence"); string(f.ID) != `"s"` {
			t.Fatalf("sync.done id %s", f.ID)
		}
	})
}

// TestConcurrentSendersGetGaplessSeqs has 20 members send 50 messages each
// into one group at once over their sockets: the seqs are exactly 1..1000 and
// a connected member receives 1000 distinct messages.
func TestConcurrentSendersGetGaplessSeqs(t *testing.T) {
	testenv.RequirePostgresOrSkip(t)
	const senders, perSender = 20, 50
	env := testenv.New(t, testenv.Postgres)
	env.App.Services.Limits.Messages = ratelimit.NewRate(1e6, 1e6) // the per-user limit is not under test
	owner := env.Register(t, "owner")
	later := time.Now().Add(time.Hour)
	// 22 members: more than the free plan's 10.
	if err := models.UpdateUser(t.Context(), env.App.DB, owner.ID, map[string]any{"plan": models.PlanPremium, "plan_expires_at": later}); err != nil {
		t.Fatal(err)
	}
	users := make([]*testenv.User, senders)
	for i := range users {
		users[i] = env.Register(t, fmt.Sprintf("s%d", i))
	}
	listener := env.Register(t, "listener")
	g := createGroup(t, env, owner, append(users, listener)...)
	l1, _ := connect(t, env, "/ws/group", listener)

	// The listener counts distinct messages on its own goroutine.
	received := make(chan map[uint64]uint64, 1)
	go func() {
		seen := map[uint64]uint64{}
		_ = l1.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		for len(seen) < senders*perSender {
			var f wsFrame
			if err := l1.conn.ReadJSON(&f); err != nil {
				break
			}
			if f.Type == "message.new" {
				var d struct {
					Message wsMessage `json:"message"`
				}
				if err := json.Unmarshal(f.Data, &d); err == nil {
					seen[d.Message.ID] = d.Message.Seq
				}
			}
		}
		received <- seen
	}()

	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for i, u := range users {
		c, _ := connect(t, env, "/ws/group", u)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perSender; j++ {
				if err := c.conn.WriteJSON(map[string]any{"type": "message.send", "id": fmt.Sprint(j),
					"data": map[string]any{"groupId": g, "body": fmt.Sprintf("%d-%d", i, j), "clientMsgId": fmt.Sprintf("%d-%d", i, j)}}); err != nil {
					errs <- err
					return
				}
			}
			acks := 0
			_ = c.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
			for acks < perSender {
				var f wsFrame
				if err := c.conn.ReadJSON(&f); err != nil {
					errs <- fmt.Errorf("sender %d after %d acks: %w", i, acks, err)
					return
				}
				switch f.Type {
				case "ack":
					acks++
				case "error":
					errs <- fmt.Errorf("sender %d: error %s", i, f.Data)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var seqs []uint64
	if err := env.App.DB.Model(&models.Message{}).Where("conv_type = ? AND conv_id = ?", models.ConvGroup, g).
		Order("seq").Pluck("seq", &seqs).Error; err != nil {
		t.Fatal(err)
	}
	if len(seqs) != senders*perSender {
		t.Fatalf("%d messages stored, want %d", len(seqs), senders*perSender)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("seq %d at position %d: not exactly 1..%d", s, i, len(seqs))
		}
	}
	seen := <-received
	if len(seen) != senders*perSender {
		t.Fatalf("the listener received %d distinct messages, want %d", len(seen), senders*perSender)
	}
}
