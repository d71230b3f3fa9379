package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timings says how often a node rewrites its users' entries (Refresh) and how
// long an entry lives without a rewrite (TTL) before it counts as left by a
// dead node.
type Timings struct {
	TTL     time.Duration
	Refresh time.Duration
}

// DefaultTimings: 30 s against a 10 s refresh survives two missed refreshes
// (a GC pause, a Redis failover) and still clears a dead node's users within
// about 40 s (TTL plus one reaping round).
var DefaultTimings = Timings{TTL: 30 * time.Second, Refresh: 10 * time.Second}

const (
	// reapBatch bounds the expired users one node clears per round.
	reapBatch = 100
	// stripes serialise Connect and Disconnect per user (by id modulo) so that
	// a close and a reopen on this node reach Redis in the order they happened.
	stripes = 64
)

// Redis keeps, per user, a sorted set of the nodes where they have sockets
// (scored by expiry), and one sorted set of online users (scored by the
// latest expiry of their nodes). Several keys change at once in Lua scripts,
// so each change is atomic. Nodes' clocks are assumed synchronised to well
// under the TTL (NTP).
type Redis struct {
	client    *redis.Client
	node      string
	userKey   string // + user id: that user's nodes
	onlineKey string
	log       *slog.Logger
	expired   chan uint64
	timings   Timings

	local   *counts
	stripes [stripes]sync.Mutex
	stop    chan struct{}
	done    chan struct{}
}

// joinScript adds this node to a user's nodes; it returns 1 when the user had
// no live node before (they came online).
var joinScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], 'GT', ARGV[3], ARGV[4])
if before == 0 then return 1 end
return 0`)

// leaveScript removes this node from a user's nodes; it returns 1 when no
// live node is left (they went offline).
var leaveScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 1
end
return 0`)

// reapScript clears a user whose online entry expired: 1 for the one node
// that removed them, 0 if another did or if a live node still has them.
var reapScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  return redis.call('ZREM', KEYS[2], ARGV[2])
end
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], 'GT', top[2], ARGV[2])
return 0`)

// NewRedis shares presence through client under prefix. Each user this node
// finds left online by a dead node comes out of Expired, which the caller
// must receive from (to announce them offline). Close stops the refresh loop.
func NewRedis(client *redis.Client, prefix string, timings Timings, log *slog.Logger) *Redis {
	node := make([]byte, 8)
	_, _ = rand.Read(node)
	r := &Redis{
		client: client, node: hex.EncodeToString(node),
		userKey: prefix + ":presence:user:", onlineKey: prefix + ":presence:online",
		log: log, expired: make(chan uint64, reapBatch), timings: timings, local: newCounts(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	go r.loop()
	return r
}

func (r *Redis) keys(userID uint64) []string {
	return []string{r.userKey + strconv.FormatUint(userID, 10), r.onlineKey}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// Connect counts a socket; the first one on this node registers the node.
func (r *Redis) Connect(ctx context.Context, userID uint64) (bool, error) {
	mu := &r.stripes[userID%stripes]
	mu.Lock()
	defer mu.Unlock()
	if r.local.add(userID, 1) > 1 {
		return false, nil
	}
	now := time.Now()
	res, err := joinScript.Run(ctx, r.client, r.keys(userID),
		r.node, ms(now), ms(now.Add(r.timings.TTL)), userID, r.timings.TTL.Milliseconds()).Int()
	return res == 1, err
}

// Disconnect uncounts a socket; the last one on this node unregisters it.
func (r *Redis) Disconnect(ctx context.Context, userID uint64) (bool, error) {
	mu := &r.stripes[userID%stripes]
	mu.Lock()
	defer mu.Unlock()
	if r.local.add(userID, -1) > 0 {
		return false, nil
	}
	res, err := leaveScript.Run(ctx, r.client, r.keys(userID), r.node, ms(time.Now()), userID).Int()
	return res == 1, err
}

// Online reads the users' online entries; an expired one is offline.
func (r *Redis) Online(ctx context.Context, ids []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	members := make([]string, len(ids))
	for i, id := range ids {
		members[i] = strconv.FormatUint(id, 10)
	}
	scores, err := r.client.ZMScore(ctx, r.onlineKey, members...).Result()
	if err != nil {
		return nil, err
	}
	now := float64(ms(time.Now()))
	for i, s := range scores {
		if s > now {
			out[ids[i]] = true
		}
	}
	return out, nil
}

// Count is the number of unexpired online entries.
func (r *Redis) Count(ctx context.Context) (int, error) {
	n, err := r.client.ZCount(ctx, r.onlineKey, "("+strconv.FormatInt(ms(time.Now()), 10), "+inf").Result()
	return int(n), err
}

// Expired yields the users this node cleared after their node died; it is
// closed once Close has stopped the loop.
func (r *Redis) Expired() <-chan uint64 { return r.expired }

// Close stops the refresh loop. This node's entries are left to expire, or
// removed by Disconnect as its sockets close.
func (r *Redis) Close() error {
	close(r.stop)
	<-r.done
	return nil
}

func (r *Redis) loop() {
	defer close(r.done)
	defer close(r.expired) // the loop is its only sender
	t := time.NewTicker(r.timings.Refresh)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), r.timings.Refresh)
			r.refresh(ctx)
			r.reap(ctx)
			cancel()
		}
	}
}

// refresh rewrites the expiry of every user with a socket here, in one pipeline.
func (r *Redis) refresh(ctx context.Context) {
	users := r.local.users()
	if len(users) == 0 {
		return
	}
	exp := float64(ms(time.Now().Add(r.timings.TTL)))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range users {
			k := r.keys(id)
			p.ZAdd(ctx, k[0], redis.Z{Score: exp, Member: r.node})
			p.PExpire(ctx, k[0], r.timings.TTL)
			p.ZAddGT(ctx, k[1], redis.Z{Score: exp, Member: strconv.FormatUint(id, 10)})
		}
		return nil
	})
	if err != nil {
		r.log.Warn("presence refresh failed", "err", err)
	}
}

// reap clears users whose entries expired (their node died) and announces them.
func (r *Redis) reap(ctx context.Context) {
	now := strconv.FormatInt(ms(time.Now()), 10)
	expired, err := r.client.ZRangeByScore(ctx, r.onlineKey, &redis.ZRangeBy{Min: "-inf", Max: now, Count: reapBatch}).Result()
	if err != nil {
		r.log.Warn("presence reap failed", "err", err)
		return
	}
	for _, m := range expired {
		id, err := strconv.ParseUint(m, 10, 64)
		if err != nil {
			continue
		}
		removed, err := reapScript.Run(ctx, r.client, r.keys(id), now, m).Int()
		if err == nil && removed == 1 {
			select {
			case r.expired <- id:
			case <-r.stop:
				return
			}
		}
	}
}
