// Package ratelimit keeps token buckets per key (client IP, account, user) in
// memory, on top of golang.org/x/time/rate. Limits are per node: behind a load
// balancer with N nodes a client can get up to N times the budget, which still
// stops brute force and floods.
package ratelimit

import (
	"sync"
	"time"

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
	}
}

// NewRate allows r events a second with the given burst.
func NewRate(r float64, burst int) *Limiter {
	return &Limiter{every: rate.Limit(r), burst: burst, buckets: make(map[string]*bucket)}
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
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.get(key, now)
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Exhausted reports, without taking a token, whether key has none left, and
// how long until it has one. Used for failure budgets: check before, spend on failure.
func (l *Limiter) Exhausted(key string) (bool, time.Duration) {
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
func (l *Limiter) Spend(key string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(key, now).AllowN(now, 1)
}
