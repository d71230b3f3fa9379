package sockets

import (
	"sync"
)

// hub holds one socket kind's connections on this node, indexed by user and
// by room (a group id; the private hub has no rooms). Its maps change only
// under mu. Nothing it calls under mu can block: delivery holds the read lock
// and only queues frames (a client whose queue is full is closed instead),
// and closing a client only asks its writer to close.
type hub struct {
	kind hubKind

	mu    sync.RWMutex
	users map[uint64]map[*client]struct{}
	rooms map[uint64]map[*client]struct{}
}

func newHub(kind hubKind) *hub {
	return &hub{kind: kind, users: make(map[uint64]map[*client]struct{}), rooms: make(map[uint64]map[*client]struct{})}
}

// pendingChange is a membership change that reached a client while it was
// still loading its rooms; it is replayed, in order, once they are loaded.
type pendingChange struct {
	join bool
	room uint64
}

// add registers c under its user. A group client starts loading: membership
// changes for it are kept until ready is called with its rooms.
func (h *hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.users[c.userID]
	if set == nil {
		set = make(map[*client]struct{})
		h.users[c.userID] = set
	}
	set[c] = struct{}{}
	c.loading = h.kind == hubGroup
}

// ready joins c to rooms (its memberships as read after add), replays the
// changes that arrived meanwhile, and returns the rooms it is now in: from
// then on c receives every event for them. Events to its rooms before this
// point are the client's to sync. The caller queues the ready frame before
// c's writer starts, so that it goes out first.
func (h *hub) ready(c *client, rooms []uint64) []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range rooms {
		h.joinLocked(c, r)
	}
	for _, p := range c.pending {
		if p.join {
			h.joinLocked(c, p.room)
		} else {
			h.leaveLocked(c, p.room)
		}
	}
	c.pending, c.loading = nil, false
	joined := make([]uint64, 0, len(c.rooms))
	for r := range c.rooms {
		joined = append(joined, r)
	}
	return joined
}

// remove unregisters c from its user and its rooms.
func (h *hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.users[c.userID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.users, c.userID)
		}
	}
	for r := range c.rooms {
		h.leaveLocked(c, r)
	}
}

func (h *hub) joinLocked(c *client, room uint64) bool {
	if _, in := c.rooms[room]; in {
		return false
	}
	if c.rooms == nil {
		c.rooms = make(map[uint64]struct{})
	}
	c.rooms[room] = struct{}{}
	set := h.rooms[room]
	if set == nil {
		set = make(map[*client]struct{})
		h.rooms[room] = set
	}
	set[c] = struct{}{}
	return true
}

func (h *hub) leaveLocked(c *client, room uint64) bool {
	if _, in := c.rooms[room]; !in {
		return false
	}
	delete(c.rooms, room)
	if set := h.rooms[room]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.rooms, room)
		}
	}
	return true
}

// deliverUsers queues the wire frame f for every socket of the users, except
// exclude's, and returns how many it queued.
func (h *hub) deliverUsers(users []uint64, exclude uint64, f wireFrame) (n int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		if u == exclude {
			continue
		}
		for c := range h.users[u] {
			c.out.push(f)
			n++
		}
	}
	return n
}

// deliverRoom queues the wire frame f for every socket in the room, except
// exclude's, and returns how many it queued.
func (h *hub) deliverRoom(room, exclude uint64, f wireFrame) (n int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.rooms[room] {
		if c.userID != exclude {
			c.out.push(f)
			n++
		}
	}
	return n
}

// join puts every socket of the users in the room and tells each that joined.
func (h *hub) join(users []uint64, room uint64, f wireFrame) {
	h.change(users, room, true, f)
}

// leave takes every socket of the users out of the room (no users: every
// socket in it, the group is gone) and tells each that left.
func (h *hub) leave(users []uint64, room uint64, f wireFrame) {
	if len(users) == 0 {
		h.mu.Lock()
		defer h.mu.Unlock()
		for c := range h.rooms[room] {
			h.leaveLocked(c, room)
			c.out.push(f)
		}
		return
	}
	h.change(users, room, false, f)
}

func (h *hub) change(users []uint64, room uint64, join bool, f wireFrame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range users {
		for c := range h.users[u] {
			if c.loading {
				c.pending = append(c.pending, pendingChange{join: join, room: room})
				continue
			}
			var changed bool
			if join {
				changed = h.joinLocked(c, room)
			} else {
				changed = h.leaveLocked(c, room)
			}
			if changed {
				c.out.push(f)
			}
		}
	}
}

// kick closes every socket of the users.
func (h *hub) kick(users []uint64, code int, reason string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		for c := range h.users[u] {
			c.out.close(code, reason)
		}
	}
}

// all returns every client (pings, shutdown).
func (h *hub) all() []*client {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*client
	for _, set := range h.users {
		for c := range set {
			out = append(out, c)
		}
	}
	return out
}
