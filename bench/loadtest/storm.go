package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Storm timings, after the browser's SocketConnection (frontend
// src/app/core/socket/socket-connection.ts).
const (
	// stormBackoffBase and stormBackoffMax are the browser's reconnect delay
	// ceiling (RECONNECT_BASE_MS, doubling per failed attempt) and its cap
	// (RECONNECT_MAX_MS); each wait is a random point in the upper half.
	stormBackoffBase = 500 * time.Millisecond
	stormBackoffMax  = 30 * time.Second
	// stormRESTConns bounds the tool's HTTP connections for the lists a
	// ready triggers: a browser keeps a few per user, but thousands of
	// sockets on one machine must leave ephemeral ports for the sockets.
	stormRESTConns = 512
)

// stormLists are the first pages the browser loads when a socket says ready
// (ChatStore on 'ready': ChatLists.refresh and Friendships.load).
var stormLists = []string{
	"/api/v1/chat/private?limit=50",
	"/api/v1/chat/groups?limit=50",
	"/api/v1/friends?limit=50",
	"/api/v1/friends/requests",
}

// stormSock is one socket of the storm: a user's /ws/group (in their group)
// or /ws/private.
type stormSock struct {
	u       *user
	path    string
	node    int
	groupID uint64 // the group of a group socket, for its sync

	mu sync.Mutex
	ws *websocket.Conn
}

// stormResult is the JSON line of -mode storm.
type stormResult struct {
	Mode    string `json:"mode"`
	Users   int    `json:"users"`
	Sockets int    `json:"sockets"`
	Groups  int    `json:"groups"`
	Members int    `json:"members"`
	Jitter  string `json:"jitter"`
	Sync    string `json:"sync"`
	// Connect is the first connection of every socket, -connect-workers at
	// a time (the idle mode's figure).
	Connect connectResult `json:"connect"`
	// AllReadySeconds: from the drop until the last socket had its ready
	// frame again; AllSyncedSeconds: until the last had also synced.
	AllReadySeconds  float64 `json:"allReadySeconds"`
	AllSyncedSeconds float64 `json:"allSyncedSeconds"`
	// ConnectToReady: from the dial of the attempt that succeeded to its
	// ready frame; DropToReady and DropToSynced: from the drop (the jitter
	// included); ReadyToSynced: the sync alone.
	ConnectToReady latency `json:"connectToReady"`
	DropToReady    latency `json:"dropToReady"`
	DropToSynced   latency `json:"dropToSynced"`
	ReadyToSynced  latency `json:"readyToSynced"`
	Attempts       uint64  `json:"attempts"`
	// Failed sockets had no ready frame by -storm-deadline; Refused counts
	// the failed attempts by HTTP status or error kind; SyncErrors the sync
	// requests (socket sync or REST list) that failed.
	Failed         int               `json:"failed"`
	Refused        map[string]uint64 `json:"refused"`
	SyncErrors     uint64            `json:"syncErrors"`
	PresenceFrames uint64            `json:"presenceFramesReceived"`
	// The server and the database during the storm (drop to all synced).
	Seconds            float64 `json:"seconds"`
	ServerCPU          float64 `json:"serverCpuCores"`
	ServerCPUSeconds   float64 `json:"serverCpuSeconds"`
	ServerPeakRSSMB    float64 `json:"serverPeakRssMiB"`
	DatabaseCPU        float64 `json:"databaseCpuCores"`
	DatabaseCPUSeconds float64 `json:"databaseCpuSeconds"`
	// DatabaseCPUFailedReads: samples of the backends that failed (the
	// database too busy to answer within pgSamplePeriod).
	DatabaseCPUFailedReads int                `json:"databaseCpuFailedReads"`
	ToolCPU                float64            `json:"toolCpuCores"`
	CPUBusy                map[string]float64 `json:"cpuBusy"`
	LoadAverageAtStart     string             `json:"loadAverageAtStart"`
	LoadAverageAtEnd       string             `json:"loadAverageAtEnd"`
	SyncedDefinitionNote   string             `json:"synced"`
}

// stormRun is the state of one storm.
type stormRun struct {
	r       *runner
	rest    *http.Client
	drop    time.Time
	presenc atomic.Uint64
	attempt atomic.Uint64
	syncErr atomic.Uint64

	mu      sync.Mutex
	refused map[string]uint64

	connectToReady, dropToReady, dropToSynced, readyToSynced hist
}

// storm connects every socket (a group socket per member and, with
// -storm-private, a private socket per user too, as a browser tab holds
// both), waits for presence to settle, then drops them all at once and
// brings each back after a random jitter, as clients do when a node
// restarts. It reports how long until every socket had its ready frame
// again and had synced as the browser does after ready, and what the
// server and the database spent meanwhile.
func (r *runner) storm() error {
	o := r.o
	switch o.stormSync {
	case "lists", "socket", "none":
	default:
		return fmt.Errorf("-storm-sync %q: want lists, socket or none", o.stormSync)
	}
	w, err := r.prepare()
	if err != nil {
		return err
	}
	var socks []*stormSock
	for g, members := range w.groups {
		for _, u := range members {
			socks = append(socks, &stormSock{u: u, path: "/ws/group", node: len(socks) % len(r.wsBases), groupID: w.ids[g]})
			if o.stormPrivate {
				socks = append(socks, &stormSock{u: u, path: "/ws/private", node: len(socks) % len(r.wsBases)})
			}
		}
	}
	if len(socks) == 0 {
		return errNoSockets
	}
	s := &stormRun{r: r, refused: map[string]uint64{}, rest: &http.Client{Timeout: dialTimeout,
		Transport: &http.Transport{MaxConnsPerHost: stormRESTConns, MaxIdleConnsPerHost: stormRESTConns}}}
	defer func() {
		for _, k := range socks {
			k.close()
		}
	}()

	conn, err := s.connectFirst(socks)
	if err != nil {
		return err
	}
	r.logf("storm: settling %v before the drop", o.settle)
	time.Sleep(o.settle)
	s.presenc.Store(0)
	s.attempt.Store(0) // the storm's own attempts only

	res := stormResult{Mode: "storm", Users: len(w.all), Sockets: len(socks), Groups: o.groups, Members: o.members,
		Jitter: o.stormJitter.String(), Sync: o.stormSync, Connect: conn, LoadAverageAtStart: loadAverage()}
	busy := cpuBusy(o.cpuList())
	proc := r.proc.window()
	self := (&procSampler{pids: []int{os.Getpid()}}).window()
	dbCPU := r.pgCPU()

	s.drop = time.Now()
	for _, k := range socks {
		k.close() // all at once: every connection ends without a close frame
	}
	r.logf("storm: dropped %d sockets; each comes back within %v", len(socks), o.stormJitter)
	var lastReady, lastSynced atomic.Int64
	var failed atomic.Int64
	ctx, cancel := context.WithTimeout(r.ctx, o.stormDeadline)
	defer cancel()
	var wg sync.WaitGroup
	for _, k := range socks {
		wg.Go(func() {
			if o.stormJitter > 0 {
				time.Sleep(rand.N(o.stormJitter))
			}
			ready, synced, ok := s.comeBack(ctx, k)
			if !ok {
				failed.Add(1)
				return
			}
			raise(&lastReady, int64(ready))
			raise(&lastSynced, int64(synced))
		})
	}
	wg.Wait()
	res.Seconds = time.Since(s.drop).Seconds()
	res.ServerCPU, _ = proc()
	_, peak := proc()
	res.ServerPeakRSSMB = float64(peak) / (1 << 20)
	res.ServerCPUSeconds = res.ServerCPU * res.Seconds
	res.DatabaseCPUSeconds, res.DatabaseCPUFailedReads = dbCPU()
	res.DatabaseCPU = res.DatabaseCPUSeconds / res.Seconds
	res.ToolCPU, _ = self()
	res.CPUBusy = busy()
	res.LoadAverageAtEnd = loadAverage()
	res.AllReadySeconds = time.Duration(lastReady.Load()).Seconds()
	res.AllSyncedSeconds = time.Duration(lastSynced.Load()).Seconds()
	res.ConnectToReady, res.DropToReady = s.connectToReady.summary(), s.dropToReady.summary()
	res.DropToSynced, res.ReadyToSynced = s.dropToSynced.summary(), s.readyToSynced.summary()
	res.Attempts, res.Failed, res.SyncErrors = s.attempt.Load(), int(failed.Load()), s.syncErr.Load()
	res.PresenceFrames = s.presenc.Load()
	s.mu.Lock()
	res.Refused = maps(s.refused)
	s.mu.Unlock()
	res.SyncedDefinitionNote = map[string]string{
		"lists":  "after ready: a group socket syncs its group (sync, afterSeq 0, until sync.done) and each socket loads the browser's four first pages (chat/private, chat/groups, friends, friends/requests)",
		"socket": "after ready: a group socket syncs its group (sync, afterSeq 0, until sync.done)",
		"none":   "synced = ready",
	}[o.stormSync]
	_ = r.out.Encode(res)
	r.logf("storm: %d sockets (%d users), back within %v: all ready after %.2f s, all synced after %.2f s; %d failed, refused %v, %d attempts",
		res.Sockets, res.Users, o.stormJitter, res.AllReadySeconds, res.AllSyncedSeconds, res.Failed, res.Refused, res.Attempts)
	r.logf("  connect to ready: %v", res.ConnectToReady)
	r.logf("  drop to synced:   %v", res.DropToSynced)
	r.logf("  server: %.2f cores (%.1f CPU s), peak RSS %.1f MiB; database %.2f cores (%.1f CPU s); tool %.2f cores; busy %v; load %s → %s",
		res.ServerCPU, res.ServerCPUSeconds, res.ServerPeakRSSMB, res.DatabaseCPU, res.DatabaseCPUSeconds, res.ToolCPU, fmtBusy(res.CPUBusy), res.LoadAverageAtStart, res.LoadAverageAtEnd)
	return nil
}

// connectFirst opens every socket, connectWorkers at a time, and waits for
// each one's ready frame.
func (s *stormRun) connectFirst(socks []*stormSock) (connectResult, error) {
	var h hist
	start := time.Now()
	work := make(chan *stormSock)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range s.r.o.connectWorkers {
		wg.Go(func() {
			for k := range work {
				t := time.Now()
				if _, err := s.dial(s.r.ctx, k); err != nil {
					failed.CompareAndSwap(nil, &err)
					continue
				}
				h.add(time.Since(t))
			}
		})
	}
	for _, k := range socks {
		if failed.Load() != nil {
			break
		}
		work <- k
	}
	close(work)
	wg.Wait()
	if err := failed.Load(); err != nil {
		return connectResult{}, fmt.Errorf("connecting: %w", *err)
	}
	res := connectResult{Sockets: len(socks), Seconds: time.Since(start).Seconds(), latency: h.summary()}
	s.r.logf("storm: connected %d sockets in %.1f s (%.0f/s): %v", res.Sockets, res.Seconds, float64(res.Sockets)/res.Seconds, res.latency)
	return res, nil
}

// comeBack reconnects k after the drop, retrying as the browser does, then
// syncs; it returns the times since the drop of its ready frame and of its
// sync's end.
func (s *stormRun) comeBack(ctx context.Context, k *stormSock) (ready, synced time.Duration, ok bool) {
	for attempt := 0; ; attempt++ {
		t := time.Now()
		done, err := s.dial(ctx, k)
		if err == nil {
			ready = time.Since(s.drop)
			s.connectToReady.add(time.Since(t))
			s.dropToReady.add(ready)
			s.sync(ctx, k, done)
			synced = time.Since(s.drop)
			s.dropToSynced.add(synced)
			s.readyToSynced.add(synced - ready)
			return ready, synced, true
		}
		s.refuse(err)
		ceiling := min(stormBackoffMax, stormBackoffBase<<min(attempt, 10))
		wait := ceiling/2 + rand.N(ceiling/2)
		select {
		case <-ctx.Done():
			return 0, 0, false
		case <-time.After(wait):
		}
	}
}

// statusError is a handshake refused with an HTTP status.
type statusError int

func (e statusError) Error() string { return "status " + strconv.Itoa(int(e)) }

// refuse counts a failed attempt by its status or the kind of its error.
func (s *stormRun) refuse(err error) {
	var code statusError
	key := "error"
	switch {
	case errors.As(err, &code):
		key = strconv.Itoa(int(code))
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout"):
		key = "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		key = "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		key = "connection reset"
	}
	s.mu.Lock()
	s.refused[key]++
	s.mu.Unlock()
}

// dial opens k's socket, waits for ready and starts its reader; the channel
// it returns gets every sync.done.
func (s *stormRun) dial(ctx context.Context, k *stormSock) (<-chan struct{}, error) {
	s.attempt.Add(1)
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: dialTimeout, ReadBufferSize: 1024, WriteBufferSize: 1024}
	for relogin := true; ; relogin = false {
		h := http.Header{"Authorization": {"Bearer " + k.u.accessToken()}}
		ws, res, err := d.DialContext(ctx, s.r.wsBases[k.node]+k.path, h)
		if err != nil {
			if res != nil && res.StatusCode == http.StatusUnauthorized && relogin {
				// The access token expired (15 minutes): log in again.
				if err := s.r.api.login(ctx, k.u); err != nil {
					return nil, err
				}
				continue
			}
			if res != nil {
				return nil, statusError(res.StatusCode)
			}
			return nil, err
		}
		_ = ws.SetReadDeadline(time.Now().Add(dialTimeout))
		_, first, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return nil, err
		}
		if !bytes.HasPrefix(first, []byte(`{"type":"ready"`)) {
			ws.Close()
			return nil, fmt.Errorf("first frame is not ready: %.80s", first)
		}
		_ = ws.SetReadDeadline(time.Time{})
		k.mu.Lock()
		k.ws = ws
		k.mu.Unlock()
		done := make(chan struct{}, 1)
		go s.read(ws, done)
		return done, nil
	}
}

var (
	typePresence = []byte(`{"type":"presence"`)
	typeSyncDone = []byte(`{"type":"sync.done"`)
)

// read reads frames until the connection ends, counting presence and
// signalling sync.done.
func (s *stormRun) read(ws *websocket.Conn, done chan<- struct{}) {
	buf := make([]byte, 0, 512)
	for {
		_, rd, err := ws.NextReader()
		if err != nil {
			return
		}
		buf = buf[:0]
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := rd.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err != nil {
				break
			}
		}
		switch {
		case bytes.HasPrefix(buf, typePresence):
			s.presenc.Add(1)
		case bytes.HasPrefix(buf, typeSyncDone):
			select {
			case done <- struct{}{}:
			default:
			}
		}
	}
}

// sync does what the browser does after ready (-storm-sync): a group
// socket asks for what it missed in its group (the browser sends sync for
// every conversation it holds; the storm's groups are empty, so afterSeq is
// 0 and the answer is sync.done alone), then the first pages of the lists.
func (s *stormRun) sync(ctx context.Context, k *stormSock, done <-chan struct{}) {
	if s.r.o.stormSync == "none" {
		return
	}
	if k.groupID != 0 {
		frame := fmt.Appendf(nil, `{"type":"sync","id":"s","data":{"conversations":[{"groupId":%d,"afterSeq":0}]}}`, k.groupID)
		k.mu.Lock()
		_ = k.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		err := k.ws.WriteMessage(websocket.TextMessage, frame)
		k.mu.Unlock()
		if err == nil {
			select {
			case <-done:
			case <-time.After(dialTimeout):
				err = errors.New("no sync.done")
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if err != nil {
			s.syncErr.Add(1)
		}
	}
	if s.r.o.stormSync != "lists" {
		return
	}
	var wg sync.WaitGroup
	for _, path := range stormLists { // at once, as Promise.allSettled does
		wg.Go(func() {
			if err := s.get(ctx, k.u, path); err != nil {
				s.syncErr.Add(1)
			}
		})
	}
	wg.Wait()
}

// get reads one REST page with the user's token and discards it.
func (s *stormRun) get(ctx context.Context, u *user, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.r.api.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+u.accessToken())
	res, err := s.rest.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return statusError(res.StatusCode)
	}
	return nil
}

// close drops the connection without a close frame, as a dying node's
// sockets end for their clients.
func (k *stormSock) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ws != nil {
		_ = k.ws.NetConn().Close()
		k.ws = nil
	}
}

// raise sets v to x if x is larger.
func raise(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// pgSamplePeriod is how often the storm reads its database's backends: a
// backend that ends between two reads loses at most this much of its CPU.
const pgSamplePeriod = 500 * time.Millisecond

// pgCPU follows the PostgreSQL backends serving the run's database (from
// pg_stat_activity, their CPU from /proc) through a storm, sampling them
// every pgSamplePeriod, so that backends which start or end meanwhile are
// counted (a single read at each end misses those). It returns a function
// that stops it and reports the CPU seconds used, and how many reads failed.
func (r *runner) pgCPU() func() (seconds float64, failedReads int) {
	if r.db == nil || r.databaseKind() != "postgres" {
		return func() (float64, int) { return 0, 0 }
	}
	base, last := map[int]time.Duration{}, map[int]time.Duration{}
	failed := 0
	sample := func(first bool) {
		ctx, cancel := context.WithTimeout(context.Background(), pgSamplePeriod)
		defer cancel()
		var pids []int
		if err := r.db.WithContext(ctx).Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&pids).Error; err != nil {
			failed++
			return
		}
		for _, pid := range pids {
			c, err := procCPU(pid)
			if err != nil {
				continue
			}
			if _, seen := base[pid]; !seen {
				if first {
					base[pid] = c
				} else {
					base[pid] = 0 // started during the storm: all of it counts
				}
			}
			last[pid] = c
		}
	}
	sample(true)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(pgSamplePeriod)
		defer t.Stop()
		for {
			select {
			case <-stop:
				sample(false)
				return
			case <-t.C:
				sample(false)
			}
		}
	}()
	return func() (float64, int) {
		close(stop)
		<-done
		var used time.Duration
		for pid, c := range last {
			used += c - base[pid]
		}
		return used.Seconds(), failed
	}
}

// databaseKind is postgres or sqlite, from the run's connection.
func (r *runner) databaseKind() string {
	if r.db != nil && r.db.Dialector.Name() == "postgres" {
		return "postgres"
	}
	return "sqlite"
}
