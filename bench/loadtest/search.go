package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"workcomm/models"
)

// searchOptions are the flags of -mode search.
type searchOptions struct {
	messages, users, groups, pairs, limit int
	rates                                 string
	p99                                   time.Duration
	seedOnly, seeded                      bool
}

func (s *searchOptions) register() {
	flag.IntVar(&s.messages, "search-messages", 1000000, "search: messages stored, spread over the groups and pairs")
	flag.IntVar(&s.users, "search-users", 2000, "search: users (each one searches its own conversations)")
	flag.IntVar(&s.groups, "search-groups", 300, "search: groups, of 10 to 50 random users each")
	flag.IntVar(&s.pairs, "search-pairs", 1000, "search: private conversations between random friends")
	flag.IntVar(&s.limit, "search-limit", 20, "search: results per page")
	flag.StringVar(&s.rates, "search-rates", "", "search: a ramp, queries/s per step, comma-separated (e.g. 50,100,200,400); empty: one step at -rate")
	flag.DurationVar(&s.p99, "search-p99", 50*time.Millisecond, "search: a step passes with every kind's p99 at most this, no error and 95 % of the rate answered")
	flag.BoolVar(&s.seedOnly, "search-seed-only", false, "search: seed, then stop (the seeding's time alone, or to query it again with -search-seeded)")
	flag.BoolVar(&s.seeded, "search-seeded", false, "search: seed nothing, query as the users of an earlier run named -run")
}

// Vocabulary of the seeded bodies, as search/bench_test.go's: 12 words a
// message drawn from w0…w499 with a squared (skewed) frequency, so that w0 is
// in about 42 % of the messages, w9 in 8 % and w499 in 1.2 %; and one message in
// rareEvery carries one of rareWords words q0000…, each in about
// messages/rareEvery/rareWords messages (10 at 1,000,000).
const (
	vocabulary   = 500
	wordsPerBody = 12
	rareEvery    = 100
	rareWords    = 1000
	// searchChunk is the rows of one INSERT: 6 parameters each, well under
	// PostgreSQL's 65,535 and SQLite's 32,766.
	searchChunk = 1000
	// searchTx is the rows of one seeding transaction.
	searchTx = 10000
	// groupShare is the part of the messages that go to groups (the rest to
	// private conversations).
	groupShare = 0.8
)

// searchKind is one kind of query the mix sends.
type searchKind struct {
	name string
	make func(r *rand.Rand) string
}

// searchKinds are the queries, sent in equal shares. Every word is matched
// as a prefix (the API's rule), so each kind also says what it matches.
var searchKinds = []searchKind{
	// One of the rare words: about 10 messages in the whole table, usually
	// none of them readable by the caller (an empty page).
	{"rare", func(r *rand.Rand) string { return fmt.Sprintf("q%04d", r.IntN(rareWords)) }},
	// A frequent word (w0…w9: 8 %–42 % of the messages).
	{"common", func(r *rand.Rand) string { return "w" + strconv.Itoa(r.IntN(10)) }},
	// One of the least frequent words, w100…w499 (1.2 %–2.6 % of the
	// messages each; as a prefix each matches only itself).
	{"medium", func(r *rand.Rand) string { return "w" + strconv.Itoa(100+r.IntN(400)) }},
	// A prefix of many words: w1 matches w1, w10–w19, w100–w199.
	{"prefix", func(r *rand.Rand) string { return "w" + strconv.Itoa(1+r.IntN(9)) }},
	// Two words anywhere in the message.
	{"two-words", func(r *rand.Rand) string {
		return "w" + strconv.Itoa(r.IntN(100)) + " w" + strconv.Itoa(r.IntN(100))
	}},
	// Two words next to each other, in order.
	{"phrase", func(r *rand.Rand) string {
		return `"w` + strconv.Itoa(r.IntN(20)) + " w" + strconv.Itoa(r.IntN(20)) + `"`
	}},
}

// searchConv is a seeded conversation: its members and its last seq.
type searchConv struct {
	typ     string
	id      uint64
	members []*user
	seq     uint64
}

// kindResult is one kind of query's figures in a step.
type kindResult struct {
	Kind     string            `json:"kind"`
	Requests uint64            `json:"requests"`
	Errors   uint64            `json:"errors"`
	Status   map[string]uint64 `json:"status"`
	Latency  latency           `json:"latency"`
}

// searchResult is one JSON line of -mode search: a step at one rate.
type searchResult struct {
	Mode            string             `json:"mode"`
	Step            int                `json:"step,omitempty"`
	Database        string             `json:"database"`
	Messages        int                `json:"messagesStored"`
	SeedSeconds     float64            `json:"seedSeconds"`
	Users           int                `json:"users"`
	Groups          int                `json:"groups"`
	Pairs           int                `json:"pairs"`
	Limit           int                `json:"limit"`
	TargetPerSecond float64            `json:"targetQueriesPerSecond"`
	Seconds         float64            `json:"seconds"`
	Requests        uint64             `json:"requests"`
	Errors          uint64             `json:"errors"`
	PerSecond       float64            `json:"answeredPerSecond"`
	Latency         latency            `json:"latency"`
	Kinds           []kindResult       `json:"kinds"`
	ServerCPU       float64            `json:"serverCpuCores"`
	DatabaseCPU     float64            `json:"databaseCpuCores"`
	ServerPeakRSSMB float64            `json:"serverPeakRssMiB"`
	CPUBusy         map[string]float64 `json:"cpuBusy"`
	LoadAverage     string             `json:"loadAverage"`
	Pass            *bool              `json:"pass,omitempty"`
}

// search seeds users, groups, private conversations and searchMessages
// messages straight into the database, then sends GET /search/messages at a
// fixed rate (open loop, latency from the scheduled time) as random users,
// a mix of query kinds; with -search-rates, a ramp that stops after the first
// step whose p99 (of any kind) passes -search-p99.
func (r *runner) search() error {
	o, so := r.o, &r.o.search
	rates := []float64{o.rate}
	if so.rates != "" {
		rates = rates[:0]
		for _, f := range strings.Split(so.rates, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || v <= 0 {
				return fmt.Errorf("-search-rates: %q is not a rate", f)
			}
			rates = append(rates, v)
		}
	}
	db, err := openDB(o.databaseURL, o.sqlitePath)
	if err != nil {
		return err
	}
	r.db = db
	if err := checkSearchIndex(r.ctx, db); err != nil {
		return err
	}
	start := time.Now()
	var users []*user
	if so.seeded {
		users, err = seededUsers(r.ctx, db, o.run)
	} else {
		users, err = seedSearch(r.ctx, db, o.run, so, r.logf)
	}
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	seedTime := time.Since(start)
	if so.seeded {
		seedTime = 0
		r.db.WithContext(r.ctx).Raw("SELECT COUNT(*) FROM messages").Scan(&so.messages)
		r.logf("run %s: %d users in conversations, %d messages stored", o.run, len(users), so.messages)
	} else {
		r.logf("seeded %d messages, %d users, %d groups, %d pairs in %v as run %s (load average %s)", so.messages, len(users), so.groups, so.pairs,
			seedTime.Round(time.Millisecond), o.run, loadAverage())
	}
	if so.seedOnly {
		return nil
	}
	// No stand-in for autovacuum here (r.maintain): the messages do not
	// change while they are searched, so autovacuum would leave them alone,
	// and a VACUUM of the 1,000,000 rows every 15 s (3.2 s of CPU 0 each,
	// measured) was most of the database CPU this mode reported at 5
	// queries/s, and stalled the queries that ran beside it. The seeding ends
	// with its own VACUUM ANALYZE.
	start = time.Now()
	if err := r.api.loginAll(r.ctx, users); err != nil {
		return err
	}
	r.logf("logged %d users in in %v", len(users), time.Since(start).Round(time.Millisecond))
	base := searchResult{Mode: "search", Database: db.Dialector.Name(), Messages: so.messages, SeedSeconds: seedTime.Seconds(),
		Users: len(users), Groups: so.groups, Pairs: so.pairs, Limit: so.limit}
	var last *searchResult
	for i, rate := range rates {
		if r.ctx.Err() != nil {
			break
		}
		res := base
		if len(rates) > 1 {
			res.Step = i + 1
		}
		r.searchStep(&res, users, rate)
		pass := res.Errors == 0 && res.PerSecond >= 0.95*rate
		for _, k := range res.Kinds {
			pass = pass && k.Latency.P99 <= float64(so.p99.Microseconds())/1000
		}
		res.Pass = &pass
		_ = r.out.Encode(res)
		r.reportSearch(res)
		if !pass {
			r.logf("search: p99 passes %v (or errors, or the rate is not answered) at %.0f queries/s; last passing step: %s",
				so.p99, rate, describeStep(last))
			return nil
		}
		last = &res
	}
	if len(rates) > 1 {
		r.logf("search: every step passed; the highest: %s", describeStep(last))
	}
	return nil
}

func describeStep(s *searchResult) string {
	if s == nil {
		return "none"
	}
	return fmt.Sprintf("%.0f queries/s at p99 %.1f ms", s.TargetPerSecond, s.Latency.P99)
}

// searchStep sends rate queries/s for -duration and fills res.
func (r *runner) searchStep(res *searchResult, users []*user, rate float64) {
	o, so := r.o, &r.o.search
	res.TargetPerSecond = rate
	hists := make([]hist, len(searchKinds))
	var all hist
	reqs := make([]atomic.Uint64, len(searchKinds))
	var mu sync.Mutex
	status := make([]map[string]uint64, len(searchKinds))
	for i := range status {
		status[i] = map[string]uint64{}
	}
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	busy := cpuBusy([]int{0, 1})
	proc := r.proc.window()
	dbCPU := r.dbCPU()
	interval := time.Duration(float64(time.Second) / rate)
	r.logf("search: %.0f queries/s for %v", rate, o.duration)
	begin := time.Now()
	end := begin.Add(o.duration)
	for next := begin; next.Before(end) && r.ctx.Err() == nil; next = next.Add(interval) {
		if wait := time.Until(next); wait > 0 {
			time.Sleep(wait)
		}
		k := rng.IntN(len(searchKinds))
		u := users[rng.IntN(len(users))]
		q := url.Values{"q": {searchKinds[k].make(rng)}, "limit": {strconv.Itoa(so.limit)}}
		target := r.api.base + "/api/v1/search/messages?" + q.Encode()
		sched := next
		wg.Go(func() {
			st := r.get(target, u.accessToken())
			d := time.Since(sched)
			hists[k].add(d)
			all.add(d)
			reqs[k].Add(1)
			mu.Lock()
			status[k][st]++
			mu.Unlock()
		})
	}
	res.Seconds = time.Since(begin).Seconds()
	res.ServerCPU, _ = proc()
	res.DatabaseCPU = dbCPU()
	res.CPUBusy = busy()
	res.LoadAverage = loadAverage()
	wg.Wait()
	_, peak := proc()
	res.ServerPeakRSSMB = float64(peak) / (1 << 20)
	for i, k := range searchKinds {
		kr := kindResult{Kind: k.name, Requests: reqs[i].Load(), Status: status[i], Latency: hists[i].summary()}
		for st, n := range status[i] {
			if st != "200" {
				kr.Errors += n
			}
		}
		res.Requests += kr.Requests
		res.Errors += kr.Errors
		res.Kinds = append(res.Kinds, kr)
	}
	res.PerSecond = float64(res.Requests-res.Errors) / res.Seconds
	res.Latency = all.summary()
}

func (r *runner) reportSearch(res searchResult) {
	verdict := map[bool]string{true: "PASS", false: "FAIL"}[*res.Pass]
	r.logf("%s %.0f queries/s target, %.1f/s answered, %d errors: %v", verdict, res.TargetPerSecond, res.PerSecond, res.Errors, res.Latency)
	for _, k := range res.Kinds {
		r.logf("  %-9s %v, errors %d %v", k.Kind, k.Latency, k.Errors, k.Status)
	}
	r.logf("  server: %.2f cores, peak RSS %.1f MiB; database %.2f cores; busy %s; load average %s",
		res.ServerCPU, res.ServerPeakRSSMB, res.DatabaseCPU, fmtBusy(res.CPUBusy), res.LoadAverage)
}

// checkSearchIndex fails unless the server has created its search index:
// the messages the tool stores must be indexed by the database itself, as
// the app's are (a generated tsvector column on PostgreSQL, FTS5 triggers on
// SQLite).
func checkSearchIndex(ctx context.Context, db *gorm.DB) error {
	var n int64
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'message_search_insert'"
	if models.IsPostgres(db) {
		q = "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'search_scoped' AND table_schema = current_schema()"
	}
	if err := db.WithContext(ctx).Raw(q).Scan(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("the database has no search index: start the server on it first (it creates the index)")
	}
	return nil
}

// seedSearch writes the users, groups (random members), friendships with
// their private conversations, and the messages, then sets each
// conversation's last seq and refreshes the planner's statistics. It returns
// the users who belong to at least one conversation.
func seedSearch(ctx context.Context, db *gorm.DB, run string, so *searchOptions, logf func(string, ...any)) ([]*user, error) {
	if so.users < 50 || so.groups < 1 || so.pairs < 0 || so.pairs > so.users*(so.users-1)/2 {
		return nil, fmt.Errorf("-search-users must be at least 50, -search-groups at least 1 and -search-pairs possible")
	}
	if err := models.Migrate(ctx, db); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(13, 13))
	users, err := seedUsers(ctx, db, run, "Search", so.users)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	var convs []*searchConv
	for g := range so.groups {
		members := pick(rng, users, 10+rng.IntN(41))
		grp := &models.Group{Name: fmt.Sprintf("%s group %d", run, g), OwnerID: members[0].id}
		ms := make([]models.GroupMember, len(members))
		for i, u := range members {
			ms[i] = models.GroupMember{UserID: u.id, Role: models.GroupRoleMember, JoinedAt: now}
		}
		ms[0].Role = models.GroupRoleOwner
		if err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return models.CreateGroup(ctx, tx, grp, ms) }); err != nil {
			return nil, fmt.Errorf("groups: %w", err)
		}
		convs = append(convs, &searchConv{typ: models.ConvGroup, id: grp.ID, members: members})
	}
	nGroups := len(convs)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seen := map[[2]uint64]bool{}
		for len(convs)-nGroups < so.pairs {
			p := pick(rng, users, 2)
			key := [2]uint64{min(p[0].id, p[1].id), max(p[0].id, p[1].id)}
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, err := models.CreateFriendship(ctx, tx, p[0].id, p[1].id); err != nil {
				return err
			}
			c, err := models.EnsurePrivateConversation(ctx, tx, p[0].id, p[1].id)
			if err != nil {
				return err
			}
			convs = append(convs, &searchConv{typ: models.ConvPrivate, id: c.ID, members: p})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	logf("seeded %d users, %d groups, %d pairs; storing %d messages", len(users), so.groups, so.pairs, so.messages)
	if err := seedSearchMessages(ctx, db, rng, convs[:nGroups], convs[nGroups:], so.messages, logf); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range convs {
			table := "groups"
			if c.typ == models.ConvPrivate {
				table = "private_conversations"
			}
			if err := tx.Exec("UPDATE "+table+" SET last_seq = ?, last_message_at = ? WHERE id = ?", c.seq, now, c.id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("last seqs: %w", err)
	}
	// What a bulk load is followed by (as history mode): statistics for the
	// planner and, on PostgreSQL, the visibility map, hint bits and the GIN
	// index's pending list merged, as autovacuum leaves them.
	start := time.Now()
	if models.IsPostgres(db) {
		err = db.WithContext(ctx).Exec("VACUUM (ANALYZE) messages, groups, group_members, private_conversations, friendships, users").Error
	} else {
		err = db.WithContext(ctx).Exec("ANALYZE").Error
	}
	logf("vacuum/analyze after the load: %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		return nil, err
	}
	inConv := map[uint64]bool{}
	for _, c := range convs {
		for _, u := range c.members {
			inConv[u.id] = true
		}
	}
	return slices.DeleteFunc(users, func(u *user) bool { return !inConv[u.id] }), nil
}

// seededUsers are the users of an earlier run who belong to a conversation.
func seededUsers(ctx context.Context, db *gorm.DB, run string) ([]*user, error) {
	var rows []struct {
		ID       uint64
		Username string
	}
	err := db.WithContext(ctx).Raw(`SELECT u.id, u.username FROM users u WHERE u.username LIKE ? ESCAPE '\' AND (
  EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id)
  OR EXISTS (SELECT 1 FROM friendships f WHERE f.user_a_id = u.id OR f.user_b_id = u.id)) ORDER BY u.id`, run+"\\_%").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no user of run %q in the database (-search-seeded needs the -run of a seeding run)", run)
	}
	out := make([]*user, len(rows))
	for i, r := range rows {
		out[i] = &user{id: r.ID, username: r.Username}
	}
	return out, nil
}

// pick returns n distinct random users.
func pick(rng *rand.Rand, users []*user, n int) []*user {
	idx := rng.Perm(len(users))[:n]
	out := make([]*user, n)
	for i, j := range idx {
		out[i] = users[j]
	}
	return out
}

// seedSearchMessages stores n messages, groupShare of them in groups, the
// rest in private conversations, each conversation weighted at random
// (exponentially: a few busy ones, many quiet), from a random member,
// created over the last year in id order. searchTx rows a transaction,
// searchChunk rows a statement; the database indexes them as it does the
// app's (PostgreSQL computes the generated tsvector column, SQLite's
// triggers fill FTS5).
func seedSearchMessages(ctx context.Context, db *gorm.DB, rng *rand.Rand, groups, pairs []*searchConv, n int, logf func(string, ...any)) error {
	pickGroup, pickPair := weighted(rng, len(groups)), weighted(rng, len(pairs))
	word := func() string {
		x := rng.Float64()
		return "w" + strconv.Itoa(int(x*x*vocabulary))
	}
	start := time.Now()
	first := start.Add(-365 * 24 * time.Hour).UTC()
	step := time.Duration(int64(365*24*time.Hour) / int64(max(n, 1)))
	var sql strings.Builder
	args := make([]any, 0, 6*searchChunk)
	words := make([]string, wordsPerBody)
	for done := 0; done < n; {
		tx := min(n, done+searchTx)
		err := db.WithContext(ctx).Transaction(func(t *gorm.DB) error {
			for done < tx {
				rows := min(tx, done+searchChunk) - done
				sql.Reset()
				sql.WriteString("INSERT INTO messages (conv_type, conv_id, seq, sender_id, body, created_at) VALUES ")
				args = args[:0]
				for i := range rows {
					c := groups[pickGroup()]
					if len(pairs) > 0 && rng.Float64() >= groupShare {
						c = pairs[pickPair()]
					}
					c.seq++
					for j := range words {
						words[j] = word()
					}
					if rng.IntN(rareEvery) == 0 {
						words[rng.IntN(wordsPerBody)] = fmt.Sprintf("q%04d", rng.IntN(rareWords))
					}
					if i > 0 {
						sql.WriteString(",")
					}
					sql.WriteString("(?,?,?,?,?,?)")
					args = append(args, c.typ, c.id, c.seq, c.members[rng.IntN(len(c.members))].id, strings.Join(words, " "),
						first.Add(time.Duration(done+i)*step))
				}
				if err := t.Exec(sql.String(), args...).Error; err != nil {
					return err
				}
				done += rows
			}
			return nil
		})
		if err != nil {
			return err
		}
		if done%100000 == 0 || done == n {
			el := time.Since(start)
			logf("stored %d messages in %v (%.0f/s; load average %s)", done, el.Round(time.Second), float64(done)/el.Seconds(), loadAverage())
		}
	}
	return nil
}

// weighted returns a picker of 0…n-1 with random exponential weights.
func weighted(rng *rand.Rand, n int) func() int {
	cum := make([]float64, n)
	total := 0.0
	for i := range cum {
		total += rng.ExpFloat64()
		cum[i] = total
	}
	return func() int {
		return min(n-1, sort.SearchFloat64s(cum, rng.Float64()*total))
	}
}
