//go:build unix

package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/testenv"
	"workcomm/wsclient"
)

// readHeaderTimeout is main.go's: a client that has not sent its headers by
// then is dropped.
const readHeaderTimeout = 10 * time.Second

// metric reads one unlabelled (or first matching) value from /metrics.
func metric(t testing.TB, base, name string) float64 {
	t.Helper()
	return metricSeries(t, base, name, `(\{[^}]*\})?`)
}

// metricSeries reads one series of a metric: labels is a regular expression
// for its label set (`\{kind="group"\}`).
func metricSeries(t testing.TB, base, name, labels string) float64 {
	t.Helper()
	_, raw := call(base, http.MethodGet, "/metrics", "", nil, nil)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + labels + ` ([0-9.e+-]+)$`).FindSubmatch(raw)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[len(m)-1]), 64)
	return v
}

func TestResourceLimits(t *testing.T) {
	testenv.RequireFaultsOrSkip(t)
	bin := testenv.BuildServer(t)
	pg := testenv.StartPostgres(t)
	node := testenv.NewNode(t, "node", bin, nodeEnv("DATABASE_URL="+pg.URL(), "REQUEST_TIMEOUT=2s")...)
	node.Start(t)
	base := node.URL()
	db := openDB(t, pg.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	owner := register(t, base, "limits")
	members := make([]*account, 29)
	for i := range members {
		members[i] = register(t, base, "limits")
	}
	// A premium owner's group may have 500 members; make this one premium.
	if err := db.Exec("UPDATE users SET plan = 'premium', plan_expires_at = now() + interval '1 day' WHERE id = ?", owner.ID).Error; err != nil {
		t.Fatal(err)
	}
	gid := group(t, base, owner, members)
	home := func() []string { return []string{node.WSURL("/ws/group")} }

	t.Run("a 10 MB body is refused with 413 at once, declared or streamed", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 10<<20)
		for _, streamed := range []bool{false, true} {
			var body io.Reader = bytes.NewReader(big)
			if streamed {
				body = struct{ io.Reader }{bytes.NewReader(big)}
			}
			req, _ := http.NewRequest(http.MethodPost, base+fmt.Sprintf("/api/v1/chat/groups/%d/messages", gid), body)
			req.Header.Set("Authorization", "Bearer "+owner.Token)
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			res, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || time.Since(start) > fastAnswer {
				t.Fatalf("streamed=%v: %d after %s", streamed, res.StatusCode, time.Since(start))
			}
		}
	})

	t.Run("limit=1000000 is capped at 100", func(t *testing.T) {
		for range 75 {
			register(t, base, "many")
		}
		var page struct {
			Items      []json.RawMessage
			NextCursor *string
		}
		must(t, base, http.MethodGet, "/api/v1/users?limit=1000000", owner.Token, nil, http.StatusOK, &page)
		if len(page.Items) != 100 || page.NextCursor == nil {
			t.Fatalf("%d items, next cursor %v", len(page.Items), page.NextCursor)
		}
		var hist struct{ Items []json.RawMessage }
		must(t, base, http.MethodGet, fmt.Sprintf("/api/v1/chat/groups/%d/messages?limit=1000000", gid), owner.Token, nil, http.StatusOK, &hist)
		if len(hist.Items) > 100 {
			t.Fatalf("history answered %d items", len(hist.Items))
		}
	})

	t.Run("slowloris: 200 clients trickling headers are dropped by the header timeout while /healthz stays fast", func(t *testing.T) {
		const clients = 200
		start := time.Now()
		var closed sync.WaitGroup
		var late atomic.Int32
		stop := make(chan struct{})
		for i := range clients {
			conn, err := net.Dial("tcp", node.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow-%d: ", i)
			closed.Add(1)
			go func() { // one header byte a second, never the end of the headers
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Second):
						if _, err := conn.Write([]byte("a")); err != nil {
							return
						}
					}
				}
			}()
			go func() {
				defer closed.Done()
				_ = conn.SetReadDeadline(time.Now().Add(readHeaderTimeout + 10*time.Second))
				_, err := io.Copy(io.Discard, conn) // ends when the server drops it
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					late.Add(1)
				}
			}()
		}
		defer close(stop)
		faultsInjected.Add(1)
		var probes, slow int
		for time.Since(start) < readHeaderTimeout+2*time.Second {
			t0 := time.Now()
			status, _ := call(base, http.MethodGet, "/healthz", "", nil, nil)
			probes++
			if status != http.StatusOK || time.Since(t0) > time.Second {
				slow++
			}
			time.Sleep(200 * time.Millisecond)
		}
		closed.Wait()
		if late.Load() > 0 {
			t.Fatalf("%d of %d slowloris connections were still open %s after they began", late.Load(), clients, readHeaderTimeout+10*time.Second)
		}
		if slow > 0 {
			t.Fatalf("%d of %d /healthz probes were slow or failed during the attack", slow, probes)
		}
		t.Logf("%d slowloris connections dropped within %s; %d /healthz probes all fast", clients, time.Since(start).Round(time.Second), probes)
	})

	t.Run("a socket flooding 1,000 messages a second is throttled; others are unaffected", func(t *testing.T) {
		flooder, err := dialGroup(ctx, node, members[0])
		if err != nil {
			t.Fatal(err)
		}
		defer flooder.Close()
		victim := newChatter(members[1], gid, home)
		listener := newChatter(members[2], gid, home)
		for _, c := range []*chatter{victim, listener} {
			if _, err := c.Connect(ctx); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		floodDone := make(chan int)
		go func() { // 10 frames every 10 ms for 2 s
			n := 0
			for time.Since(start) < 2*time.Second {
				for range 10 {
					raw, _ := json.Marshal(map[string]any{"type": "message.send", "id": fmt.Sprintf("f%d", n),
						"data": map[string]any{"groupId": gid, "body": "flood", "clientMsgId": fmt.Sprintf("flood-%d", n)}})
					if flooder.WriteRaw(raw) != nil {
						break
					}
					n++
				}
				time.Sleep(10 * time.Millisecond)
			}
			floodDone <- n
		}()
		var victimIDs []uint64
		for i := range 10 {
			m, err := victim.Send(ctx, "still here", fmt.Sprintf("victim-%d", i))
			if err != nil {
				t.Fatalf("the victim's send: %v", err)
			}
			victimIDs = append(victimIDs, m.ID)
			time.Sleep(100 * time.Millisecond)
		}
		frames := <-floodDone
		elapsed := time.Since(start)
		var stored int64
		db.Table("messages").Where("sender_id = ? AND client_msg_id LIKE 'flood-%'", members[0].ID).Count(&stored)
		// 40 at once, then 20 a second (the contract's message rate).
		if limit := 40 + int64(20*(elapsed.Seconds()+1)); stored > limit || stored == 0 {
			t.Fatalf("%d of %d flood messages stored in %s (at most %d)", stored, frames, elapsed, limit)
		}
		deadline := time.Now().Add(waitTime)
		for _, id := range victimIDs {
			for {
				if listener.Has(id) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the listener did not receive the victim's message %d", id)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		faultsInjected.Add(1)
		t.Logf("flood: %d frames in %s, %d stored; the victim's 10 sends acked and delivered", frames, elapsed.Round(time.Millisecond), stored)
		victim.finish(t, ctx)
		listener.finish(t, ctx)
	})

	t.Run("a client that stops reading is dropped alone", func(t *testing.T) {
		time.Sleep(2 * time.Second) // the flood's rate-limit buckets refill
		stalled, err := dialStalled(ctx, node, owner)
		if err != nil {
			t.Fatal(err)
		}
		defer stalled.Close()
		listeners := make([]*chatter, 0, len(members))
		for _, m := range members {
			c := newChatter(m, gid, home)
			if _, err := c.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			listeners = append(listeners, c)
		}
		before := metric(t, base, "workcomm_websocket_slow_closes_total")
		// The server drops a client that stops reading in one of two ways:
		// its queue fills (1013, counted as a slow close), or, when the
		// senders are slow to fill it (a starved machine), a write that
		// cannot finish within its deadline ends the socket first. Either
		// way the group sockets of this node go down by one.
		groupSockets := func() float64 {
			return metricSeries(t, base, "workcomm_websocket_connections", `\{kind="group"\}`)
		}
		open := groupSockets()
		body := strings.Repeat("z", 3900)
		sendCtx, stopSending := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i, c := range listeners[:20] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; sendCtx.Err() == nil; n++ {
					if _, err := c.Send(sendCtx, body, fmt.Sprintf("stall-%d-%d", i, n)); err != nil && sendCtx.Err() == nil {
						t.Errorf("send: %v", err)
						return
					}
				}
			}()
		}
		deadline := time.Now().Add(45 * time.Second)
		for metric(t, base, "workcomm_websocket_slow_closes_total") <= before && groupSockets() >= open {
			if time.Now().After(deadline) {
				stopSending()
				wg.Wait()
				t.Fatal("the stalled socket was never dropped")
			}
			time.Sleep(250 * time.Millisecond)
		}
		how := "its queue was full (1013)"
		if metric(t, base, "workcomm_websocket_slow_closes_total") <= before {
			how = "a write missed its deadline"
		}
		stopSending()
		wg.Wait()
		faultsInjected.Add(1)
		// The stalled client finds its connection ended once it reads again.
		_ = stalled.SetReadDeadline(time.Now().Add(waitTime))
		for {
			if _, _, err := stalled.ReadMessage(); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatal("the stalled socket is still open")
				}
				break
			}
		}
		rows := stored(t, db, []uint64{gid})
		for _, c := range listeners {
			select {
			case <-c.Conn().Done:
				t.Fatalf("%s's socket was closed too: %v", c.acct.Username, c.Conn().CloseErr)
			default:
			}
			// Everything arrived live: no sync is needed by those who read.
			deadline := time.Now().Add(waitTime)
			for {
				missing := 0
				for _, m := range rows[gid] {
					if !c.Has(m.ID) {
						missing++
					}
				}
				if missing == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s misses %d messages it should have had live", c.acct.Username, missing)
				}
				time.Sleep(50 * time.Millisecond)
			}
			c.finish(t, ctx)
		}
		t.Logf("the stalled socket was dropped (%s); %d readers each received all %d messages live", how, len(listeners), len(rows[gid]))
	})

	t.Run("an exhausted database pool: bounded waits, 503, recovery", func(t *testing.T) {
		tx := db.Begin()
		if err := tx.Exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").Error; err != nil {
			t.Fatal(err)
		}
		faultsInjected.Add(1)
		locked := true
		defer func() {
			if locked {
				tx.Rollback()
			}
		}()
		const requests = 40 // twice the node's pool of 20
		var wg sync.WaitGroup
		type answer struct {
			status int
			code   string
			took   time.Duration
		}
		answers := make([]answer, requests)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				status, raw := call(base, http.MethodGet, "/api/v1/users/me", owner.Token, nil, nil)
				answers[i] = answer{status, errorCode(raw), time.Since(start)}
			}()
		}
		t0 := time.Now()
		status, _ := call(base, http.MethodGet, "/healthz", "", nil, nil)
		if status != http.StatusOK || time.Since(t0) > time.Second {
			t.Errorf("/healthz during the exhaustion: %d after %s", status, time.Since(t0))
		}
		hs := http.Header{"Authorization": {"Bearer " + owner.Token}}
		_, res, err := (&websocket.Dialer{HandshakeTimeout: waitTime}).Dial(node.WSURL("/ws/private"), hs)
		if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a handshake during the exhaustion: %v %v", res, err)
		}
		wg.Wait()
		for i, a := range answers {
			if a.status != http.StatusServiceUnavailable || a.code != "unavailable" || a.took > 2*time.Second+fastAnswer {
				t.Errorf("request %d: %d %q after %s", i, a.status, a.code, a.took)
			}
		}
		tx.Rollback()
		locked = false
		deadline := time.Now().Add(waitTime)
		for {
			status, raw := call(base, http.MethodGet, "/api/v1/users/me", owner.Token, nil, nil)
			if status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no recovery after the lock was released: %d %s", status, raw)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%d requests during the exhaustion all answered 503 unavailable within %s; recovered at once", requests, 2*time.Second+fastAnswer)
	})
}

// dialGroup opens a group socket as u, with the test's client.
func dialGroup(ctx context.Context, n *testenv.Node, u *account) (*wsclient.Conn, error) {
	c, _, err := wsclient.Dial(ctx, n.WSURL("/ws/group"), wsclient.Options{Token: u.Token, EventBuffer: 1 << 16})
	return c, err
}

// dialStalled opens a group socket whose client never reads after the
// handshake, with a 4 KiB receive buffer so the server's writes back up.
func dialStalled(ctx context.Context, n *testenv.Node, u *account) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: waitTime, NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}).DialContext}
	conn, _, err := d.DialContext(ctx, n.WSURL("/ws/group"), http.Header{"Authorization": {"Bearer " + u.Token}})
	if err != nil {
		return nil, err
	}
	return conn, nil
}
