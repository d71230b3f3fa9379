//go:build unix

package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"workcomm/testenv"
)

// Two nodes on one PostgreSQL and one Redis, 200 clients in 20 groups spread
// over both; one node is killed with SIGKILL mid-load. Its clients reconnect
// to the other with jitter, sync from their last seq and resend what was not
// acknowledged: no acknowledged message is lost, none is stored twice, every
// client ends with every message once duplicates are dropped, and each
// sender's messages keep their order.
func TestNodeKilledUnderLoad(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	const groups, perGroup = 20, 10 // 200 clients; 10 is a free plan's largest group
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	rd := testenv.StartRedis(t)
	env := nodeEnv("DATABASE_URL="+pg.URL(), "REDIS_URL="+rd.URL(), "REDIS_PREFIX="+testenv.UniqueName("kill"))
	a, b := testenv.NewNode(t, "nodeA", bin, env...), testenv.NewNode(t, "nodeB", bin, env...)
	a.Start(t)
	b.Start(t)
	db := openDB(t, pg.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	var chatters []*chatter
	var gids []uint64
	for g := range groups {
		members := make([]*account, perGroup)
		for i := range members {
			members[i] = register(t, b.URL(), "kill")
		}
		gid := group(t, b.URL(), members[0], members[1:])
		gids = append(gids, gid)
		for i, m := range members {
			first, second := a, b
			if (g*perGroup+i)%2 == 1 {
				first, second = b, a
			}
			chatters = append(chatters, newChatter(m, gid, func() []string {
				return []string{first.WSURL("/ws/group"), second.WSURL("/ws/group")}
			}))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(chatters))
	for _, c := range chatters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Connect(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var (
		sendCtx, stopSending = context.WithCancel(ctx)
		sends                = newLedger()
	)
	for i, c := range chatters {
		if i%2 == 1 {
			continue // half the clients send, all listen
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(rand.IntN(1000)) * time.Millisecond)
			sends.sendLoop(t, ctx, sendCtx, c, fmt.Sprintf("kill-%d", i), "kill", nil, func() time.Duration {
				return time.Duration(700+rand.IntN(600)) * time.Millisecond // about one a second
			})
		}()
	}
	time.Sleep(3 * time.Second)
	a.Kill(t)
	faultsInjected.Add(1)
	killed := time.Now()
	time.Sleep(5 * time.Second)
	stopSending()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	t.Run("the survivor is ready and the killed node's clients moved to it", func(t *testing.T) {
		if status, raw := call(b.URL(), http.MethodGet, "/readyz", "", nil, nil); status != http.StatusOK {
			t.Fatalf("nodeB /readyz: %d %s", status, raw)
		}
		var moved int64
		for _, c := range chatters {
			moved += c.Reconnects()
		}
		if moved < int64(len(chatters)/2) {
			t.Fatalf("only %d reconnects for %d clients of the killed node", moved, len(chatters)/2)
		}
	})
	t.Run("zero acknowledged messages lost, zero duplicates, order kept", func(t *testing.T) {
		for _, c := range chatters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.finish(t, ctx)
			}()
		}
		wg.Wait()
		rows := stored(t, db, gids)
		n := setCheck(t, sends.acked, rows)
		senderOrder(t, sends.sent, rows)
		var dupes int
		var recons, resends int64
		total := 0
		for _, c := range chatters {
			dupes += c.holdsAll(t, rows[c.group])
			recons += c.Reconnects()
			resends += c.Resends()
		}
		for _, list := range rows {
			total += len(list)
		}
		t.Logf("%d clients: acked=%d stored=%d reconnects=%d resends=%d duplicate deliveries dropped=%d; killed %s before the end",
			len(chatters), n, total, recons, resends, dupes, time.Since(killed).Round(time.Second))
	})
}
