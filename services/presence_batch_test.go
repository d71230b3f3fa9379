package services_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"workcomm/presence"
	"workcomm/services"
	"workcomm/testenv"
	"workcomm/views"
)

// publishCounter records every Publish call (not passed on: no socket
// listens in these tests).
type publishCounter struct {
	mu    sync.Mutex
	calls [][]services.Event
}

func (p *publishCounter) Publish(_ context.Context, evs ...services.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, evs)
}

func (p *publishCounter) Kick(context.Context, uint64) {}

func (p *publishCounter) presence() (calls int, evs []services.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.calls {
		if len(c) > 0 {
			calls++
		}
		for _, e := range c {
			if e.Type == services.EventPresence {
				evs = append(evs, e)
			}
		}
	}
	return calls, evs
}

// sqlCounter counts the UPDATE statements run through a session.
type sqlCounter struct {
	logger.Interface
	mu      sync.Mutex
	updates int
}

func (c *sqlCounter) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	if strings.HasPrefix(strings.TrimSpace(sql), "UPDATE") {
		c.mu.Lock()
		c.updates++
		c.mu.Unlock()
	}
}

// presenceNode is a Presence on the test app's database with its own
// tracker, publisher and window, and a count of its UPDATE statements.
func presenceNode(t *testing.T, env *testenv.Env, window time.Duration) (*services.Presence, *publishCounter, *sqlCounter) {
	t.Helper()
	core := *env.App.Services.Core
	cfg := *core.Config
	cfg.PresenceWindow = window
	pub, sqls := &publishCounter{}, &sqlCounter{Interface: logger.Discard}
	core.Config, core.Tracker, core.Publisher = &cfg, presence.NewLocal(), pub
	core.DB = core.DB.Session(&gorm.Session{Logger: sqls})
	p := services.New(&core, nil, nil).Presence
	t.Cleanup(func() { p.Close() })
	return p, pub, sqls
}

func TestPresenceBurstIsAnnouncedOnce(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		// A company: boss is friends with everyone; all are in one group.
		boss := env.Register(t, "boss")
		var staff []*testenv.User
		for range 9 { // a free plan's group holds 10
			u := env.Register(t, "staff")
			env.Befriend(t, boss, u)
			staff = append(staff, u)
		}
		var staffIDs []uint64
		for _, u := range staff {
			staffIDs = append(staffIDs, u.ID)
		}
		res := env.Post(t, "/api/v1/chat/groups", boss.AccessToken, map[string]any{"name": "all", "memberIds": staffIDs})
		testenv.Expect(t, res, 201)

		const window = 150 * time.Millisecond
		p, pub, sqls := presenceNode(t, env, window)
		ctx := context.Background()
		start := time.Now()
		for _, u := range staff {
			p.Connected(ctx, u.ID)
			p.Connected(ctx, u.ID) // the second socket of the user: no change
		}
		for time.Since(start) < 10*time.Second {
			if calls, _ := pub.presence(); calls > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(2 * window) // nothing else is coming
		calls, evs := pub.presence()
		if calls != 1 {
			t.Fatalf("%d publishes for a burst of %d connects, want 1", calls, len(staff))
		}
		if sqls.updates != 1 {
			t.Fatalf("%d UPDATE statements for the burst, want 1", sqls.updates)
		}
		// Each user's presence reaches boss once on the private socket, and
		// each co-member once on the group socket.
		seen := map[[3]uint64]int{} // socket, recipient, subject
		for _, e := range evs {
			d := e.Data.(views.Presence)
			if d.Status != "online" || d.LastSeenAt == nil {
				t.Fatalf("event %+v, want online with lastSeenAt", d)
			}
			for _, r := range e.Users {
				seen[[3]uint64{uint64(e.Socket), r, d.UserID}]++
			}
		}
		for _, u := range staff {
			if n := seen[[3]uint64{uint64(services.PrivateSocket), boss.ID, u.ID}]; n != 1 {
				t.Fatalf("boss got %s's presence %d times on the private socket, want 1", u.Username, n)
			}
			for _, other := range append(slices.Clone(staff), boss) {
				want := 1
				if other.ID == u.ID {
					want = 0
				}
				if n := seen[[3]uint64{uint64(services.GroupSocket), other.ID, u.ID}]; n != want {
					t.Fatalf("%s got %s's presence %d times on the group socket, want %d", other.Username, u.Username, n, want)
				}
			}
		}
	})
}

func TestPresenceWithinOneWindow(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	alice, bob := env.Register(t, "alice"), env.Register(t, "bob")
	env.Befriend(t, alice, bob)
	ctx := context.Background()

	t.Run("a lone change goes out within the window", func(t *testing.T) {
		const window = 100 * time.Millisecond
		p, pub, _ := presenceNode(t, env, window)
		start := time.Now()
		p.Connected(ctx, alice.ID)
		for {
			if _, evs := pub.presence(); len(evs) == 1 {
				break
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("no presence after 5 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if took := time.Since(start); took < window || took > window+time.Second {
			t.Fatalf("announced after %v, want one window (%v) and the flush's queries", took, window)
		}
	})

	t.Run("connecting and disconnecting within the window announces nothing", func(t *testing.T) {
		const window = 200 * time.Millisecond
		p, pub, sqls := presenceNode(t, env, window)
		p.Connected(ctx, alice.ID)
		p.Disconnected(ctx, alice.ID)
		time.Sleep(3 * window)
		if _, evs := pub.presence(); len(evs) != 0 || sqls.updates != 0 {
			t.Fatalf("%d events, %d updates, want none", len(evs), sqls.updates)
		}
	})

	t.Run("dropping and coming back within the window announces nothing", func(t *testing.T) {
		const window = 200 * time.Millisecond
		p, pub, _ := presenceNode(t, env, window)
		p.Connected(ctx, alice.ID)
		time.Sleep(3 * window)
		if _, evs := pub.presence(); len(evs) != 1 {
			t.Fatalf("%d events after connecting, want 1", len(evs))
		}
		p.Disconnected(ctx, alice.ID)
		p.Connected(ctx, alice.ID)
		time.Sleep(3 * window)
		if _, evs := pub.presence(); len(evs) != 1 {
			t.Fatalf("%d events, want only the first online", len(evs))
		}
		p.Disconnected(ctx, alice.ID) // and a real departure is still told
		time.Sleep(3 * window)
		if _, evs := pub.presence(); len(evs) != 2 || evs[1].Data.(views.Presence).Status != "offline" {
			t.Fatalf("events %+v, want online then offline", evs)
		}
	})

	t.Run("flapping while windows flush ends on the last state", func(t *testing.T) {
		// Short windows, and changes that mostly cancel out, so that flushes
		// often find nothing pending while changes arrive: under -race this
		// catches a flush reading the pending set outside its lock.
		const window = time.Millisecond
		p, pub, _ := presenceNode(t, env, window)
		for range 300 {
			p.Connected(ctx, alice.ID)
			p.Disconnected(ctx, alice.ID)
			if i := time.Now().Nanosecond() % 3; i == 0 {
				time.Sleep(window)
			}
		}
		p.Connected(ctx, alice.ID)
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, evs := pub.presence()
			if n := len(evs); n > 0 && evs[n-1].Data.(views.Presence).Status == "online" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the last of %d presence events is not alice online", len(evs))
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	t.Run("closing flushes what is pending", func(t *testing.T) {
		p, pub, _ := presenceNode(t, env, time.Hour)
		p.Connected(ctx, alice.ID)
		p.Connected(ctx, bob.ID)
		if _, evs := pub.presence(); len(evs) != 0 {
			t.Fatalf("%d events before the window ended", len(evs))
		}
		p.Close()
		calls, evs := pub.presence()
		if calls != 1 || len(evs) != 2 {
			t.Fatalf("%d publishes of %d events at close, want 1 of 2", calls, len(evs))
		}
		p.Disconnected(ctx, alice.ID) // after close: at once
		if _, evs := pub.presence(); len(evs) != 3 {
			t.Fatalf("%d events, want the change after close announced at once", len(evs))
		}
	})
}
