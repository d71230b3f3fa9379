package sockets

import (
	"encoding/binary"
	"errors"
)

// op is what a node does with a broker event it receives.
type op byte

const (
	// opDeliver sends the frame to the listed users' sockets, or to a room.
	opDeliver op = iota + 1
	// opJoin puts the listed users' group sockets in the room, then sends the frame.
	opJoin
	// opLeave takes the listed users' group sockets (none listed: every
	// socket) out of the room, then sends them the frame.
	opLeave
	// opKick closes every socket of the listed users.
	opKick
)

// hubKind says which socket kind a broker event is for.
type hubKind byte

const (
	hubPrivate hubKind = iota + 1
	hubGroup
)

// brokerEvent is one message between nodes: a service event (or a kick)
// with its frame's JSON envelope encoded once by the publishing node, sent
// as is to every node, which lays it out once as a wire frame for all its
// recipients.
type brokerEvent struct {
	op       op
	hub      hubKind
	room     uint64   // a group id (opDeliver to a room, opJoin, opLeave)
	exclude  uint64   // a user whose sockets are skipped (the typist)
	users    []uint64 // recipients (opDeliver without a room, opJoin, opLeave, opKick)
	envelope []byte   // the frame's JSON envelope
}

// headerSize is op, hub, room, exclude and the user count.
const headerSize = 1 + 1 + 8 + 8 + 4

var errShortEvent = errors.New("sockets: truncated broker event")

// encode lays the event out in a fixed binary header and the envelope, so that a
// receiving node reads the recipients without parsing JSON.
func (e *brokerEvent) encode() []byte {
	b := make([]byte, headerSize+8*len(e.users)+len(e.envelope))
	b[0], b[1] = byte(e.op), byte(e.hub)
	binary.BigEndian.PutUint64(b[2:], e.room)
	binary.BigEndian.PutUint64(b[10:], e.exclude)
	binary.BigEndian.PutUint32(b[18:], uint32(len(e.users)))
	off := headerSize
	for _, u := range e.users {
		binary.BigEndian.PutUint64(b[off:], u)
		off += 8
	}
	copy(b[off:], e.envelope)
	return b
}

// decodeBrokerEvent reads an event made by encode; the envelope aliases b.
func decodeBrokerEvent(b []byte) (*brokerEvent, error) {
	if len(b) < headerSize {
		return nil, errShortEvent
	}
	e := &brokerEvent{op: op(b[0]), hub: hubKind(b[1]),
		room: binary.BigEndian.Uint64(b[2:]), exclude: binary.BigEndian.Uint64(b[10:])}
	n := int(binary.BigEndian.Uint32(b[18:]))
	off := headerSize
	if n > (len(b)-off)/8 {
		return nil, errShortEvent
	}
	e.users = make([]uint64, n)
	for i := range e.users {
		e.users[i] = binary.BigEndian.Uint64(b[off:])
		off += 8
	}
	e.envelope = b[off:]
	return e, nil
}
