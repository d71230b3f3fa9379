// Package ratelimit keeps token buckets per key (client IP, account, user).
// Every limiter keeps its buckets in memory (golang.org/x/time/rate); a limiter
// that is Shared also draws from one bucket per key in Redis, so that behind a
// load balancer N nodes give a client the budget once, not N times.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"golang.org/x/time/rate"
)

// idleTTL is how long an untouched bucket is kept; a full bucket older than this
// carries no information.
const idleTTL = 2 * time.Hour

// Limiter is a set of token buckets, one per key, all with the same rate and burst.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	sweeps  int

	// limit is the same budget in redis_rate's terms; shared and name are set
	// by Share.
	limit  redis_rate.Limit
	shared *Shared
	name   string
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New allows burst events at once and then `burst` more every `per`.
func New(burst int, per time.Duration) *Limiter {
	return &Limiter{
		every:   rate.Limit(float64(burst) / per.Seconds()),
		burst:   burst,
		buckets: make(map[string]*bucket),
		limit:   redis_rate.Limit{Rate: burst, Burst: burst, Period: per},
	}
}

// NewRate allows r events a second with the given burst.
func NewRate(r float64, burst int) *Limiter {
	// redis_rate counts whole events per period: r a second is one event
	// every 1/r seconds.
	limit := redis_rate.Limit{Rate: 1, Burst: burst, Period: time.Duration(float64(time.Second) / r)}
	if r >= 1 && r == math.Trunc(r) {
		limit = redis_rate.Limit{Rate: int(r), Burst: burst, Period: time.Second}
	}
	return &Limiter{every: rate.Limit(r), burst: burst, buckets: make(map[string]*bucket), limit: limit}
}

// Share makes the limiter cluster-wide: its keys also draw from buckets in
// s under name, which must be unique among the limiters of s. It returns l.
func (l *Limiter) Share(s *Shared, name string) *Limiter {
	l.shared, l.name = s, name
	return l
}

func (l *Limiter) get(key string, now time.Time) *rate.Limiter {
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	// Sweep stale buckets now and then so memory stays bounded by active keys.
	if l.sweeps++; l.sweeps >= 1024 {
		l.sweeps = 0
		for k, v := range l.buckets {
			if now.Sub(v.seen) > idleTTL {
				delete(l.buckets, k)
			}
		}
	}
	return b.lim
}

// Allow takes one token for key; when none is left it returns false and how
// long until one is.
//
// The node's own bucket is asked first: this node alone having spent the
// budget means the cluster has too, and a flood is then refused without a
// round trip. If the shared bucket refuses, the local token is given back;
// if it cannot be reached, the node's own answer stands.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	r := l.get(key, now).ReserveN(now, 1)
	l.mu.Unlock()
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	if l.shared == nil {
		return true, 0
	}
	ok, wait, err := l.shared.allow(ctx, l.name, key, l.limit, 1)
	if err != nil || ok {
		return true, 0
	}
	// At the reservation's own time: x/time/rate restores nothing for a
	// reservation cancelled after the moment it was due.
	r.CancelAt(now)
	return false, wait
}

// Exhausted reports, without taking a token, whether key has none left, and
// how long until it has one. Used for failure budgets: check before, spend on failure.
func (l *Limiter) Exhausted(ctx context.Context, key string) (bool, time.Duration) {
	if limited, wait := l.exhaustedLocal(key); limited || l.shared == nil {
		return limited, wait
	}
	res, err := l.shared.check(ctx, l.name, key, l.limit)
	if err != nil || res.Remaining >= 1 {
		return false, 0
	}
	// Checked with a cost of zero, ResetAfter is how long until the bucket is
	// full; one token comes burst-1 emission intervals sooner.
	interval := l.limit.Period / time.Duration(l.limit.Rate)
	return true, max(res.ResetAfter-time.Duration(l.limit.Burst-1)*interval, time.Millisecond)
}

func (l *Limiter) exhaustedLocal(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.get(key, now)
	if lim.TokensAt(now) >= 1 {
		return false, 0
	}
	r := lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return true, d
}

// Spend takes one token for key if there is one (a failure to count).
func (l *Limiter) Spend(ctx context.Context, key string) {
	now := time.Now()
	l.mu.Lock()
	l.get(key, now).AllowN(now, 1)
	l.mu.Unlock()
	if l.shared != nil {
		_, _, _ = l.shared.allow(ctx, l.name, key, l.limit, 1) // an outage is counted and logged there
	}
}
