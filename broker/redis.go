package broker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

// subscriptionBuffer is how many received events may wait for the handler. The
// handler never blocks (it only queues frames), so this absorbs bursts only;
// go-redis drops an event that waits longer than its send timeout (a minute),
// and the clients' sync fills such a gap.
const subscriptionBuffer = 4096

// Redis is the multi-node broker: every node publishes to and subscribes to
// one channel, so each receives every event in one order.
type Redis struct {
	client  *redis.Client
	channel string
	log     *slog.Logger

	mu     sync.Mutex
	pubsub *redis.PubSub
	done   chan struct{}
}

// NewRedis publishes and subscribes through client, which its owner opened
// (and closes); the channel starts with prefix so that several deployments
// (or test runs) can share one Redis.
func NewRedis(client *redis.Client, prefix string, log *slog.Logger) *Redis {
	return &Redis{client: client, channel: prefix + ":events", log: log}
}

// Publish sends payloads on the channel. Several go in one pipeline: one
// round trip for a whole group-commit batch, which the committer would
// otherwise wait out once per message (measured: see docs/PERFORMANCE.md,
// "Two nodes").
func (r *Redis) Publish(ctx context.Context, payloads ...[]byte) error {
	if len(payloads) == 1 {
		return r.client.Publish(ctx, r.channel, payloads[0]).Err()
	}
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, payload := range payloads {
			p.Publish(ctx, r.channel, payload)
		}
		return nil
	})
	return err
}

// Subscribe listens on the channel; it returns once Redis has confirmed the
// subscription, so nothing published afterwards is missed. go-redis
// resubscribes by itself after a lost connection.
func (r *Redis) Subscribe(ctx context.Context, handler func([]byte)) error {
	ps := r.client.Subscribe(ctx, r.channel)
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return fmt.Errorf("redis subscribe: %w", err)
	}
	r.mu.Lock()
	r.pubsub, r.done = ps, make(chan struct{})
	done := r.done
	r.mu.Unlock()
	ch := ps.Channel(redis.WithChannelSize(subscriptionBuffer))
	go func() {
		defer close(done)
		for m := range ch {
			handler([]byte(m.Payload))
		}
	}()
	return nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// Close ends the subscription and waits for the handler to return. The
// client stays open: its owner closes it.
func (r *Redis) Close() error {
	r.mu.Lock()
	ps, done := r.pubsub, r.done
	r.pubsub = nil
	r.mu.Unlock()
	if ps == nil {
		return nil
	}
	err := ps.Close()
	<-done
	return err
}
