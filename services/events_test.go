package services_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"workcomm/presence"
	"workcomm/services"
	"workcomm/testenv"
	"workcomm/views"
)

// eventRecorder wraps a node's Publisher and records every event published,
// passing each on to the real one.
type eventRecorder struct {
	services.Publisher
	mu     sync.Mutex
	events []services.Event
}

func (r *eventRecorder) Publish(ctx context.Context, evs ...services.Event) {
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	r.Publisher.Publish(ctx, evs...)
}

// of returns the events of a frame type recorded so far.
func (r *eventRecorder) of(typ string) []services.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []services.Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func TestGroupCreationPublishesOneEventForAllMembers(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	rec := &eventRecorder{Publisher: env.App.Services.Publisher}
	env.App.Services.Publisher = rec // before any request
	owner := env.Register(t, "owner")
	var ids []uint64
	for range 5 {
		ids = append(ids, env.Register(t, "member").ID)
	}
	res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": "team", "memberIds": ids})
	testenv.Expect(t, res, http.StatusCreated)
	var g struct{ ID uint64 }
	res.JSON(t, &g)
	joined := rec.of(services.EventGroupJoined)
	if len(joined) != 1 {
		t.Fatalf("%d group.joined events for one group, want 1", len(joined))
	}
	e := joined[0]
	want := append([]uint64{owner.ID}, ids...)
	if e.Membership != services.Join || e.Room != g.ID || !slices.Equal(slices.Sorted(slices.Values(e.Users)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("event %+v, want a join of %v to room %d", e, want, g.ID)
	}
	if data, ok := e.Data.(views.GroupJoined); !ok || len(data.Group.Members) != len(want) {
		t.Fatalf("data %#v, want the group with its %d members", e.Data, len(want))
	}
}

// A node that dies with a user's socket open leaves them online in Redis
// until their entry expires; the surviving node's Presence then announces
// them offline to their friends.
func TestADeadNodesUsersAreAnnouncedOffline(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	env := testenv.New(t, testenv.SQLite)
	alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
	env.Befriend(t, alice, bob)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	prefix, quick := testenv.UniqueName("wcp"), presence.Timings{TTL: 300 * time.Millisecond, Refresh: 50 * time.Millisecond}
	survivor := presence.NewRedis(client, prefix, quick, env.App.Log)
	t.Cleanup(func() { survivor.Close() })

	// The surviving node's services, on the test app's database.
	core := *env.App.Services.Core
	rec := &eventRecorder{Publisher: core.Publisher}
	core.Tracker, core.Publisher = survivor, rec
	svc := services.New(&core, nil, nil)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go svc.Presence.WatchExpired(ctx)

	doomed := presence.NewRedis(client, prefix, quick, env.App.Log)
	if came, err := doomed.Connect(ctx, bob.ID); err != nil || !came {
		t.Fatalf("connect: %v %v", came, err)
	}
	doomed.Close() // the node dies: no more refreshes, no goodbye

	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		for _, e := range rec.of(services.EventPresence) {
			p, _ := e.Data.(views.Presence)
			if p.UserID == bob.ID && p.Status == "offline" && p.LastSeenAt != nil &&
				e.Socket == services.PrivateSocket && slices.Equal(e.Users, []uint64{alice.ID}) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no offline presence of bob to alice; events: %s", fmt.Sprint(rec.of(services.EventPresence)))
		}
	}
}
