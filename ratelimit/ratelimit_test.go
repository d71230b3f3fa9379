package ratelimit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"workcomm/ratelimit"
	"workcomm/testenv"
)

var ctx = context.Background()

func TestAllowSpendsTheBurstThenWaits(t *testing.T) {
	l := ratelimit.New(3, time.Hour)
	for i := range 3 {
		if ok, _ := l.Allow(ctx, "k"); !ok {
			t.Fatalf("event %d refused within the burst", i)
		}
	}
	ok, wait := l.Allow(ctx, "k")
	if ok || wait <= 0 || wait > 20*time.Minute+time.Second {
		t.Fatalf("4th event: ok=%v wait=%v, want refused with about 20m", ok, wait)
	}
	if ok, _ := l.Allow(ctx, "other"); !ok {
		t.Fatal("keys share a bucket")
	}
}

func TestExhaustedOnlyCountsSpentFailures(t *testing.T) {
	l := ratelimit.New(2, time.Minute)
	for range 5 {
		if limited, _ := l.Exhausted(ctx, "acct"); limited {
			t.Fatal("checking alone spent the budget")
		}
	}
	l.Spend(ctx, "acct")
	l.Spend(ctx, "acct")
	if limited, wait := l.Exhausted(ctx, "acct"); !limited || wait <= 0 {
		t.Fatalf("two failures of two: limited=%v wait=%v", limited, wait)
	}
}

// node is one server's view of a shared limiter: its own Redis client and
// its own in-memory buckets, as on a real node.
type node struct {
	lim *ratelimit.Limiter
	rdb *redis.Client
	reg *prometheus.Registry
}

func newNode(t *testing.T, url, prefix string, burst int, per time.Duration) *node {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{rdb: redis.NewClient(opts), reg: prometheus.NewRegistry()}
	t.Cleanup(func() { n.rdb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n.lim = ratelimit.New(burst, per).Share(ratelimit.NewShared(n.rdb, prefix, n.reg, log), "login")
	return n
}

func TestSharedBudgetIsSpentOnceAcrossNodes(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	prefix := testenv.UniqueName("rl")
	a, b := newNode(t, url, prefix, 5, time.Minute), newNode(t, url, prefix, 5, time.Minute)
	allowed := 0
	for i := range 12 {
		n := []*node{a, b}[i%2]
		ok, wait := n.lim.Allow(ctx, "203.0.113.9")
		if ok {
			allowed++
			continue
		}
		// 5 a minute: the next token is at most 12 s away.
		if wait <= 0 || wait > 12*time.Second {
			t.Fatalf("refusal %d: wait %v, want within (0, 12s]", i, wait)
		}
	}
	if allowed != 5 {
		t.Fatalf("two nodes allowed %d events of a budget of 5", allowed)
	}
	if ok, _ := b.lim.Allow(ctx, "198.51.100.7"); !ok {
		t.Fatal("another key was refused: keys share a bucket")
	}
	// Another deployment on the same Redis (another REDIS_PREFIX) has its own budget.
	other := newNode(t, url, testenv.UniqueName("rl"), 5, time.Minute)
	if ok, _ := other.lim.Allow(ctx, "203.0.113.9"); !ok {
		t.Fatal("a deployment with another prefix shares the budget")
	}
}

func TestSharedFailureBudgetCountsEveryNodesFailures(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	prefix := testenv.UniqueName("rl")
	a, b := newNode(t, url, prefix, 5, time.Minute), newNode(t, url, prefix, 5, time.Minute)
	for range 3 {
		a.lim.Spend(ctx, "user:42")
	}
	if limited, _ := b.lim.Exhausted(ctx, "user:42"); limited {
		t.Fatal("3 failures of 5 exhaust the budget")
	}
	b.lim.Spend(ctx, "user:42")
	b.lim.Spend(ctx, "user:42")
	// Node A saw only 3 failures itself; the cluster saw 5.
	for _, n := range []*node{a, b} {
		limited, wait := n.lim.Exhausted(ctx, "user:42")
		if !limited || wait <= 0 || wait > 12*time.Second {
			t.Fatalf("after 5 failures on two nodes: limited=%v wait=%v, want limited within 12s", limited, wait)
		}
	}
}

func TestRefusedByTheClusterSpendsNothingOnTheNode(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	prefix := testenv.UniqueName("rl")
	a, b := newNode(t, url, prefix, 3, time.Hour), newNode(t, url, prefix, 3, time.Hour)
	for range 3 {
		if ok, _ := b.lim.Allow(ctx, "k"); !ok {
			t.Fatal("refused within the budget")
		}
	}
	for range 3 {
		if ok, _ := a.lim.Allow(ctx, "k"); ok {
			t.Fatal("node A allowed past the cluster's budget")
		}
	}
	// Redis forgets the buckets (as in an outage): node A's own buckets
	// decide, and its refused attempts did not spend them.
	keys, err := a.rdb.Keys(ctx, "rate:"+prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("shared buckets under %q: %v %v", prefix, keys, err)
	}
	if err := a.rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if ok, _ := a.lim.Allow(ctx, "k"); !ok {
			t.Fatalf("node A's event %d refused: refusals by the cluster spent its own tokens", i)
		}
	}
}

func TestSharedKeysHoldNoClientInput(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	prefix := testenv.UniqueName("rl")
	a := newNode(t, url, prefix, 5, time.Minute)
	a.lim.Spend(ctx, "login:alice@example.com")
	keys, err := a.rdb.Keys(ctx, "rate:"+prefix+"*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys under %q: %v %v", prefix, keys, err)
	}
	want := fmt.Sprintf("rate:%slogin:", prefix)
	if len(keys[0]) != len(want)+32 || keys[0][:len(want)] != want {
		t.Fatalf("key %q, want %q and a 32-hex-digit hash", keys[0], want)
	}
}

func TestUnreachableRedisFallsBackToTheNodesBudget(t *testing.T) {
	// A port nothing listens on: every round trip fails at once.
	down := newNode(t, fmt.Sprintf("redis://127.0.0.1:%d/0", testenv.FreePort(t)), "rl", 2, time.Hour)
	for i := range 2 {
		if ok, _ := down.lim.Allow(ctx, "k"); !ok {
			t.Fatalf("event %d refused: an outage must not refuse clients within the node's budget", i)
		}
	}
	if ok, wait := down.lim.Allow(ctx, "k"); ok || wait <= 0 {
		t.Fatalf("3rd event of 2: ok=%v wait=%v, want the node's own refusal", ok, wait)
	}
	down.lim.Spend(ctx, "acct")
	if limited, _ := down.lim.Exhausted(ctx, "acct"); limited {
		t.Fatal("1 failure of 2 exhausts the budget during an outage")
	}
	down.lim.Spend(ctx, "acct")
	if limited, _ := down.lim.Exhausted(ctx, "acct"); !limited {
		t.Fatal("2 failures of 2 do not exhaust the node's budget during an outage")
	}
	if n, err := testutil.GatherAndCount(down.reg, "workcomm_ratelimit_shared_errors_total"); err != nil || n != 1 {
		t.Fatalf("error counter series: %d %v", n, err)
	}
	mfs, err := down.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	// 2 allowed events, 2 spends and the first check reached for Redis; the
	// refused 3rd event and the last check were decided by the node alone.
	if got := mfs[0].GetMetric()[0].GetCounter().GetValue(); got != 5 {
		t.Fatalf("%v failed round trips counted, want 5", got)
	}
}
