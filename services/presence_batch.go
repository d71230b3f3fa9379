package services

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"workcomm/models"
	"workcomm/views"
)

// presenceBatch gathers the presence changes of a short window and announces
// them together (Config.PresenceWindow). A node restart brings thousands of
// users back within seconds; announced one by one, each costs a write, three
// reads and a publish. Gathered, a window costs one UPDATE of last_seen_at,
// one read of the users, one query for the audience of all of them and one
// publish, whatever the number of users in it.
//
// Only the net change of a window is announced: a user who comes online and
// goes offline again within it (or drops and comes back) announces nothing,
// and their friends keep the state they had. A lone change goes out one
// window after it happened. Windows are flushed one at a time, in order, so
// that a user's changes reach clients in the order they happened.
type presenceBatch struct {
	p      *Presence
	window time.Duration

	mu      sync.Mutex
	pending map[uint64]bool // user → online: the net change since the last flush
	closed  bool            // after close, changes are announced at once

	start sync.Once     // the loop starts with the first change
	kick  chan struct{} // cap 1: something is pending
	stop  chan struct{}
	done  chan struct{}
}

func newPresenceBatch(p *Presence, window time.Duration) *presenceBatch {
	return &presenceBatch{p: p, window: window, pending: make(map[uint64]bool),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// add records that userID came online or went offline. It never waits on
// the database: the flush does that.
func (b *presenceBatch) add(ctx context.Context, userID uint64, online bool) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.p.announce(ctx, map[uint64]bool{userID: online})
		return
	}
	if prev, ok := b.pending[userID]; ok && prev != online {
		delete(b.pending, userID) // back where the window began: nothing to say
	} else {
		b.pending[userID] = online
	}
	b.mu.Unlock()
	b.start.Do(func() { go b.loop() })
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// loop flushes one window after the first change of each window, until
// close, which flushes what is pending.
func (b *presenceBatch) loop() {
	defer close(b.done)
	t := time.NewTimer(b.window)
	t.Stop()
	for {
		select {
		case <-b.stop:
			b.flush()
			return
		case <-b.kick:
		}
		t.Reset(b.window)
		select {
		case <-b.stop:
			t.Stop()
			b.flush()
			return
		case <-t.C:
		}
		b.flush()
	}
}

// flush announces the changes pending.
func (b *presenceBatch) flush() {
	b.mu.Lock()
	changes := b.pending
	if len(changes) == 0 {
		// Still b.pending: it must not be read once the lock is released.
		b.mu.Unlock()
		return
	}
	b.pending = make(map[uint64]bool, len(changes))
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), presenceTimeout)
	defer cancel()
	b.p.announce(ctx, changes)
}

// close announces what is pending and makes later changes go out at once
// (sockets that close after the node's shutdown began).
func (b *presenceBatch) close() {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if already {
		return
	}
	started := true
	b.start.Do(func() { started = false })
	if started {
		close(b.stop)
		<-b.done
	}
}

// announce records when the changed users were last seen and tells their
// friends' private sockets and their co-members' group sockets: one UPDATE,
// one read of the users, one audience query and one publish for all of
// them (each statement per models.presenceChunk users).
func (p *Presence) announce(ctx context.Context, changes map[uint64]bool) {
	ids := slices.Sorted(maps.Keys(changes))
	if err := models.TouchLastSeenMany(ctx, p.DB, ids, p.now()); err != nil {
		p.Log.WarnContext(ctx, "last seen not recorded", "users", len(ids), "err", err)
		return
	}
	seen, err := models.LastSeenByIDs(ctx, p.DB, ids)
	if err != nil {
		p.Log.WarnContext(ctx, "last seen not recorded", "users", len(ids), "err", err)
		return
	}
	audiences, err := models.PresenceAudiences(ctx, p.DB, ids)
	if err != nil {
		p.Log.WarnContext(ctx, "presence audience unavailable", "users", len(ids), "err", err)
		return
	}
	evs := make([]Event, 0, 2*len(audiences))
	for _, id := range ids {
		lastSeen, ok := seen[id]
		a := audiences[id]
		if !ok || a == nil { // gone, or nobody sees them
			continue
		}
		data := views.NewPresence(id, changes[id], lastSeen)
		if len(a.Friends) > 0 {
			evs = append(evs, Event{Socket: PrivateSocket, Users: a.Friends, Type: EventPresence, Data: data})
		}
		if len(a.CoMembers) > 0 {
			evs = append(evs, Event{Socket: GroupSocket, Users: a.CoMembers, Type: EventPresence, Data: data})
		}
	}
	p.Publisher.Publish(ctx, evs...)
}
