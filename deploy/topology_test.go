package deploy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
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

// node is one workcomm server process.
type node struct {
	name string
	bin  string
	port int
	env  []string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
}

func (n *node) addr() string { return fmt.Sprintf("127.0.0.1:%d", n.port) }

func (n *node) start(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.log = &bytes.Buffer{}
	n.cmd = exec.Command(n.bin, "serve")
	n.cmd.Env = append(os.Environ(), n.env...)
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	must(t, n.cmd.Start())
	waitReady(t, "http://"+n.addr()+"/readyz")
}

// stop sends SIGTERM and waits for a graceful exit.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s exited with %v:\n%s", n.name, err, n.log)
		}
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill()
		t.Fatalf("%s did not stop within 30s:\n%s", n.name, n.log)
	}
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

// topology is nginx in front of two nodes on PostgreSQL and Redis.
type topology struct {
	nodes  [2]*node
	site   *nginxSite
	origin string
	client *http.Client
	tls    *tls.Config
}

func (tp *topology) httpsURL(path string) string {
	return fmt.Sprintf("https://127.0.0.1:%d%s", tp.site.httpsPort, path)
}

func (tp *topology) wssURL(path string) string {
	return fmt.Sprintf("wss://127.0.0.1:%d%s", tp.site.httpsPort, path)
}

func startTopology(t *testing.T) *topology {
	t.Helper()
	testenv.RequirePostgresOrSkip(t)
	redisURL := testenv.RequireRedisOrSkip(t)
	if _, err := exec.LookPath("nginx"); err != nil {
		if os.Getenv("WORKCOMM_REQUIRE_NGINX") == "1" {
			t.Fatal("nginx is required (WORKCOMM_REQUIRE_NGINX=1) but not installed")
		}
		t.Skip("nginx not installed")
	}
	root := repoRoot(t)
	bin := filepath.Join(t.TempDir(), "workcomm")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	_, dbURL := testenv.OpenDB(t, testenv.Postgres)

	static := filepath.Join(root, "frontend", "dist", "workcomm", "browser")
	if _, err := os.Stat(filepath.Join(static, "index.html")); err != nil {
		if os.Getenv("WORKCOMM_REQUIRE_NGINX") == "1" {
			t.Fatalf("the frontend build is missing at %s (make build-frontend)", static)
		}
		static = t.TempDir()
		must(t, os.WriteFile(filepath.Join(static, "index.html"), []byte("<!doctype html><title>WorkComm</title><app-root></app-root>"), 0o644))
		t.Logf("frontend not built: serving a stand-in index.html")
	}

	tp := &topology{}
	ports := [2]int{testenv.FreePort(t), testenv.FreePort(t)}
	tp.site = newNginxSite(t, []string{fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])}, static)
	tp.origin = fmt.Sprintf("https://localhost:%d", tp.site.httpsPort)
	env := []string{
		"APP_ENV=production",
		"JWT_SECRET=topology-secret-topology-secret-0123456789",
		"ALLOWED_ORIGINS=" + tp.origin,
		"TRUSTED_PROXIES=127.0.0.1",
		"DATABASE_URL=" + dbURL,
		"REDIS_URL=" + redisURL,
		"REDIS_PREFIX=" + testenv.UniqueName("topo"),
		"READINESS_DRAIN=1s",
		"SHUTDOWN_TIMEOUT=10s",
		"LOG_LEVEL=warn",
		"RATE_LIMIT_REGISTER_PER_HOUR=1000",
	}
	for i := range tp.nodes {
		tp.nodes[i] = &node{name: fmt.Sprintf("node%c", 'A'+i), bin: bin, port: ports[i],
			env: append(append([]string{}, env...), fmt.Sprintf("ADDR=127.0.0.1:%d", ports[i]))}
		tp.nodes[i].start(t)
		n := tp.nodes[i]
		t.Cleanup(func() {
			if n.cmd.ProcessState == nil {
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
				_ = n.cmd.Wait()
			}
			if t.Failed() {
				t.Logf("%s log:\n%s", n.name, n.log)
			}
		})
	}
	tp.site.start(t)
	tp.tls = &tls.Config{RootCAs: tp.site.certPool, ServerName: "localhost"}
	tp.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tp.tls},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return tp
}

type apiUser struct {
	ID    uint64
	Token string
}

func (tp *topology) api(t *testing.T, method, path, token string, body any, want int) []byte {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, tp.httpsURL(path), r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := tp.client.Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return raw
}

func (tp *topology) register(t *testing.T, name string) *apiUser {
	t.Helper()
	name = testenv.UniqueName(name)
	raw := tp.api(t, http.MethodPost, "/api/v1/auth/register", "", map[string]string{"username": name, "email": name + "@example.com", "password": "password-" + name}, http.StatusCreated)
	var s struct {
		User        struct{ ID uint64 }
		AccessToken string
	}
	must(t, json.Unmarshal(raw, &s))
	return &apiUser{ID: s.User.ID, Token: s.AccessToken}
}

func (tp *topology) dial(ctx context.Context, url string, u *apiUser) (*wsclient.Conn, error) {
	c, _, err := wsclient.Dial(ctx, url, wsclient.Options{Token: u.Token, Origin: tp.origin, TLSConfig: tp.tls})
	return c, err
}

func waitEvent(t *testing.T, c *wsclient.Conn, typ string, match func(wsclient.Envelope) bool) wsclient.Envelope {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case env := <-c.Events:
			if env.Type == typ && (match == nil || match(env)) {
				return env
			}
		case <-timeout:
			t.Fatalf("no %s event within 5s", typ)
		}
	}
}

func TestTopology(t *testing.T) {
	tp := startTopology(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("HTTP redirects to HTTPS; the SPA and a deep link are served", func(t *testing.T) {
		res, err := tp.client.Get(fmt.Sprintf("http://127.0.0.1:%d/chat", tp.site.httpPort))
		must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(res.Header.Get("Location"), "https://") {
			t.Fatalf("http answered %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		for _, p := range []string{"/", "/chat/private/12"} {
			res, err := tp.client.Get(tp.httpsURL(p))
			must(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(body), "<app-root") || res.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("%s: %d cache=%q %.200s", p, res.StatusCode, res.Header.Get("Cache-Control"), body)
			}
			if res.Header.Get("Strict-Transport-Security") == "" || res.Header.Get("Content-Security-Policy") == "" {
				t.Fatalf("%s lacks security headers", p)
			}
		}
	})
	t.Run("the API answers through nginx with the request id passed on", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, tp.httpsURL("/healthz"), nil)
		req.Header.Set("X-Request-ID", "topology-1")
		res, err := tp.client.Do(req)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("X-Request-ID") != "topology-1" {
			t.Fatalf("healthz %d id=%q", res.StatusCode, res.Header.Get("X-Request-ID"))
		}
	})

	// A group of four: two senders and two listeners.
	users := []*apiUser{tp.register(t, "ana"), tp.register(t, "ben"), tp.register(t, "cyd"), tp.register(t, "dee")}
	raw := tp.api(t, http.MethodPost, "/api/v1/chat/groups", users[0].Token,
		map[string]any{"name": "topology", "memberIds": []uint64{users[1].ID, users[2].ID, users[3].ID}}, http.StatusCreated)
	var group struct{ ID uint64 }
	must(t, json.Unmarshal(raw, &group))
	target := wsclient.Target{GroupID: group.ID}

	t.Run("a message and typing cross from node A to node B", func(t *testing.T) {
		a, err := tp.dial(ctx, "ws://"+tp.nodes[0].addr()+"/ws/group", users[0])
		must(t, err)
		defer a.Close()
		b, err := tp.dial(ctx, "ws://"+tp.nodes[1].addr()+"/ws/group", users[1])
		must(t, err)
		defer b.Close()
		must(t, a.Send("typing", "", target))
		waitEvent(t, b, "typing", nil)
		m, err := a.SendMessage(ctx, target, "hello across nodes", "cross-1")
		must(t, err)
		env := waitEvent(t, b, "message.new", func(e wsclient.Envelope) bool {
			got, _ := wsclient.DecodeMessage(e)
			return got != nil && got.ID == m.ID
		})
		_ = env
	})
	t.Run("a WebSocket through nginx over TLS", func(t *testing.T) {
		c, err := tp.dial(ctx, tp.wssURL("/ws/group"), users[2])
		must(t, err)
		defer c.Close()
		if _, err := c.Request(ctx, "ping", map[string]any{}); err != nil {
			t.Fatalf("ping through nginx: %v", err)
		}
		bad, res, err := wsclient.Dial(ctx, tp.wssURL("/ws/group"), wsclient.Options{Token: users[2].Token, Origin: "https://evil.example.com", TLSConfig: tp.tls})
		if err == nil {
			bad.Close()
			t.Fatal("a foreign Origin was upgraded through nginx")
		}
		if res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("foreign Origin: %v %v", res, err)
		}
	})
	t.Run("a stopping node turns readyz to 503 and closes its sockets with 1001", func(t *testing.T) {
		n := tp.nodes[0]
		c, err := tp.dial(ctx, "ws://"+n.addr()+"/ws/group", users[3])
		must(t, err)
		must(t, n.cmd.Process.Signal(syscall.SIGTERM))
		saw503 := false
		for i := 0; i < 40 && !saw503; i++ {
			if res, err := http.Get("http://" + n.addr() + "/readyz"); err == nil {
				saw503 = res.StatusCode == http.StatusServiceUnavailable
				res.Body.Close()
			}
			time.Sleep(25 * time.Millisecond)
		}
		if !saw503 {
			t.Error("readyz never answered 503 while draining")
		}
		select {
		case <-c.Done:
			var ce *websocket.CloseError
			if !errors.As(c.CloseErr, &ce) || ce.Code != websocket.CloseGoingAway {
				t.Errorf("socket closed with %v, want 1001", c.CloseErr)
			}
		case <-time.After(15 * time.Second):
			t.Error("socket not closed by the stopping node")
		}
		_ = n.cmd.Wait()
		n.start(t)
	})
	t.Run("rolling restart under load: no acknowledged message lost, none doubled", func(t *testing.T) {
		res := rollingRestart(t, ctx, tp, users, target)
		t.Logf("rolling restart: sent=%d acked=%d stored=%d reconnects=%d resends=%d raw-deliveries=%d duplicate-deliveries-dropped=%d; every listener holds seq 1..%d",
			res.sent, res.acked, res.stored, res.reconnects, res.resends, res.deliveries, res.dupes, res.stored)
		fmt.Printf("topology: rolling restart sent=%d acked=%d stored=%d lost=0 doubled=0 reconnects=%d\n", res.sent, res.acked, res.stored, res.reconnects)
	})
}

type restartResult struct {
	sent, acked, stored, reconnects, resends, deliveries, dupes int
}

// member is one group member's client through nginx: it reconnects, resends
// what was not acknowledged with the same clientMsgId, and syncs from its
// last contiguous seq. user names it in the checks.
type member struct {
	*wsclient.Session
	user *apiUser
}

func (tp *topology) member(u *apiUser, target wsclient.Target) *member {
	return &member{user: u, Session: wsclient.NewSession(wsclient.SessionConfig{
		URLs:       func() []string { return []string{tp.wssURL("/ws/group")} },
		Options:    wsclient.Options{Token: u.Token, Origin: tp.origin, TLSConfig: tp.tls},
		GroupID:    target.GroupID,
		AckTimeout: 5 * time.Second,
		// Retried here, unlike in faults/: this test checks the stored set
		// across a restart, not which refusals a stopping node gives.
		RetryCodes: []string{"rate_limited", "unavailable", "internal"},
	})}
}

func rollingRestart(t *testing.T, ctx context.Context, tp *topology, users []*apiUser, target wsclient.Target) restartResult {
	members := make([]*member, len(users))
	for i, u := range users {
		members[i] = tp.member(u, target)
		if _, err := members[i].Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The group already holds the earlier subtests' messages: note where we start.
	var (
		sendCtx, stopSending = context.WithCancel(ctx)
		wg                   sync.WaitGroup
		ackMu                sync.Mutex
		acked                = map[string]uint64{}
		sent                 atomic.Int32
	)
	for i, m := range members[:2] { // two senders, all four listen
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; sendCtx.Err() == nil; n++ {
				cmid := fmt.Sprintf("roll-%d-%d", i, n)
				sent.Add(1)
				msg, err := m.Send(ctx, "rolling "+cmid, cmid)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("%s: %v", cmid, err)
					}
					return
				}
				ackMu.Lock()
				acked[cmid] = msg.ID
				ackMu.Unlock()
				time.Sleep(20 * time.Millisecond) // about 50 messages a second per sender
			}
		}()
	}
	time.Sleep(time.Second)
	for _, n := range tp.nodes {
		n.stop(t)
		time.Sleep(300 * time.Millisecond) // clients of the stopped node reconnect to the other
		n.start(t)
		time.Sleep(time.Second)
	}
	stopSending()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Every listener fills its gaps with a last sync.
	for _, m := range members {
		must(t, m.Resync(ctx))
	}
	time.Sleep(200 * time.Millisecond)

	// What the database holds for this group, by the API (history pages by seq).
	stored := map[uint64]wsclient.Message{}
	var after uint64
	for {
		raw := tp.api(t, http.MethodGet, fmt.Sprintf("/api/v1/chat/groups/%d/messages?after=%d&limit=100", target.GroupID, after), users[3].Token, nil, http.StatusOK)
		var page struct {
			Items   []wsclient.Message `json:"items"`
			HasMore bool               `json:"hasMore"`
		}
		must(t, json.Unmarshal(raw, &page))
		for _, it := range page.Items {
			stored[it.ID] = it
			after = it.Seq
		}
		if !page.HasMore || len(page.Items) == 0 {
			break
		}
	}
	byCMID := map[string]int{}
	var seqs []int
	for _, m := range stored {
		if m.ClientMsgID != nil {
			byCMID[*m.ClientMsgID]++
		}
		seqs = append(seqs, int(m.Seq))
	}
	sort.Ints(seqs)
	for i, s := range seqs {
		if s != i+1 {
			t.Fatalf("stored seqs have a gap or repeat at %d: %d", i+1, s)
		}
	}
	for cmid, id := range acked {
		if byCMID[cmid] != 1 {
			t.Errorf("acked %s (id %d) stored %d times", cmid, id, byCMID[cmid])
		}
	}
	for cmid, n := range byCMID {
		if n > 1 {
			t.Errorf("%s stored %d times", cmid, n)
		}
	}
	res := restartResult{sent: int(sent.Load()), acked: len(acked), stored: len(stored)}
	for _, m := range members {
		if held := m.Held(); held != len(stored) {
			t.Errorf("user %d holds %d messages, the group %d", m.user.ID, held, len(stored))
		}
		for id := range stored {
			if !m.Has(id) {
				t.Errorf("user %d misses message %d", m.user.ID, id)
				break
			}
		}
		res.deliveries += m.Deliveries()
		res.dupes += m.Deliveries() - m.Held()
		res.reconnects += int(m.Reconnects())
		res.resends += int(m.Resends())
		m.Close()
	}
	if res.acked == 0 || res.reconnects == 0 {
		t.Errorf("the test did not exercise a restart: %+v", res)
	}
	return res
}
