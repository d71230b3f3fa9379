package presence_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"workcomm/presence"
	"workcomm/testenv"
)

// fast timings so that a dead node's entries expire within the test.
var fast = presence.Timings{TTL: 300 * time.Millisecond, Refresh: 50 * time.Millisecond}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RequireRedisOrSkip(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestSharedPresenceAcrossNodes(t *testing.T) {
	client, prefix, ctx := redisClient(t), testenv.UniqueName("wcp"), context.Background()
	a := presence.NewRedis(client, prefix, presence.DefaultTimings, quiet)
	b := presence.NewRedis(client, prefix, presence.DefaultTimings, quiet)
	t.Cleanup(func() { a.Close(); b.Close() })
	const user = 7

	steps := []struct {
		story   string
		do      func() (bool, error)
		changed bool
		online  bool
	}{
		{"a first socket on node A brings the user online", func() (bool, error) { return a.Connect(ctx, user) }, true, true},
		{"a second socket on node A changes nothing", func() (bool, error) { return a.Connect(ctx, user) }, false, true},
		{"a socket on node B changes nothing", func() (bool, error) { return b.Connect(ctx, user) }, false, true},
		{"node A's sockets closing leave the user online through B", func() (bool, error) {
			if _, err := a.Disconnect(ctx, user); err != nil {
				return false, err
			}
			return a.Disconnect(ctx, user)
		}, false, true},
		{"the last socket, on B, takes the user offline", func() (bool, error) { return b.Disconnect(ctx, user) }, true, false},
	}
	for _, s := range steps {
		t.Run(s.story, func(t *testing.T) {
			changed, err := s.do()
			if err != nil {
				t.Fatal(err)
			}
			if changed != s.changed {
				t.Fatalf("changed = %v, want %v", changed, s.changed)
			}
			for name, n := range map[string]presence.Tracker{"A": a, "B": b} {
				online, err := n.Online(ctx, []uint64{user, 99})
				if err != nil {
					t.Fatal(err)
				}
				count, _ := n.Count(ctx)
				if online[user] != s.online || online[99] || (count == 1) != s.online {
					t.Fatalf("node %s: online %v, count %d; want online=%v", name, online, count, s.online)
				}
			}
		})
	}
}

func TestACrashedNodeDoesNotLeaveUsersOnline(t *testing.T) {
	client, prefix, ctx := redisClient(t), testenv.UniqueName("wcp"), context.Background()
	var mu sync.Mutex
	var expired []uint64
	survivor := presence.NewRedis(client, prefix, fast, quiet)
	go func() {
		for id := range survivor.Expired() {
			mu.Lock()
			expired = append(expired, id)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { survivor.Close() })
	doomed := presence.NewRedis(client, prefix, fast, quiet)
	if came, err := doomed.Connect(ctx, 42); err != nil || !came {
		t.Fatalf("connect: %v %v", came, err)
	}
	// The node dies: it stops refreshing and never says goodbye.
	doomed.Close()

	deadline := time.Now().Add(10 * time.Second)
	for {
		online, err := survivor.Online(ctx, []uint64{42})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(expired)
		mu.Unlock()
		if !online[42] && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user 42 still online=%v, %d expiry announcements", online[42], n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(expired) != 1 || expired[0] != 42 {
		t.Fatalf("expiry announced for %v, want [42] once", expired)
	}
}
