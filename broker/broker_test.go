package broker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"workcomm/broker"
	"workcomm/testenv"
)

// collect subscribes b and returns a function that waits for n payloads.
func collect(t *testing.T, b broker.Broker) func(n int) []string {
	t.Helper()
	var mu sync.Mutex
	var got []string
	if err := b.Subscribe(context.Background(), func(p []byte) {
		mu.Lock()
		got = append(got, string(p))
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	return func(n int) []string {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			out := slices.Clone(got)
			mu.Unlock()
			if len(out) >= n || time.Now().After(deadline) {
				return out
			}
		}
	}
}

func payloads(n int) ([][]byte, []string) {
	var b [][]byte
	var s []string
	for i := range n {
		s = append(s, fmt.Sprintf("event %d", i))
		b = append(b, []byte(s[i]))
	}
	return b, s
}

// A batch published in one call reaches every node, complete and in order,
// and after what was published before it.
func TestRedisBatchReachesEveryNodeInOrder(t *testing.T) {
	url := testenv.RequireRedisOrSkip(t)
	prefix := testenv.UniqueName("brk")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes []func(int) []string
	var pub *broker.Redis
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		client := redis.NewClient(opts) // a node's own connection
		b := broker.NewRedis(client, prefix, log)
		t.Cleanup(func() { b.Close(); client.Close() })
		nodes = append(nodes, collect(t, b))
		pub = b
	}
	ctx := context.Background()
	if err := pub.Publish(ctx, []byte("first")); err != nil {
		t.Fatal(err)
	}
	batch, want := payloads(200)
	if err := pub.Publish(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	want = append([]string{"first"}, want...)
	for i, wait := range nodes {
		if got := wait(len(want)); !slices.Equal(got, want) {
			t.Fatalf("node %d received %d payloads, want %d in order: %q…", i, len(got), len(want), got[:min(len(got), 5)])
		}
	}
}

func TestInProcessBatchInOrder(t *testing.T) {
	b := broker.NewInProcess()
	wait := collect(t, b)
	batch, want := payloads(50)
	if err := b.Publish(context.Background(), batch...); err != nil {
		t.Fatal(err)
	}
	if got := wait(len(want)); !slices.Equal(got, want) {
		t.Fatalf("received %q", got)
	}
}
