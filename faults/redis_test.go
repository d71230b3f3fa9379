//go:build unix

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"workcomm/testenv"
	"workcomm/wsclient"
)

// redisOutage is the contract's scenario: Redis stopped for 30 s.
const redisOutage = 30 * time.Second

// readiness reads /readyz: its status and the state of each check.
func readiness(base string) (int, map[string]string) {
	status, raw := call(base, http.MethodGet, "/readyz", "", nil, nil)
	var body struct{ Checks map[string]string }
	_ = json.Unmarshal(raw, &body)
	return status, body.Checks
}

// Redis stopped for 30 s under two nodes: sends keep persisting on both,
// /readyz reports Redis unavailable, each node keeps delivering its own
// senders' messages to its own sockets, and once Redis is back cross-node
// delivery resumes by itself and clients fill the gap with sync.
func TestRedisStoppedFor30Seconds(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	rd := testenv.StartRedis(t)
	env := nodeEnv("DATABASE_URL="+pg.URL(), "REDIS_URL="+rd.URL(), "REDIS_PREFIX="+testenv.UniqueName("outage"))
	a, b := testenv.NewNode(t, "nodeA", bin, env...), testenv.NewNode(t, "nodeB", bin, env...)
	a.Start(t)
	b.Start(t)
	db := openDB(t, pg.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	members := make([]*account, 10)
	for i := range members {
		members[i] = register(t, a.URL(), "outage")
	}
	gid := group(t, a.URL(), members[0], members[1:])
	chatters := make([]*chatter, len(members))
	onA := func(i int) bool { return i < len(members)/2 }
	for i, m := range members {
		home := b
		if onA(i) {
			home = a
		}
		chatters[i] = newChatter(m, gid, func() []string { return []string{home.WSURL("/ws/group")} })
		if _, err := chatters[i].Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}

	type ack struct {
		id   uint64
		at   time.Time
		node string
	}
	var (
		sendCtx, stopSending = context.WithCancel(ctx)
		wg                   sync.WaitGroup
		mu                   sync.Mutex // acks
		acks                 []ack
		sends                = newLedger()
	)
	for _, i := range []int{0, 1, 5, 6} { // two senders on each node
		c := chatters[i]
		node := "B"
		if onA(i) {
			node = "A"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sends.sendLoop(t, ctx, sendCtx, c, fmt.Sprintf("outage-%d", i), "outage", func(m *wsclient.Message) {
				mu.Lock()
				acks = append(acks, ack{id: m.ID, at: time.Now(), node: node})
				mu.Unlock()
			}, every(200*time.Millisecond))
		}()
	}

	time.Sleep(2 * time.Second)
	rd.Stop(t)
	faultsInjected.Add(1)
	down := time.Now()
	t.Run("readyz reports Redis unavailable on both nodes; healthz stays 200", func(t *testing.T) {
		for _, n := range []*testenv.Node{a, b} {
			deadline := time.Now().Add(waitTime)
			for {
				status, checks := readiness(n.URL())
				if status == http.StatusServiceUnavailable && checks["redis"] == "unavailable" && checks["database"] == "ok" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s /readyz: %d %v", n.Name, status, checks)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if status, _ := call(n.URL(), http.MethodGet, "/healthz", "", nil, nil); status != http.StatusOK {
				t.Fatalf("%s /healthz: %d", n.Name, status)
			}
		}
	})
	time.Sleep(time.Until(down.Add(redisOutage)))

	t.Run("sends kept persisting on both nodes, and each node delivered its own", func(t *testing.T) {
		mu.Lock()
		during := map[string][]uint64{}
		for _, k := range acks {
			if k.at.After(down.Add(time.Second)) && k.at.Before(down.Add(redisOutage-time.Second)) {
				during[k.node] = append(during[k.node], k.id)
			}
		}
		mu.Unlock()
		for _, node := range []string{"A", "B"} {
			if len(during[node]) == 0 {
				t.Fatalf("no send was acknowledged on node %s during the outage", node)
			}
		}
		for i, c := range chatters {
			node := "B"
			if onA(i) {
				node = "A"
			}
			for _, id := range during[node] {
				if !c.Has(id) {
					t.Errorf("%s on node %s did not receive its node's message %d during the outage", c.acct.Username, node, id)
					break
				}
			}
		}
		t.Logf("during the outage: %d messages acknowledged on A, %d on B, each delivered on its own node", len(during["A"]), len(during["B"]))
	})

	rd.Start(t)
	up := time.Now()
	t.Run("once Redis is back both nodes are ready and cross-node delivery resumes by itself", func(t *testing.T) {
		for _, n := range []*testenv.Node{a, b} {
			if err := testenv.WaitHTTP(n.URL()+"/readyz", http.StatusOK, 30*time.Second, nil); err != nil {
				t.Fatal(err)
			}
		}
		// A probe from node A must reach a listener on node B live.
		probe, listener := chatters[3], chatters[8]
		deadline := time.Now().Add(30 * time.Second)
		for n := 0; ; n++ {
			m, err := probe.Send(ctx, "probe", fmt.Sprintf("probe-%d", n))
			if err != nil {
				t.Fatal(err)
			}
			sends.ack(probe.acct.ID, fmt.Sprintf("probe-%d", n), m.ID)
			arrived := func() bool { return listener.Has(m.ID) }
			wait := time.Now().Add(time.Second)
			for !arrived() && time.Now().Before(wait) {
				time.Sleep(20 * time.Millisecond)
			}
			if arrived() {
				t.Logf("cross-node delivery resumed %s after Redis came back", time.Since(up).Round(100*time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("cross-node delivery did not resume within 30s")
			}
		}
	})
	time.Sleep(time.Second)
	stopSending()
	wg.Wait()

	t.Run("clients fill the gap with sync: everyone holds every message, none lost or doubled", func(t *testing.T) {
		rows := stored(t, db, []uint64{gid})
		gap := 0
		for i, c := range chatters {
			if onA(i) {
				continue
			}
			for _, m := range rows[gid] {
				if !c.Has(m.ID) {
					gap++
				}
			}
		}
		for _, c := range chatters {
			c.finish(t, ctx)
		}
		n := setCheck(t, sends.acked, rows)
		senderOrder(t, sends.sent, rows)
		for _, c := range chatters {
			c.holdsAll(t, rows[gid])
		}
		if gap == 0 {
			t.Error("node B's clients missed nothing: the outage did not cut cross-node delivery")
		}
		t.Logf("acked=%d stored=%d; node B's clients filled %d missed deliveries by sync", n, len(rows[gid]), gap)
	})
}
