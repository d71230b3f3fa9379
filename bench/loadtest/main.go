// Command loadtest measures a running WorkComm server: deliveries per second
// and end-to-end latency under an open-loop message load, the highest rate it
// sustains (ramp), memory per idle socket, and history reads. See
// docs/PERFORMANCE.md for the measurements and how to run them.
//
//	loadtest -mode load    -database-url postgres://… -pid $(pgrep -x workcomm) -groups 10 -members 50 -senders 5 -rate 20
//	loadtest -mode ramp    -database-url postgres://… -pid … -ramp-start 50000 -ramp-step 40000
//	loadtest -mode idle    -database-url postgres://… -pid … -groups 100 -members 50
//	loadtest -mode history -database-url postgres://… -pid … -history-messages 1000000 -rate 1000
//	loadtest -mode search  -database-url postgres://… -pid … -search-messages 1000000 -search-rates 50,100,200,400
//	loadtest -mode storm   -database-url postgres://… -pid … -groups 100 -members 50 -connect-workers 100 -storm-jitter 1s
//
// It seeds users (premium), groups and friendships straight into the
// server's database (-database-url, or -sqlite-path for the embedded
// default), logs them in through the API, opens one socket per user, and
// sends at a fixed schedule whatever the answers (open loop): each message
// carries its scheduled send time and a clientMsgId, so latency counts any
// delay of the tool too, and a send lost with its connection is sent again
// with the same id. Results are JSON lines on stdout and a summary on stderr.
package main

import (
	"container/heap"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gorm.io/gorm"

	"workcomm/models"
)

// options are the command line.
type options struct {
	url, databaseURL, sqlitePath, mode, run string
	groups, members, senders, pairs, body   int
	rate, pairRate, maxSenderRate           float64
	duration, drain, settle                 time.Duration
	pids                                    []int
	connectWorkers                          int
	cpus                                    string
	rampStart, rampStep, rampMax            float64
	p99Limit                                time.Duration
	historyMessages, historyLimit           int
	search                                  searchOptions
	stormJitter, stormDeadline              time.Duration
	stormPrivate                            bool
	stormSync                               string
}

// cpuList is -cpus as numbers (the CPUs whose busy time is reported).
func (o *options) cpuList() []int {
	var cpus []int
	for _, c := range strings.Split(o.cpus, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
			cpus = append(cpus, n)
		}
	}
	return cpus
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "the server's base URL; several, comma-separated, spread the sockets over nodes round-robin (REST goes to the first)")
	flag.StringVar(&o.databaseURL, "database-url", "", "the server's PostgreSQL, for seeding")
	flag.StringVar(&o.sqlitePath, "sqlite-path", "", "the server's SQLite file, for seeding (instead of -database-url)")
	flag.StringVar(&o.mode, "mode", "load", "load | ramp | idle | history | search | storm")
	flag.StringVar(&o.run, "run", "", "name prefix of this run's users (default: lt + the time)")
	flag.IntVar(&o.groups, "groups", 10, "groups")
	flag.IntVar(&o.members, "members", 50, "members per group, each with one group socket")
	flag.IntVar(&o.senders, "senders", 5, "load: senders per group")
	flag.Float64Var(&o.rate, "rate", 20, "load: messages/s per sender; history, search: requests/s")
	flag.IntVar(&o.pairs, "pairs", 0, "private pairs of friends, each with two private sockets")
	flag.Float64Var(&o.pairRate, "pair-rate", 1, "messages/s each side of a pair sends")
	flag.IntVar(&o.body, "body", 100, "message body size in bytes")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "sending time of a run or of each ramp step")
	flag.DurationVar(&o.drain, "drain", 20*time.Second, "how long to wait for acks and deliveries after sending")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "idle: wait after connecting before reading memory")
	flag.Func("pid", "the server's pid, for its CPU and RSS from /proc; several nodes' pids comma-separated are summed", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			pid, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || pid <= 0 {
				return fmt.Errorf("%q is not a pid", f)
			}
			o.pids = append(o.pids, pid)
		}
		return nil
	})
	flag.StringVar(&o.cpus, "cpus", "0,1", "CPUs whose busy time is reported (the taskset layout)")
	flag.IntVar(&o.connectWorkers, "connect-workers", 16, "handshakes in flight while connecting")
	flag.Float64Var(&o.rampStart, "ramp-start", 50000, "ramp: first step, in deliveries/s")
	flag.Float64Var(&o.rampStep, "ramp-step", 40000, "ramp: increase per step, in deliveries/s")
	flag.Float64Var(&o.rampMax, "ramp-max", 1e6, "ramp: last step at most, in deliveries/s")
	flag.Float64Var(&o.maxSenderRate, "max-sender-rate", 19, "ramp: messages/s per sender at most (the server allows 20/s a user)")
	flag.DurationVar(&o.p99Limit, "p99-limit", 200*time.Millisecond, "ramp: a step passes with end-to-end p99 at most this and no loss")
	flag.IntVar(&o.historyMessages, "history-messages", 1000000, "history: messages stored in the group read")
	flag.IntVar(&o.historyLimit, "history-limit", 50, "history: messages per page")
	o.search.register()
	flag.DurationVar(&o.stormJitter, "storm-jitter", time.Second, "storm: each dropped socket comes back after a random wait in [0, this)")
	flag.DurationVar(&o.stormDeadline, "storm-deadline", 2*time.Minute, "storm: a socket not back by then counts as failed")
	flag.BoolVar(&o.stormPrivate, "storm-private", true, "storm: each user holds a private socket besides the group one, as a browser does")
	flag.StringVar(&o.stormSync, "storm-sync", "lists", "storm: after ready, lists (sync the group, then the browser's four list pages) | socket (sync only) | none")
	flag.Parse()
	if o.run == "" {
		o.run = "lt" + strconv.FormatInt(time.Now().Unix()%1e7, 36)
	}
	return o
}

func main() {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	r := &runner{o: o, ctx: ctx, refused: map[string]uint64{}, convs: map[convKey]*convState{},
		api: &api{base: strings.TrimRight(strings.Split(o.url, ",")[0], "/"), client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}},
		out: json.NewEncoder(os.Stdout), proc: newProcSampler(o.pids)}
	for _, u := range strings.Split(o.url, ",") {
		r.wsBases = append(r.wsBases, "ws"+strings.TrimPrefix(strings.TrimRight(strings.TrimSpace(u), "/"), "http"))
	}
	defer r.proc.close()
	var err error
	switch o.mode {
	case "load":
		err = r.load()
	case "ramp":
		err = r.ramp()
	case "idle":
		err = r.idle()
	case "history":
		err = r.history()
	case "search":
		err = r.search()
	case "storm":
		err = r.storm()
	default:
		err = fmt.Errorf("-mode %q: want load, ramp, idle, history, search or storm", o.mode)
	}
	r.closing.Store(true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// runner is one run: its sockets, counters and histograms.
type runner struct {
	o       *options
	ctx     context.Context
	api     *api
	wsBases []string // one per node; a socket dials wsBases[sock.node]
	out     *json.Encoder
	proc    *procSampler

	closing                                                   atomic.Bool
	sent, acked, delivered, duplicates, malformed, reconnects atomic.Uint64
	e2e, ack                                                  hist
	nextID                                                    atomic.Uint64

	mu      sync.Mutex
	refused map[string]uint64
	convMu  sync.RWMutex
	convs   map[convKey]*convState

	socks []*sock
	db    *gorm.DB
}

// dbCPU starts a measurement of the CPU used by the database's server
// processes for this database (PostgreSQL backends, from /proc), the other
// half of the server's core; it reports cores. SQLite runs inside the server.
func (r *runner) dbCPU() func() float64 {
	if r.db == nil || !models.IsPostgres(r.db) {
		return func() float64 { return 0 }
	}
	read := func() map[int]time.Duration {
		var pids []int
		r.db.Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&pids)
		out := map[int]time.Duration{}
		for _, pid := range pids {
			if c, err := procCPU(pid); err == nil {
				out[pid] = c
			}
		}
		return out
	}
	start, t0 := read(), time.Now()
	return func() float64 {
		var used time.Duration
		for pid, c := range read() {
			used += c - start[pid] // a backend that started meanwhile counts whole
		}
		return used.Seconds() / time.Since(t0).Seconds()
	}
}

func (r *runner) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func (r *runner) refuse(code string) {
	r.mu.Lock()
	r.refused[code]++
	r.mu.Unlock()
}

func (r *runner) conv(k convKey) *convState {
	r.convMu.RLock()
	c := r.convs[k]
	r.convMu.RUnlock()
	if c != nil {
		return c
	}
	r.convMu.Lock()
	defer r.convMu.Unlock()
	if c = r.convs[k]; c == nil {
		c = &convState{}
		r.convs[k] = c
	}
	return c
}

// maintenancePeriod is how often the tool stands in for autovacuum.
const maintenancePeriod = 15 * time.Second

// maintain stands in for autovacuum when the database has it off (the
// shared PostgreSQL of the measurement machine does): without fresh
// statistics PostgreSQL keeps the plans it cached while the tables were
// small (sequential scans of messages) however large they grow, and the
// conversation rows, updated a thousand times a second, are never vacuumed.
// It analyzes and vacuums as autovacuum would, every maintenancePeriod.
func (r *runner) maintain(db *gorm.DB) {
	if !models.IsPostgres(db) {
		return
	}
	var on string
	if db.Raw("SHOW autovacuum").Scan(&on).Error != nil || on == "on" {
		return
	}
	r.logf("autovacuum is off on this database: the tool runs VACUUM ANALYZE every %v in its stead", maintenancePeriod)
	go func() {
		t := time.NewTicker(maintenancePeriod)
		defer t.Stop()
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
				if r.closing.Load() {
					return
				}
				if err := db.Exec("VACUUM (ANALYZE) messages, groups, group_members, private_conversations, users").Error; err != nil {
					r.logf("maintenance: %v", err)
				}
			}
		}
	}()
}

// prepare seeds the shape, logs everyone in and opens every socket.
func (r *runner) prepare() (*world, error) {
	o := r.o
	db, err := openDB(o.databaseURL, o.sqlitePath)
	if err != nil {
		return nil, err
	}
	r.db = db // kept open: the PostgreSQL backends' CPU is read through it
	start := time.Now()
	w, err := seed(r.ctx, db, o.run, o.groups, o.members, o.pairs)
	if err != nil {
		return nil, err
	}
	r.maintain(db)
	r.logf("seeded %d users, %d groups of %d, %d pairs in %v", len(w.all), o.groups, o.members, o.pairs, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := r.api.loginAll(r.ctx, w.all); err != nil {
		return nil, err
	}
	r.logf("logged %d users in in %v", len(w.all), time.Since(start).Round(time.Millisecond))
	for g, members := range w.groups {
		for _, u := range members {
			r.socks = append(r.socks, &sock{r: r, u: u, path: "/ws/group", node: len(r.socks) % len(r.wsBases), pending: map[string]pendingSend{},
				seen: map[convKey]*seqSet{}, convs: []convKey{{id: w.ids[g]}}})
		}
	}
	for _, p := range w.pairs {
		// Consecutive nodes: with several, the two ends of a pair are on different ones.
		a := &sock{r: r, u: p[0], path: "/ws/private", node: len(r.socks) % len(r.wsBases), peer: p[1].id, pending: map[string]pendingSend{}, seen: map[convKey]*seqSet{}}
		b := &sock{r: r, u: p[1], path: "/ws/private", node: (len(r.socks) + 1) % len(r.wsBases), peer: p[0].id, pending: map[string]pendingSend{}, seen: map[convKey]*seqSet{}}
		a.partner, b.partner = b, a
		r.socks = append(r.socks, a, b)
	}
	return w, nil
}

// connectResult is the connect phase of a run.
type connectResult struct {
	Sockets int     `json:"sockets"`
	Seconds float64 `json:"seconds"`
	latency
}

// connectAll opens every socket, connectWorkers at a time.
func (r *runner) connectAll() (connectResult, error) {
	if len(r.socks) == 0 {
		return connectResult{}, errNoSockets
	}
	var h hist
	start := time.Now()
	work := make(chan *sock)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range r.o.connectWorkers {
		wg.Go(func() {
			for s := range work {
				t := time.Now()
				if err := s.dial(r.ctx); err != nil {
					failed.CompareAndSwap(nil, &err)
					continue
				}
				h.add(time.Since(t))
			}
		})
	}
	for _, s := range r.socks {
		if failed.Load() != nil {
			break
		}
		work <- s
	}
	close(work)
	wg.Wait()
	if err := failed.Load(); err != nil {
		return connectResult{}, fmt.Errorf("connecting: %w", *err)
	}
	res := connectResult{Sockets: len(r.socks), Seconds: time.Since(start).Seconds(), latency: h.summary()}
	r.logf("connected %d sockets in %.1f s: %v", res.Sockets, res.Seconds, res.latency)
	return res, nil
}

// stream is one sender's open-loop schedule.
type stream struct {
	s        *sock
	target   uint64
	interval time.Duration
	next     time.Time
}

type streamHeap []*stream

func (h streamHeap) Len() int           { return len(h) }
func (h streamHeap) Less(i, j int) bool { return h[i].next.Before(h[j].next) }
func (h streamHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)        { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// streams builds the senders of one step: senders members of every group at
// rate messages/s each, and both sides of every pair at pairRate.
func (r *runner) streams(w *world, senders int, rate float64) []*stream {
	var out []*stream
	i := 0
	for g := range w.groups {
		for k := range min(senders, len(w.groups[g])) {
			out = append(out, &stream{s: r.socks[g*r.o.members+k], target: w.ids[g], interval: time.Duration(float64(time.Second) / rate)})
		}
		i += len(w.groups[g])
	}
	if r.o.pairRate > 0 {
		for _, s := range r.socks[i:] {
			out = append(out, &stream{s: s, target: s.peer, interval: time.Duration(float64(time.Second) / r.o.pairRate)})
		}
	}
	return out
}

// dispatch sends every stream's messages on schedule for d. Each stream
// starts at a random offset within its interval, so that senders spread.
func (r *runner) dispatch(streams []*stream, d time.Duration) {
	pad := strings.Repeat("x", max(0, r.o.body-24))
	start := time.Now()
	end := start.Add(d)
	h := make(streamHeap, len(streams))
	for i, st := range streams {
		st.next = start.Add(time.Duration(rand.Int64N(int64(st.interval))))
		h[i] = st
	}
	heap.Init(&h)
	for r.ctx.Err() == nil {
		st := h[0]
		if !st.next.Before(end) {
			return
		}
		if wait := time.Until(st.next); wait > 0 {
			time.Sleep(wait)
		}
		cmid := r.o.run + "-" + strconv.FormatUint(r.nextID.Add(1), 36)
		st.s.send(st.target, cmid, st.next, pad)
		st.next = st.next.Add(st.interval)
		heap.Fix(&h, 0)
	}
}

// stepResult is one JSON line of output.
type stepResult struct {
	Mode            string             `json:"mode"`
	Step            int                `json:"step,omitempty"`
	Groups          int                `json:"groups"`
	Members         int                `json:"members"`
	Senders         int                `json:"sendersPerGroup"`
	SenderRate      float64            `json:"messagesPerSecondPerSender"`
	Pairs           int                `json:"pairs"`
	TargetIn        float64            `json:"targetMessagesPerSecond"`
	TargetDeliver   float64            `json:"targetDeliveriesPerSecond"`
	Seconds         float64            `json:"seconds"`
	Sent            uint64             `json:"sent"`
	Acked           uint64             `json:"acked"`
	Refused         map[string]uint64  `json:"refused"`
	Unacked         int                `json:"unacked"`
	Delivered       uint64             `json:"delivered"`
	DeliveredPerSec float64            `json:"deliveredPerSecond"`
	Duplicates      uint64             `json:"duplicates"`
	Lost            uint64             `json:"lost"`
	Reconnects      uint64             `json:"reconnects"`
	E2E             latency            `json:"endToEnd"`
	Ack             latency            `json:"ack"`
	ServerCPU       float64            `json:"serverCpuCores"`
	DatabaseCPU     float64            `json:"databaseCpuCores"`
	ServerPeakRSSMB float64            `json:"serverPeakRssMiB"`
	ToolCPU         float64            `json:"toolCpuCores"`
	CPUBusy         map[string]float64 `json:"cpuBusy"`
	Connect         *connectResult     `json:"connect,omitempty"`
	Pass            *bool              `json:"pass,omitempty"`
}

// step runs one measured period at the given senders per group and rate,
// then drains: waits until every send is answered and every socket holds
// every seq of its conversations, or the drain time is up.
func (r *runner) step(w *world, n, senders int, rate float64) stepResult {
	o := r.o
	streams := r.streams(w, senders, rate)
	res := stepResult{Mode: o.mode, Step: n, Groups: o.groups, Members: o.members, Senders: senders, SenderRate: rate, Pairs: o.pairs}
	for _, st := range streams {
		res.TargetIn += float64(time.Second) / float64(st.interval)
		if st.s.peer != 0 {
			res.TargetDeliver += 2 * float64(time.Second) / float64(st.interval)
		} else {
			res.TargetDeliver += float64(o.members) * float64(time.Second) / float64(st.interval)
		}
	}
	r.logf("step %d: %d senders a group at %.1f/s: %.0f messages/s in, %.0f deliveries/s", n, senders, rate, res.TargetIn, res.TargetDeliver)
	r.e2e.reset()
	r.ack.reset()
	sent0, acked0, del0, dup0 := r.sent.Load(), r.acked.Load(), r.delivered.Load(), r.duplicates.Load()
	r.mu.Lock()
	clear(r.refused)
	r.mu.Unlock()
	busy := cpuBusy(o.cpuList())
	proc := r.proc.window()
	self := (&procSampler{pids: []int{os.Getpid()}}).window()
	dbCPU := r.dbCPU()
	start := time.Now()
	r.dispatch(streams, o.duration)
	res.Seconds = time.Since(start).Seconds()
	res.DeliveredPerSec = float64(r.delivered.Load()-del0) / res.Seconds
	res.ServerCPU, _ = proc()
	res.ToolCPU, _ = self()
	res.DatabaseCPU = dbCPU()
	res.CPUBusy = busy()
	drainEnd := time.Now().Add(o.drain)
	for time.Now().Before(drainEnd) && r.ctx.Err() == nil {
		if res.Unacked, res.Lost = r.outstanding(); res.Unacked == 0 && res.Lost == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.Unacked, res.Lost = r.outstanding()
	_, peak := proc()
	res.ServerPeakRSSMB = float64(peak) / (1 << 20)
	res.Sent, res.Acked = r.sent.Load()-sent0, r.acked.Load()-acked0
	res.Delivered, res.Duplicates = r.delivered.Load()-del0, r.duplicates.Load()-dup0
	res.Reconnects = r.reconnects.Load()
	r.mu.Lock()
	res.Refused = maps(r.refused)
	r.mu.Unlock()
	res.E2E, res.Ack = r.e2e.summary(), r.ack.summary()
	return res
}

func maps(m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// outstanding counts unacknowledged sends and missing deliveries.
func (r *runner) outstanding() (unacked int, lost uint64) {
	for _, s := range r.socks {
		unacked += s.unacked()
		lost += s.lost()
	}
	return unacked, lost
}

func (r *runner) report(res stepResult) {
	_ = r.out.Encode(res)
	verdict := ""
	if res.Pass != nil {
		verdict = map[bool]string{true: "PASS", false: "FAIL"}[*res.Pass]
	}
	r.logf("%s sent %d, acked %d, refused %v, unacked %d | delivered %d (%.0f/s), duplicates %d, lost %d, reconnects %d",
		verdict, res.Sent, res.Acked, res.Refused, res.Unacked, res.Delivered, res.DeliveredPerSec, res.Duplicates, res.Lost, res.Reconnects)
	r.logf("  end to end: %v", res.E2E)
	r.logf("  ack:        %v", res.Ack)
	r.logf("  server: %.2f cores, peak RSS %.1f MiB; database %.2f cores; tool %.2f cores; busy %v", res.ServerCPU, res.ServerPeakRSSMB, res.DatabaseCPU, res.ToolCPU, fmtBusy(res.CPUBusy))
}

func fmtBusy(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %.0f%% ", k, 100*m[k])
	}
	return strings.TrimSpace(b.String())
}

// load is one run at the given shape.
func (r *runner) load() error {
	w, err := r.prepare()
	if err != nil {
		return err
	}
	conn, err := r.connectAll()
	if err != nil {
		return err
	}
	res := r.step(w, 0, r.o.senders, r.o.rate)
	res.Connect = &conn
	r.report(res)
	return nil
}

// ramp raises the rate step by step until a step misses the p99 limit or
// loses a message, then reports the highest step that passed.
func (r *runner) ramp() error {
	o := r.o
	w, err := r.prepare()
	if err != nil {
		return err
	}
	if _, err := r.connectAll(); err != nil {
		return err
	}
	var best *stepResult
	for n, target := 1, o.rampStart; target <= o.rampMax && r.ctx.Err() == nil; n, target = n+1, target+o.rampStep {
		in := target / float64(o.members) / float64(o.groups) // messages/s per group
		senders := int(in/o.maxSenderRate) + 1
		if senders > o.members {
			r.logf("ramp: %.0f deliveries/s needs more than %d senders a group", target, o.members)
			break
		}
		res := r.step(w, n, senders, in/float64(senders))
		pass := res.Lost == 0 && res.Unacked == 0 && len(res.Refused) == 0 &&
			res.E2E.P99 <= float64(o.p99Limit.Milliseconds()) && res.DeliveredPerSec >= 0.95*res.TargetDeliver
		res.Pass = &pass
		r.report(res)
		if !pass {
			break
		}
		best = &res
	}
	if best == nil {
		return fmt.Errorf("ramp: no step passed")
	}
	r.logf("ramp: highest passing step %d: %.0f deliveries/s (%.0f messages/s in) at p99 %.1f ms", best.Step, best.DeliveredPerSec, best.TargetIn, best.E2E.P99)
	return nil
}

// idleResult is the memory of idle sockets.
type idleResult struct {
	Mode              string        `json:"mode"`
	Sockets           int           `json:"sockets"`
	RSSBeforeMiB      float64       `json:"rssBeforeMiB"`
	RSSAfterMiB       float64       `json:"rssAfterMiB"`
	BytesPerSocket    float64       `json:"rssBytesPerSocket"`
	Connect           connectResult `json:"connect"`
	GoMetricsBefore   goMetrics     `json:"goBefore"`
	GoMetricsAfter    goMetrics     `json:"goAfter"`
	HeapPerSocket     float64       `json:"heapInuseBytesPerSocket"`
	StackPerSocket    float64       `json:"stackInuseBytesPerSocket"`
	GoroutinesPerSock float64       `json:"goroutinesPerSocket"`
}

// idle opens groups × members sockets that send nothing and reports the
// server's resident memory per socket (the RSS delta over N).
func (r *runner) idle() error {
	if len(r.o.pids) == 0 {
		return fmt.Errorf("-mode idle needs -pid (the server's)")
	}
	if _, err := r.prepare(); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // let the logins' garbage go
	before, err := readRSS(r.o.pids)
	if err != nil {
		return err
	}
	gmBefore := r.scrape()
	conn, err := r.connectAll()
	if err != nil {
		return err
	}
	time.Sleep(r.o.settle)
	after, err := readRSS(r.o.pids)
	if err != nil {
		return err
	}
	gmAfter := r.scrape()
	n := float64(len(r.socks))
	res := idleResult{Mode: "idle", Sockets: len(r.socks), RSSBeforeMiB: float64(before) / (1 << 20), RSSAfterMiB: float64(after) / (1 << 20),
		BytesPerSocket: float64(after-before) / n, Connect: conn, GoMetricsBefore: gmBefore, GoMetricsAfter: gmAfter,
		HeapPerSocket:     (gmAfter.HeapInuse - gmBefore.HeapInuse) / n,
		StackPerSocket:    (gmAfter.StackInuse - gmBefore.StackInuse) / n,
		GoroutinesPerSock: (gmAfter.Goroutines - gmBefore.Goroutines) / n}
	_ = r.out.Encode(res)
	r.logf("idle: %d sockets, RSS %.1f → %.1f MiB: %.1f KiB per socket (heap %.1f KiB, stacks %.1f KiB, %.1f goroutines per socket)",
		res.Sockets, res.RSSBeforeMiB, res.RSSAfterMiB, res.BytesPerSocket/1024, res.HeapPerSocket/1024, res.StackPerSocket/1024, res.GoroutinesPerSock)
	return nil
}

// goMetrics are the Go runtime figures of the server's /metrics.
type goMetrics struct {
	HeapInuse  float64 `json:"heapInuseBytes"`
	StackInuse float64 `json:"stackInuseBytes"`
	Goroutines float64 `json:"goroutines"`
}

func (r *runner) scrape() goMetrics {
	var m goMetrics
	res, err := r.api.client.Get(r.api.base + "/metrics")
	if err != nil {
		return m
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_memstats_heap_inuse_bytes":
			m.HeapInuse = v
		case "go_memstats_stack_inuse_bytes":
			m.StackInuse = v
		case "go_goroutines":
			m.Goroutines = v
		}
	}
	return m
}
