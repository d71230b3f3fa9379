package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisURL is used when TEST_REDIS_URL is empty.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

var (
	redisOnce      sync.Once
	redisReachable error
)

// RedisURL is the Redis used by multi-node tests.
func RedisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return DefaultRedisURL
}

// RequireRedisOrSkip returns the Redis URL, or skips (fails in CI, where
// WORKCOMM_REQUIRE_REDIS=1) when Redis does not answer. Under -short (make
// test-quick) Redis runs only when TEST_REDIS_URL names it.
func RequireRedisOrSkip(t testing.TB) string {
	t.Helper()
	if quickWithout("TEST_REDIS_URL") && os.Getenv("WORKCOMM_REQUIRE_REDIS") != "1" {
		t.Skip("-short: Redis runs when TEST_REDIS_URL is set")
	}
	redisOnce.Do(func() {
		opts, err := redis.ParseURL(RedisURL())
		if err != nil {
			redisReachable = err
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		redisReachable = c.Ping(ctx).Err()
		if redisReachable != nil && os.Getenv("WORKCOMM_REQUIRE_REDIS") != "1" {
			fmt.Fprintf(os.Stderr, "\n!!! Redis at %s is unreachable (%v): multi-node tests are SKIPPED. !!!\n\n", RedisURL(), redisReachable)
		}
	})
	if redisReachable != nil {
		if os.Getenv("WORKCOMM_REQUIRE_REDIS") == "1" {
			t.Fatalf("Redis is required (WORKCOMM_REQUIRE_REDIS=1) but unreachable at %s: %v", RedisURL(), redisReachable)
		}
		t.Skipf("Redis unreachable at %s: skipped", RedisURL())
	}
	return RedisURL()
}

// UniqueName returns a random name with a prefix (Redis channel prefixes, users).
func UniqueName(prefix string) string { return randomName(prefix) }
