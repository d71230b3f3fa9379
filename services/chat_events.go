package services

import (
	"workcomm/models"
)

// Event types the real-time layer pushes to sockets (the contract's
// server-to-client frame types).
const (
	EventMessageNew     = "message.new"
	EventMessageUpdated = "message.updated"
	EventMessageDeleted = "message.deleted"
	EventTyping         = "typing"
	EventRead           = "read"
	EventGroupJoined    = "group.joined"
	EventGroupLeft      = "group.left"
)

// Event is something that happened in a conversation, for the sockets of its
// participants on every node. A private event names its two participants in
// Users; a group event names its group in GroupID and reaches the group's room.
type Event struct {
	Type string

	// Users are the two participants of a private conversation (the actor first
	// for typing and read); empty for group events.
	Users []uint64
	// ConvID is the private conversation's id (0 before its first message).
	ConvID uint64
	// GroupID names the group of a group event.
	GroupID uint64

	Message *models.Message // message.new, message.updated, message.deleted
	UserID  uint64          // the actor of typing and read; who joined or left (0: every member, the group is gone)
	Seq     uint64          // read: the mark now stored
	Group   *GroupDetail    // group.joined: the group as the joining member sees it
}

// Private reports whether the event belongs to a private conversation.
func (e *Event) Private() bool { return e.GroupID == 0 }
