package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// sharedTimeout bounds one round trip to Redis: a limit check must never be
// what makes a request slow, so past it the node's own bucket decides.
const sharedTimeout = 200 * time.Millisecond

// Shared is the Redis side of cluster-wide limits (redis_rate's GCRA, one key
// per bucket, timed by the Redis server's clock so that nodes agree). When
// Redis cannot be reached every Shared limiter falls back to its node's own
// buckets: a client then gets up to N times the budget, never a refusal
// caused by the outage.
type Shared struct {
	rl     *redis_rate.Limiter
	prefix string
	log    *slog.Logger
	down   atomic.Bool
	errors prometheus.Counter
}

// NewShared keeps buckets in rdb under "rate:" (redis_rate's own prefix) and
// then prefix (REDIS_PREFIX, so that deployments sharing a Redis do not share
// budgets). reg may be nil.
func NewShared(rdb *redis.Client, prefix string, reg prometheus.Registerer, log *slog.Logger) *Shared {
	s := &Shared{
		rl: redis_rate.NewLimiter(rdb), prefix: prefix, log: log,
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workcomm_ratelimit_shared_errors_total",
			Help: "Rate-limit checks that could not reach Redis and fell back to the node's own buckets.",
		}),
	}
	if reg != nil {
		reg.MustRegister(s.errors)
	}
	return s
}

// key names a bucket. Keys hold client input (an IP, a login as typed), so
// Redis gets their hash: fixed length, and no email address at rest there.
func (s *Shared) key(name, key string) string {
	sum := sha256.Sum256([]byte(key))
	return s.prefix + name + ":" + hex.EncodeToString(sum[:16])
}

// allow takes n tokens (n = 1) for key.
func (s *Shared) allow(ctx context.Context, name, key string, limit redis_rate.Limit, n int) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	res, err := s.rl.AllowN(ctx, s.key(name, key), limit, n)
	if s.observe(ctx, err) != nil {
		return false, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// check reads key's bucket without taking a token.
func (s *Shared) check(ctx context.Context, name, key string, limit redis_rate.Limit) (*redis_rate.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	res, err := s.rl.AllowN(ctx, s.key(name, key), limit, 0)
	return res, s.observe(ctx, err)
}

// observe counts failures and logs only the changes of state, so that an
// outage is one line, not one a request. A request that ended while waiting
// says nothing of Redis.
func (s *Shared) observe(ctx context.Context, err error) error {
	if err != nil && errors.Is(context.Cause(ctx), context.Canceled) {
		return err
	}
	if err != nil {
		s.errors.Inc()
		if !s.down.Swap(true) {
			s.log.Warn("rate limits fall back to per-node buckets: Redis unreachable", "err", err)
		}
		return err
	}
	if s.down.Swap(false) {
		s.log.Info("rate limits are cluster-wide again")
	}
	return nil
}
