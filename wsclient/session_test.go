package wsclient_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"workcomm/testenv"
	"workcomm/wsclient"
)

// waitTime bounds every wait for a frame or a delivery; it is never slept.
const waitTime = 10 * time.Second

// proxy is a TCP relay in front of the test server: cutting it drops every
// socket through it without a close frame (as a node that dies does) and
// refuses new ones; muting it swallows what the server says (a lost ack).
type proxy struct {
	ln     net.Listener
	target string
	muted  atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := up.Read(buf)
					if n > 0 && !p.muted.Load() {
						if _, err := c.Write(buf[:n]); err != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				c.Close()
			}()
		}
	}()
	return p
}

func (p *proxy) url(path string) string { return "ws://" + p.ln.Addr().String() + path }

// cut refuses new connections and drops the open ones.
func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func wsURL(env *testenv.Env, path string) string {
	return "ws" + strings.TrimPrefix(env.Server.URL, "http") + path
}

// setup serves a fresh application with a group of alice and bob.
func setup(t *testing.T) (env *testenv.Env, alice, bob *testenv.User, group uint64) {
	t.Helper()
	env = testenv.New(t, testenv.SQLite)
	alice, bob = env.Register(t, "alice"), env.Register(t, "bob")
	res := env.Post(t, "/api/v1/chat/groups", alice.AccessToken, map[string]any{"name": "session", "memberIds": []uint64{bob.ID}})
	testenv.Expect(t, res, http.StatusCreated)
	var g struct {
		ID uint64 `json:"id"`
	}
	res.JSON(t, &g)
	return env, alice, bob, g.ID
}

func session(u *testenv.User, group uint64, urls ...string) *wsclient.Session {
	return wsclient.NewSession(wsclient.SessionConfig{
		URLs:    func() []string { return urls },
		Options: wsclient.Options{Token: u.AccessToken},
		GroupID: group,
	})
}

// stored is the group's history as the API gives it, in seq order.
func stored(t *testing.T, env *testenv.Env, u *testenv.User, group uint64) []wsclient.Message {
	t.Helper()
	res := env.Get(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages?after=0&limit=100", group), u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var page struct {
		Items   []wsclient.Message `json:"items"`
		HasMore bool               `json:"hasMore"`
	}
	res.JSON(t, &page)
	if page.HasMore {
		t.Fatal("more than one page of history")
	}
	return page.Items
}

// waitFor polls cond until it holds, failing the test after waitTime.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, waitTime)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func connect(t *testing.T, ctx context.Context, s *wsclient.Session) {
	t.Helper()
	if _, err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
}

// rig is alice and bob connected to their group; the session named by
// proxied dials through a proxy first and falls back to the server itself.
type rig struct {
	ctx   context.Context
	env   *testenv.Env
	alice *testenv.User
	group uint64
	a, b  *wsclient.Session
	p     *proxy
}

func newRig(t *testing.T, proxied string) *rig {
	t.Helper()
	env, alice, bob, group := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	direct := wsURL(env, "/ws/group")
	p := newProxy(t, strings.TrimPrefix(env.Server.URL, "http://"))
	urls := map[string][]string{"alice": {direct}, "bob": {direct}}
	if proxied != "" {
		urls[proxied] = []string{p.url("/ws/group"), direct}
	}
	r := &rig{ctx: ctx, env: env, alice: alice, group: group, p: p,
		a: session(alice, group, urls["alice"]...), b: session(bob, group, urls["bob"]...)}
	connect(t, ctx, r.a)
	connect(t, ctx, r.b)
	return r
}

func TestSessionSendIsAckedOnce(t *testing.T) {
	r := newRig(t, "")
	ctx, env, alice, group, a, b := r.ctx, r.env, r.alice, r.group, r.a, r.b

	m, err := a.Send(ctx, "hello", "once-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Seq != 1 || m.Body != "hello" || m.ClientMsgID == nil || *m.ClientMsgID != "once-1" {
		t.Fatalf("ack %+v", m)
	}
	if a.Resends() != 0 || a.Reconnects() != 0 {
		t.Fatalf("resends=%d reconnects=%d on a healthy socket", a.Resends(), a.Reconnects())
	}
	waitFor(t, "bob receives the message", func() bool { return b.Has(m.ID) })
	waitFor(t, "alice receives her own message", func() bool { return a.Has(m.ID) })
	if got := stored(t, env, alice, group); len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("stored %+v, want only message %d", got, m.ID)
	}
	for name, s := range map[string]*wsclient.Session{"alice": a, "bob": b} {
		if s.Contiguous() != 1 || s.Held() != 1 || s.Deliveries() != 1 {
			t.Errorf("%s: contiguous=%d held=%d deliveries=%d, want 1 each", name, s.Contiguous(), s.Held(), s.Deliveries())
		}
	}
}

func TestSessionResyncsWhatItMissedAfterADrop(t *testing.T) {
	r := newRig(t, "bob")
	ctx, env, alice, group, a, b, p := r.ctx, r.env, r.alice, r.group, r.a, r.b, r.p

	sent := 0
	send := func(n int) {
		t.Helper()
		for range n {
			sent++
			m, err := a.Send(ctx, "live", fmt.Sprintf("c-%d", sent))
			if err != nil {
				t.Fatal(err)
			}
			if m.Seq != uint64(sent) {
				t.Fatalf("message %d acked with seq %d", sent, m.Seq)
			}
		}
	}
	send(3)
	waitFor(t, "bob receives the first three live", func() bool { return b.Contiguous() == 3 })

	first := b.Conn()
	p.cut()
	select {
	case <-first.Done:
	case <-time.After(waitTime):
		t.Fatal("bob's socket outlived the cut")
	}
	send(5) // while bob is away
	if b.Held() != 3 {
		t.Fatalf("bob holds %d messages while away, want 3", b.Held())
	}

	// The proxy now refuses: the reconnect moves to the direct URL and
	// syncs from seq 3.
	if err := b.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Conn() == first {
		t.Fatal("Resync kept the dropped socket")
	}
	if b.Reconnects() != 1 {
		t.Fatalf("%d reconnects, want 1", b.Reconnects())
	}
	// The sync's frames arrive in seq order: once seq 8 is recorded, any
	// repeat of 1..3 it carried would have been recorded before it.
	waitFor(t, "bob's resync fills seqs 4..8", func() bool { return b.Contiguous() == 8 })
	for _, m := range stored(t, env, alice, group) {
		if !b.Has(m.ID) {
			t.Errorf("bob misses message %d (seq %d)", m.ID, m.Seq)
		}
	}
	if b.Held() != 8 || b.Deliveries() != 8 {
		t.Fatalf("bob holds %d messages from %d deliveries, want 8 and 8 (no gap, no duplicate)", b.Held(), b.Deliveries())
	}
}

func TestSessionRetryWithTheSameClientMsgIDStoresOnce(t *testing.T) {
	r := newRig(t, "alice")
	ctx, env, alice, group, a, b, p := r.ctx, r.env, r.alice, r.group, r.a, r.b, r.p

	// The server stores the message and acks it, but the ack never reaches
	// alice; then her socket drops, and Send tries again on a new one.
	p.muted.Store(true)
	type result struct {
		m   *wsclient.Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := a.Send(ctx, "exactly once", "retry-1")
		done <- result{m, err}
	}()
	waitFor(t, "the first attempt is stored (bob receives it)", func() bool { return b.Held() == 1 })
	p.cut()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if a.Resends() != 1 || a.Reconnects() != 1 {
		t.Fatalf("resends=%d reconnects=%d, want 1 and 1", a.Resends(), a.Reconnects())
	}
	got := stored(t, env, alice, group)
	if len(got) != 1 {
		t.Fatalf("%d messages stored for one clientMsgId: %+v", len(got), got)
	}
	if res.m.ID != got[0].ID || res.m.Seq != 1 || !b.Has(res.m.ID) {
		t.Fatalf("the retry was acked as %+v, stored as %+v", res.m, got[0])
	}
	// The retry is answered from the stored message, not sent to the group
	// again: a later message reaches bob right after the first.
	m2, err := a.Send(ctx, "next", "retry-2")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob receives the next message", func() bool { return b.Has(m2.ID) })
	if m2.Seq != 2 || b.Deliveries() != 2 {
		t.Fatalf("next message seq %d, bob's deliveries %d: want 2 and 2", m2.Seq, b.Deliveries())
	}
}
