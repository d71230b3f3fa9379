package services

import "context"

// Publisher is what the use cases need of the real-time layer: it pushes
// events to the sockets of every node (sockets.Delivery is the real one).
type Publisher interface {
	// Publish hands events to every node, in order, each of which pushes
	// them to its own sockets. Call it after the change is committed; pass a
	// batch's events in one call, so that they cost one broker round trip.
	Publish(ctx context.Context, evs ...Event)
	// Kick closes every socket of the user, on every node (ban, delete,
	// role change).
	Kick(ctx context.Context, userID uint64)
}

// Socket names the socket kind an event is pushed on.
type Socket uint8

// The socket kinds.
const (
	// PrivateSocket is /ws/private: addressed by user.
	PrivateSocket Socket = iota + 1
	// GroupSocket is /ws/group: addressed by user, or by a group's room.
	GroupSocket
)

// Membership is what an event does to group sockets' rooms before its frame
// is pushed.
type Membership uint8

// The membership changes.
const (
	// NoMembership pushes the frame and changes no room.
	NoMembership Membership = iota
	// Join puts the Users' group sockets in Room first.
	Join
	// Leave takes the Users' group sockets (no Users: every socket) out of Room first.
	Leave
)

// Frame types the use cases push (the contract's server-to-client frames).
const (
	EventMessageNew      = "message.new"
	EventMessageUpdated  = "message.updated"
	EventMessageDeleted  = "message.deleted"
	EventTyping          = "typing"
	EventRead            = "read"
	EventPresence        = "presence"
	EventGroupJoined     = "group.joined"
	EventGroupLeft       = "group.left"
	EventReactionAdded   = "reaction.added"
	EventReactionRemoved = "reaction.removed"
)

// Event is what a use case publishes: one frame (its type and its data, a
// views value) for an audience on one socket kind. It is the service event;
// the socket layer encodes its frame once, carries it to every node as a
// broker event, and each node lays it out once as a wire frame for all its
// recipients. A new kind of push is a new Type and views value, nothing more.
type Event struct {
	Socket Socket
	// Users are the recipients (every socket of each), or, with a
	// Membership, the users who join or leave Room.
	Users []uint64
	// Room is a group's room on the group socket: without a Membership and
	// without Users, every socket in it receives the frame.
	Room uint64
	// Exclude is a user whose sockets are skipped (the typist).
	Exclude uint64
	// Membership moves Users (or, leaving, everyone) in or out of Room first.
	Membership Membership

	Type string
	Data any
}
