// Package presence knows who is online: a user is online while at least one
// of their sockets is open on any node. Local counts one node's sockets;
// Redis shares the answer between nodes, with entries that expire so that a
// node that dies without saying goodbye does not leave its users online.
package presence

import (
	"context"
	"sync"
)

// Tracker counts sockets per user and says who is online.
type Tracker interface {
	// Connect records one more socket of userID; cameOnline reports that the
	// user had none open anywhere before.
	Connect(ctx context.Context, userID uint64) (cameOnline bool, err error)
	// Disconnect records one socket fewer; wentOffline reports that the user
	// now has none open anywhere.
	Disconnect(ctx context.Context, userID uint64) (wentOffline bool, err error)
	// Online reports which of ids are online.
	Online(ctx context.Context, ids []uint64) (map[uint64]bool, error)
	// Count is how many users are online.
	Count(ctx context.Context) (int, error)
	// Expired yields the users a dead node left online, as this node clears
	// them (they are offline now; nobody has announced it yet). Its owner
	// must keep receiving from it; nil when no node can die unseen.
	Expired() <-chan uint64
	// Close stops background work.
	Close() error
}

// counts is a per-user socket count for this node.
type counts struct {
	mu sync.Mutex
	n  map[uint64]int
}

func newCounts() *counts { return &counts{n: make(map[uint64]int)} }

// add changes userID's count by delta and returns the new count.
func (c *counts) add(userID uint64, delta int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n[userID] + delta
	if n <= 0 {
		delete(c.n, userID)
		return 0
	}
	c.n[userID] = n
	return n
}

// users returns the users with at least one socket on this node.
func (c *counts) users() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]uint64, 0, len(c.n))
	for id := range c.n {
		out = append(out, id)
	}
	return out
}

// Local tracks one node: online means a socket open here.
type Local struct{ c *counts }

// NewLocal returns a tracker for a single node.
func NewLocal() *Local { return &Local{c: newCounts()} }

// Connect counts a socket.
func (l *Local) Connect(_ context.Context, userID uint64) (bool, error) {
	return l.c.add(userID, 1) == 1, nil
}

// Disconnect uncounts a socket.
func (l *Local) Disconnect(_ context.Context, userID uint64) (bool, error) {
	return l.c.add(userID, -1) == 0, nil
}

// Online reports the users with a socket here.
func (l *Local) Online(_ context.Context, ids []uint64) (map[uint64]bool, error) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	out := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		if l.c.n[id] > 0 {
			out[id] = true
		}
	}
	return out, nil
}

// Count is the number of users with a socket here.
func (l *Local) Count(context.Context) (int, error) {
	l.c.mu.Lock()
	defer l.c.mu.Unlock()
	return len(l.c.n), nil
}

// Expired is nil: a single node's sockets end with it.
func (l *Local) Expired() <-chan uint64 { return nil }

// Close does nothing.
func (l *Local) Close() error { return nil }
