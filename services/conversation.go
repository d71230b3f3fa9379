package services

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// ConvKey names a conversation from the caller's side: a private one by the
// peer's user id (the contract's toUserId), a group by its id.
type ConvKey struct {
	Type string // models.ConvPrivate or models.ConvGroup
	ID   uint64
}

// conversation is a conversation the caller passed the access check for.
type conversation struct {
	key     ConvKey
	private *models.PrivateConversation // nil for groups, and for a private one before its first message
	users   []uint64                    // private: caller, peer
	// readOnly marks a private conversation whose peer deleted their account:
	// its history stays readable, nothing new goes in.
	readOnly bool
}

// openConversation checks that me may use the conversation: a private one
// only with a friend (403 otherwise, 404 for no such user; read-only once the
// friend deleted their account, whose messages stay with a deleted author), a
// group only as a member of a live group (404 otherwise, so that existence
// does not leak). A private conversation's row exists only once a message was
// sent.
func openConversation(ctx context.Context, db *gorm.DB, me *models.User, key ConvKey) (*conversation, error) {
	c := &conversation{key: key}
	switch key.Type {
	case models.ConvGroup:
		if _, err := models.GetMembership(ctx, db, key.ID, me.ID); err != nil {
			return nil, err
		}
		return c, nil
	case models.ConvPrivate:
		if key.ID == me.ID {
			return nil, apperr.New(apperr.ErrForbidden, "you cannot chat with yourself")
		}
		peer, err := models.GetUserUnscoped(ctx, db, key.ID)
		if err != nil {
			return nil, err
		}
		c.readOnly = peer.DeletedAt.Valid
		friends, err := models.AreFriends(ctx, db, me.ID, key.ID)
		if err != nil {
			return nil, err
		}
		if !friends {
			if peer.DeletedAt.Valid {
				// To a stranger a deleted account is as absent as one that never was.
				return nil, apperr.New(apperr.ErrNotFound, "user not found")
			}
			return nil, apperr.New(apperr.ErrForbidden, "you can only chat with friends")
		}
		c.users = []uint64{me.ID, key.ID}
		c.private, err = models.FindPrivateConversation(ctx, db, me.ID, key.ID)
		if errors.Is(err, apperr.ErrNotFound) {
			err = nil
		}
		return c, err
	}
	return nil, apperr.New(apperr.ErrNotFound, "conversation not found")
}

// convID is the id of the row holding the seq (0: no private conversation yet).
func (c *conversation) convID() uint64 {
	if c.key.Type == models.ConvGroup {
		return c.key.ID
	}
	if c.private == nil {
		return 0
	}
	return c.private.ID
}

// ref names the conversation as messages and read marks show it.
func (c *conversation) ref() views.ConversationRef {
	return views.ConversationRef{Type: c.key.Type, ID: c.convID()}
}

// event addresses a frame to the conversation's participants: both users'
// private sockets, or the group's room.
func (c *conversation) event(typ string, data any) Event {
	if c.key.Type == models.ConvGroup {
		return Event{Socket: GroupSocket, Room: c.key.ID, Type: typ, Data: data}
	}
	return Event{Socket: PrivateSocket, Users: c.users, Type: typ, Data: data}
}

// writable refuses new messages and typing in a read-only conversation.
func (c *conversation) writable() error {
	if c.readOnly {
		return apperr.New(apperr.ErrForbidden, "this account was deleted: the conversation is read-only")
	}
	return nil
}

// holds checks that a message found by its sender's clientMsgId belongs to
// this conversation. The id is the sender's: reusing it in another
// conversation is a conflict, never a silent answer from elsewhere.
func (c *conversation) holds(m *models.Message) error {
	if m.ConvType != c.key.Type || m.ConvID != c.convID() {
		return apperr.New(apperr.ErrConflict, "this clientMsgId was already used for another conversation")
	}
	return nil
}

// markRead moves userID's read mark in c forward to seq, inside db (a transaction or not).
func (c *conversation) markRead(ctx context.Context, db *gorm.DB, userID, seq uint64, now time.Time) (uint64, error) {
	if c.key.Type == models.ConvGroup {
		return models.MarkGroupRead(ctx, db, c.key.ID, userID, seq, now)
	}
	return models.MarkPrivateRead(ctx, db, c.private, userID, seq)
}

// firstSend returns the message me already sent in c with clientMsgID, or
// nil if there is none; one sent elsewhere is a conflict (see holds).
func firstSend(ctx context.Context, db *gorm.DB, me *models.User, c *conversation, clientMsgID string) (*models.Message, error) {
	m, err := models.FindMessageByClientID(ctx, db, me.ID, clientMsgID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := c.holds(m); err != nil {
		return nil, err
	}
	return m, nil
}
