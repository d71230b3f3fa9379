//go:build unix

package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"workcomm/testenv"
)

// soakDuration is WORKCOMM_SOAK (CI: 10m), 1m when unset.
func soakDuration(t testing.TB) time.Duration {
	t.Helper()
	v := os.Getenv("WORKCOMM_SOAK")
	if v == "" {
		return time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 20*time.Second {
		t.Fatalf("WORKCOMM_SOAK=%q: want a duration of 20s or more", v)
	}
	return d
}

// sample is one reading of a node's resources.
type sample struct {
	at                     time.Duration
	goroutines, heap, fds  float64
	dbConns                float64 // both nodes' connections to PostgreSQL
	perNodeGoroutines      [2]float64
	perNodeHeap, perNodeFD [2]float64
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// A soak of mixed load on two nodes — group messages, typing and read marks
// over sockets that reconnect now and then, private messages, history and
// searches over REST — while each node's goroutines, heap and open files and
// the database's connections are sampled: none may trend upwards, and once
// the clients leave the goroutines come back down.
func TestSoakShowsNoGrowthTrend(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	duration := soakDuration(t)
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	rd := testenv.StartRedis(t)
	env := nodeEnv("DATABASE_URL="+pg.URL(), "REDIS_URL="+rd.URL(), "REDIS_PREFIX="+testenv.UniqueName("soak"))
	nodes := []*testenv.Node{testenv.NewNode(t, "nodeA", bin, env...), testenv.NewNode(t, "nodeB", bin, env...)}
	for _, n := range nodes {
		n.Start(t)
	}
	db := openDB(t, pg.URL())
	if s, err := db.DB(); err == nil {
		s.SetMaxOpenConns(1) // one connection of the test's own, left out of the count
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration+3*time.Minute)
	defer cancel()

	const groups, perGroup = 3, 8
	var users []*account
	var gids []uint64
	for range groups {
		members := make([]*account, perGroup)
		for i := range members {
			members[i] = register(t, nodes[0].URL(), "soak")
		}
		gids = append(gids, group(t, nodes[0].URL(), members[0], members[1:]))
		users = append(users, members...)
	}
	for i := 0; i+1 < len(users); i += 2 {
		var fr struct{ ID uint64 }
		must(t, nodes[0].URL(), http.MethodPost, "/api/v1/friends/requests", users[i].Token, map[string]any{"userId": users[i+1].ID}, http.StatusCreated, &fr)
		must(t, nodes[1].URL(), http.MethodPost, fmt.Sprintf("/api/v1/friends/requests/%d/accept", fr.ID), users[i+1].Token, nil, http.StatusOK, nil)
	}
	dbConns := func() float64 {
		var n int64
		db.Raw("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").Scan(&n)
		return float64(n)
	}
	read := func() sample {
		var s sample
		for i, n := range nodes {
			s.perNodeGoroutines[i] = metric(t, n.URL(), "go_goroutines")
			s.perNodeHeap[i] = metric(t, n.URL(), "go_memstats_heap_inuse_bytes")
			s.perNodeFD[i] = metric(t, n.URL(), "process_open_fds")
			s.goroutines += s.perNodeGoroutines[i]
			s.heap += s.perNodeHeap[i]
			s.fds += s.perNodeFD[i]
		}
		s.dbConns = dbConns()
		return s
	}
	httpClient.CloseIdleConnections()
	idle := read()

	var (
		loadCtx, stopLoad = context.WithTimeout(ctx, duration)
		wg                sync.WaitGroup
		mu                sync.Mutex
		acked             = map[string]uint64{}
		chatters          []*chatter
		restErrors        = map[int]int{}
	)
	for i, u := range users {
		gid := gids[i/perGroup]
		c := newChatter(u, gid, func() []string {
			a, b := nodes[rand.IntN(2)], nodes[rand.IntN(2)]
			return []string{a.WSURL("/ws/group"), b.WSURL("/ws/group")}
		})
		chatters = append(chatters, c)
		friend := users[i^1]
		wg.Add(2)
		go func() { // the socket: a message a second, typing, read marks, a reconnect every ~15 s
			defer wg.Done()
			next := time.Now().Add(time.Duration(10+rand.IntN(10)) * time.Second)
			for n := 0; loadCtx.Err() == nil; n++ {
				cmid := fmt.Sprintf("soak-%d-%d", i, n)
				m, err := c.Send(loadCtx, "soak "+cmid, cmid)
				if err != nil {
					return // the load ended mid-send: never acknowledged
				}
				mu.Lock()
				acked[fmt.Sprintf("%d/%s", u.ID, cmid)] = m.ID
				mu.Unlock()
				if conn, err := c.Current(loadCtx); err == nil {
					_ = conn.Send("typing", "", map[string]any{"groupId": gid})
					_ = conn.Send("read", "", map[string]any{"groupId": gid, "seq": m.Seq})
				}
				if time.Now().After(next) {
					c.Close() // a tab closed and reopened: reconnect and sync
					next = time.Now().Add(time.Duration(10+rand.IntN(10)) * time.Second)
				}
				select {
				case <-loadCtx.Done():
				case <-time.After(time.Duration(700+rand.IntN(600)) * time.Millisecond):
				}
			}
		}()
		go func() { // REST: a private message, history, lists and a search, every ~2 s
			defer wg.Done()
			for n := 0; loadCtx.Err() == nil; n++ {
				base := nodes[rand.IntN(2)].URL()
				for _, r := range []struct {
					method, path string
					body         any
				}{
					{http.MethodPost, fmt.Sprintf("/api/v1/chat/private/%d/messages", friend.ID), map[string]any{"body": "rest", "clientMsgId": fmt.Sprintf("rest-%d-%d", i, n)}},
					{http.MethodGet, fmt.Sprintf("/api/v1/chat/private/%d/messages?limit=20", friend.ID), nil},
					{http.MethodGet, fmt.Sprintf("/api/v1/chat/groups/%d/messages?limit=50", gid), nil},
					{http.MethodGet, "/api/v1/chat/groups", nil},
					{http.MethodGet, "/api/v1/chat/private", nil},
					{http.MethodGet, "/api/v1/users?q=soak", nil},
				} {
					status, _ := call(base, r.method, r.path, u.Token, r.body, nil)
					if status >= 300 && status != http.StatusTooManyRequests {
						mu.Lock()
						restErrors[status]++
						mu.Unlock()
					}
				}
				select {
				case <-loadCtx.Done():
				case <-time.After(time.Duration(1500+rand.IntN(1000)) * time.Millisecond):
				}
			}
		}()
	}

	// Sample every 2 s; the first fifth (at least 10 s) is warm-up.
	start := time.Now()
	var samples []sample
	tick := time.NewTicker(2 * time.Second)
	for loadCtx.Err() == nil {
		select {
		case <-tick.C:
			s := read()
			s.at = time.Since(start)
			samples = append(samples, s)
		case <-loadCtx.Done():
		}
	}
	tick.Stop()
	stopLoad()
	wg.Wait()

	t.Run("no growth trend in goroutines, heap, open files or database connections", func(t *testing.T) {
		warm := max(duration/5, 10*time.Second)
		var steady []sample
		for _, s := range samples {
			if s.at >= warm {
				steady = append(steady, s)
			}
		}
		if len(steady) < 6 {
			t.Fatalf("only %d samples after warm-up", len(steady))
		}
		third := len(steady) / 3
		first, last := steady[:third], steady[len(steady)-third:]
		pick := func(ss []sample, f func(sample) float64) []float64 {
			out := make([]float64, len(ss))
			for i, s := range ss {
				out[i] = f(s)
			}
			return out
		}
		for _, m := range []struct {
			name    string
			of      func(sample) float64
			factor  float64
			slack   float64
			hardMax float64
		}{
			{"goroutines", func(s sample) float64 { return s.goroutines }, 1.25, 50, 0},
			{"heap in use (bytes)", func(s sample) float64 { return s.heap }, 1.5, 16 << 20, 0},
			{"open files", func(s sample) float64 { return s.fds }, 1.0, 30, 0},
			{"database connections", func(s sample) float64 { return s.dbConns }, 1.0, 5, 40}, // two pools of 20
		} {
			a, b := mean(pick(first, m.of)), mean(pick(last, m.of))
			t.Logf("%s: idle %.0f, first third %.0f, last third %.0f", m.name, m.of(idle), a, b)
			if b > a*m.factor+m.slack {
				t.Errorf("%s grew from %.0f to %.0f over the soak", m.name, a, b)
			}
			for _, s := range steady {
				if m.hardMax > 0 && m.of(s) > m.hardMax {
					t.Errorf("%s reached %.0f (at most %.0f)", m.name, m.of(s), m.hardMax)
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(restErrors) > 0 {
			t.Errorf("REST errors during the soak: %v", restErrors)
		}
	})
	t.Run("every acknowledged message stored once", func(t *testing.T) {
		for _, c := range chatters {
			c.finish(t, ctx)
		}
		rows := stored(t, db, gids)
		mu.Lock()
		n := setCheck(t, acked, rows)
		mu.Unlock()
		var recons int64
		for _, c := range chatters {
			c.holdsAll(t, rows[c.group])
			recons += c.Reconnects()
		}
		t.Logf("soak of %s: %d acked group messages, %d reconnects, %d samples", duration, n, recons, len(samples))
	})
	t.Run("once the clients leave, the nodes' goroutines come back down", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second) // presence settles within its timings
		for {
			// The test's own idle keep-alive connections each hold a server
			// goroutine until IdleTimeout: close them before counting.
			httpClient.CloseIdleConnections()
			s := read()
			if s.goroutines <= idle.goroutines+20 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("goroutines: %.0f idle before the soak, %.0f after every client left", idle.goroutines, s.goroutines)
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}
