// Package broker carries the events every WorkComm node must see: chat
// messages, typing, read marks, presence, membership changes and kicks. A node
// publishes an event once; every node, the publisher included, receives it and
// delivers it to its own sockets. In-process is the default (one node);
// Redis pub/sub joins several nodes.
package broker

import (
	"context"
	"sync"
)

// Broker fans a payload out to every subscribed node, this one included.
type Broker interface {
	// Publish sends payloads to every node, in order, in one round trip to
	// the backend. A payload must not be changed afterwards: the in-process
	// broker hands the same bytes to the handler. On an error any of them may
	// or may not have gone out (a reply lost after Redis ran the commands).
	Publish(ctx context.Context, payloads ...[]byte) error
	// Subscribe registers this node's one handler and returns once it receives.
	// The handler sees one publisher's events in publish order; it must not
	// block, and must be safe to call from several goroutines (the in-process
	// broker calls it on each publisher's own).
	Subscribe(ctx context.Context, handler func(payload []byte)) error
	// Ping checks the broker's backend (readiness).
	Ping(ctx context.Context) error
	// Close stops the subscription (a Redis client stays its owner's).
	Close() error
}

// InProcess is the single-node broker: Publish calls the handler at once, on
// the publisher's goroutine, so each publisher's events keep their order.
type InProcess struct {
	mu      sync.RWMutex
	handler func([]byte)
}

// NewInProcess returns an in-process broker.
func NewInProcess() *InProcess { return &InProcess{} }

// Publish hands each payload to the handler.
func (b *InProcess) Publish(_ context.Context, payloads ...[]byte) error {
	b.mu.RLock()
	h := b.handler
	b.mu.RUnlock()
	if h != nil {
		for _, p := range payloads {
			h(p)
		}
	}
	return nil
}

// Subscribe sets the handler.
func (b *InProcess) Subscribe(_ context.Context, handler func([]byte)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handler = handler
	return nil
}

// Ping always succeeds.
func (b *InProcess) Ping(context.Context) error { return nil }

// Close drops the handler.
func (b *InProcess) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handler = nil
	return nil
}
