//go:build unix

package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

// Processes for fault tests: the server binary run as nodes, a PostgreSQL
// cluster and a Redis server of the test's own, each on a free loopback
// port, each killed with the test binary (Linux) and removed at the end.
// Faults are injected by stopping and starting them; the machine's shared
// PostgreSQL and Redis are never touched.

// Bounds of process start-up and shutdown.
const (
	// buildTimeout bounds `go build` of the server (a cold cache compiles
	// every dependency).
	buildTimeout = 5 * time.Minute
	// startTimeout bounds a node, PostgreSQL or Redis becoming ready.
	startTimeout = 60 * time.Second
	// stopTimeout bounds a graceful stop before the process is killed.
	stopTimeout = 30 * time.Second
)

// RequireFaults reports whether the fault tests must run (CI sets
// WORKCOMM_REQUIRE_FAULTS=1): then missing dependencies fail them.
func RequireFaults() bool { return os.Getenv("WORKCOMM_REQUIRE_FAULTS") == "1" }

var faultsNotice sync.Once

// RequireFaultsOrSkip checks what fault tests need — PostgreSQL's server
// binaries (initdb, postgres), redis-server, the go command, and when run as
// root a `postgres` user to run PostgreSQL as — and skips the test (fails it
// under WORKCOMM_REQUIRE_FAULTS=1) naming what is missing.
func RequireFaultsOrSkip(t testing.TB) {
	t.Helper()
	var missing []string
	if dir, err := PostgresBinDir(); err != nil {
		missing = append(missing, err.Error())
	} else {
		for _, b := range []string{"initdb", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
				missing = append(missing, b+" (in "+dir+")")
			}
		}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		missing = append(missing, "redis-server")
	}
	if goCommand() == "" {
		missing = append(missing, "the go command")
	}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			missing = append(missing, "a postgres user (initdb refuses root)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "fault tests need " + strings.Join(missing, ", ")
	if RequireFaults() {
		t.Fatalf("%s (WORKCOMM_REQUIRE_FAULTS=1)", msg)
	}
	faultsNotice.Do(func() { fmt.Fprintf(os.Stderr, "\n!!! %s: the fault tests are SKIPPED. !!!\n\n", msg) })
	t.Skip(msg)
}

// PostgresBinDir finds PostgreSQL's server binaries: PG_BIN, else the newest
// /usr/lib/postgresql/*/bin, else `pg_config --bindir`.
func PostgresBinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	return "", errors.New("PostgreSQL server binaries (set PG_BIN)")
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// FreePort returns a loopback TCP port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ModuleRoot is the directory of go.mod, found upwards from the working
// directory (a test runs in its package's directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// BuildServer builds the server binary once per test binary (`go build .`
// from the module root, into a private temporary folder: parallel test
// binaries must not overwrite one another's) and returns its path. Call
// RemoveBuiltServer from TestMain when done.
func BuildServer(t testing.TB) string {
	t.Helper()
	root := ModuleRoot(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "workcomm-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "workcomm")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, goCommand(), "build", "-o", builtBin, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// RemoveBuiltServer deletes the binary BuildServer made, if any.
func RemoveBuiltServer() {
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
}

// syncBuffer is a bytes.Buffer safe for a process's output and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a child process whose end is observed.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProc(cmd *exec.Cmd) (*proc, error) {
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) alive() bool {
	if p == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig and waits for the exit, killing after limit.
func (p *proc) signal(sig os.Signal, limit time.Duration) error {
	if !p.alive() {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not exit within %s after %v: killed", limit, sig)
	}
}

// Node is one server process (`workcomm serve`) on a free loopback port.
type Node struct {
	Name string
	Port int
	bin  string
	env  []string

	mu   sync.Mutex
	p    *proc
	logs *syncBuffer
	runs []string // logs of earlier runs
}

// NewNode prepares a node running bin with the given environment (ADDR is
// added); Start runs it. It is killed when the test ends, and its logs are
// printed if the test failed.
func NewNode(t testing.TB, name, bin string, env ...string) *Node {
	t.Helper()
	n := &Node{Name: name, Port: FreePort(t), bin: bin, env: env}
	t.Cleanup(func() {
		n.mu.Lock()
		p := n.p
		n.mu.Unlock()
		_ = p.signal(syscall.SIGKILL, stopTimeout)
		if t.Failed() {
			t.Logf("%s log (last 4 KiB):\n%s", n.Name, tail(n.Log(), 4096))
		}
	})
	return n
}

// Addr is host:port.
func (n *Node) Addr() string { return fmt.Sprintf("127.0.0.1:%d", n.Port) }

// URL is the node's http:// base.
func (n *Node) URL() string { return "http://" + n.Addr() }

// WSURL is the node's ws:// URL of path.
func (n *Node) WSURL(path string) string { return "ws://" + n.Addr() + path }

// Log is everything the node wrote, across restarts.
func (n *Node) Log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := strings.Join(n.runs, "")
	if n.logs != nil {
		s += n.logs.String()
	}
	return s
}

// Start runs the node and waits until /healthz answers 200.
func (n *Node) Start(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	if n.p.alive() {
		n.mu.Unlock()
		t.Fatalf("%s is already running", n.Name)
	}
	if n.logs != nil {
		n.runs = append(n.runs, n.logs.String(), "----- restart -----\n")
	}
	n.logs = &syncBuffer{}
	cmd := exec.Command(n.bin, "serve")
	cmd.Env = append(append(os.Environ(), n.env...), "ADDR="+n.Addr())
	cmd.Stdout, cmd.Stderr = n.logs, n.logs
	p, err := startProc(cmd)
	n.p = p
	n.mu.Unlock()
	if err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
	if err := WaitHTTP(n.URL()+"/healthz", http.StatusOK, startTimeout, p.done); err != nil {
		t.Fatalf("%s did not start: %v\n%s", n.Name, err, tail(n.Log(), 4096))
	}
}

// Alive reports whether the process runs.
func (n *Node) Alive() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.p.alive()
}

// Kill sends SIGKILL (a crash: nothing is closed or drained) and waits.
func (n *Node) Kill(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	p := n.p
	n.mu.Unlock()
	if err := p.signal(syscall.SIGKILL, stopTimeout); err != nil {
		t.Fatalf("%s: %v", n.Name, err)
	}
}

// Stop sends SIGTERM (a graceful stop) and waits.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	p := n.p
	n.mu.Unlock()
	if err := p.signal(syscall.SIGTERM, stopTimeout); err != nil {
		t.Errorf("%s: %v", n.Name, err)
	}
}

// WaitHTTP polls url until it answers status, for at most limit (or until
// died is closed: the process exited).
func WaitHTTP(url string, status int, limit time.Duration, died <-chan struct{}) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == status {
				return nil
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		select {
		case <-died:
			return errors.New("the process exited")
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s never answered %d within %s (last: %s)", url, status, limit, last)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// PGCluster is a PostgreSQL cluster of the test's own: initdb'd into a
// temporary folder owned by the postgres user (initdb refuses root), trust
// authentication, listening on a free loopback port with its socket in that
// folder. The postmaster runs as a child of the test, so it dies with it.
type PGCluster struct {
	Port int
	dir  string
	bin  string
	cred *syscall.Credential

	mu   sync.Mutex
	p    *proc
	logs *syncBuffer
}

// StartPostgres creates and starts a cluster, removed when the test ends.
// fsync is off: the faults injected are process crashes, which lose nothing
// the kernel already has, and the tests run several times faster.
func StartPostgres(t testing.TB) *PGCluster {
	t.Helper()
	bin, err := PostgresBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "workcomm-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &PGCluster{Port: FreePort(t), dir: dir, bin: bin}
	t.Cleanup(func() {
		pg.mu.Lock()
		p := pg.p
		pg.mu.Unlock()
		_ = p.signal(syscall.SIGQUIT, stopTimeout)
		if t.Failed() {
			t.Logf("postgres log (last 4 KiB):\n%s", tail(pg.logs.String(), 4096))
		}
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pg.logs = &syncBuffer{}
	initdb := pg.command("initdb", "-D", pg.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.Start(t)
	return pg
}

func (pg *PGCluster) data() string { return filepath.Join(pg.dir, "data") }

func (pg *PGCluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	cmd.Dir = pg.dir
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	return cmd
}

// URL is the DSN of the cluster's postgres database.
func (pg *PGCluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
}

// Start runs the postmaster and waits until it accepts a query.
func (pg *PGCluster) Start(t testing.TB) {
	t.Helper()
	pg.mu.Lock()
	cmd := pg.command("postgres", "-D", pg.data(), "-p", strconv.Itoa(pg.Port), "-k", pg.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=100", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = pg.logs, pg.logs
	cred := cmd.SysProcAttr
	dieWithParent(cmd)
	if cred != nil {
		cmd.SysProcAttr.Credential = cred.Credential
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	err := cmd.Start()
	if err == nil {
		go func() {
			p.err = cmd.Wait()
			close(p.done)
		}()
		pg.p = p
	}
	pg.mu.Unlock()
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgconn.Connect(ctx, pg.URL())
		if err == nil {
			err = conn.Exec(ctx, "SELECT 1").Close()
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return
		}
		if !p.alive() || time.Now().After(deadline) {
			t.Fatalf("postgres did not start: %v\n%s", err, tail(pg.logs.String(), 4096))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// StopImmediate stops the postmaster in immediate mode (SIGQUIT, what
// `pg_ctl stop -m immediate` sends): every backend is cut at once, no
// checkpoint; the next start replays the WAL as after a crash.
func (pg *PGCluster) StopImmediate(t testing.TB) {
	t.Helper()
	pg.mu.Lock()
	p := pg.p
	pg.mu.Unlock()
	if err := p.signal(syscall.SIGQUIT, stopTimeout); err != nil {
		t.Fatalf("postgres: %v", err)
	}
}

// Redis is a redis-server of the test's own: no persistence, a free loopback
// port, killed with the test.
type Redis struct {
	Port int
	mu   sync.Mutex
	p    *proc
	logs *syncBuffer
}

// StartRedis starts a server, stopped when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{Port: FreePort(t), logs: &syncBuffer{}}
	t.Cleanup(func() {
		r.mu.Lock()
		p := r.p
		r.mu.Unlock()
		_ = p.signal(syscall.SIGKILL, stopTimeout)
	})
	r.Start(t)
	return r
}

// URL is the redis:// URL of the server.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// Start runs the server (again, on the same port) and waits for PONG.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "no")
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	p, err := startProc(cmd)
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	r.mu.Lock()
	r.p = p
	r.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if !p.alive() || time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v\n%s", err, r.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server (its data goes: nothing is persisted).
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	p := r.p
	r.mu.Unlock()
	if err := p.signal(syscall.SIGKILL, stopTimeout); err != nil {
		t.Fatal(err)
	}
}
