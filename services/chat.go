package services

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
)

// Message limits of the contract.
const (
	maxBodyChars        = 4000 // body: 1–4000 code points after trimming
	maxClientMsgIDChars = 64   // clientMsgId: an opaque client token (a UUID is 36)
)

// ConvKey names a conversation from the caller's side: a private one by the
// peer's user id (the contract's toUserId), a group by its id.
type ConvKey struct {
	Type string // models.ConvPrivate or models.ConvGroup
	ID   uint64
}

// SendInput is a message to send.
type SendInput struct {
	Body        string
	ClientMsgID *string
	// Committed, when set, is called once the message is committed and before
	// it is pushed: the socket that sent it queues its ack there, so that the
	// ack goes out before the message.new. It must not block.
	Committed func(*models.Message)
}

// History is a page of messages in ascending seq.
type History struct {
	Messages []models.Message
	HasMore  bool
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

// event starts an Event addressed to the conversation's participants.
func (c *conversation) event(typ string) Event {
	ev := Event{Type: typ}
	if c.key.Type == models.ConvGroup {
		ev.GroupID = c.key.ID
		return ev
	}
	ev.Users, ev.ConvID = c.users, c.convID()
	return ev
}

// open checks that the caller may use the conversation: a private one only
// with a friend (403 otherwise, 404 for no such user; read-only once the friend
// deleted their account, whose messages stay with a deleted author), a group only as a
// member of a live group (404 otherwise, so that existence does not leak).
// A private conversation's row exists only once a message was sent.
func (d *Deps) open(ctx context.Context, me *models.User, key ConvKey) (*conversation, error) {
	c := &conversation{key: key}
	switch key.Type {
	case models.ConvGroup:
		if _, err := models.GetMembership(ctx, d.DB, key.ID, me.ID); err != nil {
			return nil, err
		}
		return c, nil
	case models.ConvPrivate:
		if key.ID == me.ID {
			return nil, apperr.New(apperr.ErrForbidden, "you cannot chat with yourself")
		}
		peer, err := models.GetUserUnscoped(ctx, d.DB, key.ID)
		if err != nil {
			return nil, err
		}
		c.readOnly = peer.DeletedAt.Valid
		friends, err := models.AreFriends(ctx, d.DB, me.ID, key.ID)
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
		c.private, err = models.FindPrivateConversation(ctx, d.DB, me.ID, key.ID)
		if errors.Is(err, apperr.ErrNotFound) {
			err = nil
		}
		return c, err
	}
	return nil, apperr.New(apperr.ErrNotFound, "conversation not found")
}

// writable refuses new messages and typing in a read-only conversation.
func (c *conversation) writable() error {
	if c.readOnly {
		return apperr.New(apperr.ErrForbidden, "this account was deleted: the conversation is read-only")
	}
	return nil
}

// markRead moves userID's read mark in c forward to seq, inside db (a transaction or not).
func (c *conversation) markRead(ctx context.Context, db *gorm.DB, userID, seq uint64) (uint64, error) {
	if c.key.Type == models.ConvGroup {
		return models.MarkGroupRead(ctx, db, c.key.ID, userID, seq)
	}
	return models.MarkPrivateRead(ctx, db, c.private, userID, seq)
}

// cleanBody trims a message body and checks its length in code points.
func cleanBody(body string) (string, error) {
	if !utf8.ValidString(body) {
		return "", apperr.Field("body", "must be UTF-8 text")
	}
	if strings.ContainsRune(body, 0) { // PostgreSQL cannot store it
		return "", apperr.Field("body", "must not contain the NUL character")
	}
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "", apperr.Field("body", "is required")
	case n > maxBodyChars:
		return "", apperr.Field("body", fmt.Sprintf("must be at most %d characters", maxBodyChars))
	}
	return body, nil
}

// checkSend validates a message before anything is looked up.
func checkSend(in SendInput) (SendInput, error) {
	body, err := cleanBody(in.Body)
	fields := map[string]string{}
	var verr *apperr.Error
	if errors.As(err, &verr) {
		fields = verr.Fields
	}
	if in.ClientMsgID != nil {
		if n := utf8.RuneCountInString(*in.ClientMsgID); n == 0 || n > maxClientMsgIDChars || !utf8.ValidString(*in.ClientMsgID) || strings.ContainsRune(*in.ClientMsgID, 0) {
			fields["clientMsgId"] = fmt.Sprintf("must be 1 to %d characters", maxClientMsgIDChars)
		}
	}
	if len(fields) > 0 {
		return in, apperr.Validation(fields)
	}
	in.Body = body
	return in, nil
}

// userKey is a user's key in the per-user limiters.
func userKey(id uint64) string { return "u" + strconv.FormatUint(id, 10) }

// SendMessage stores a message and pushes it to every socket of every
// participant. The same clientMsgId from the same sender returns the first
// message with created false, and pushes nothing again. Persist, then push:
// the message is stored by the group commit (chat_commit.go), which checks a
// group sender's membership in the same transaction.
func (d *Deps) SendMessage(ctx context.Context, me *models.User, key ConvKey, in SendInput) (msg *models.Message, created bool, err error) {
	if in, err = checkSend(in); err != nil {
		return nil, false, err
	}
	if ok, wait := d.Limits.Messages.Allow(ctx, userKey(me.ID)); !ok {
		return nil, false, apperr.RateLimited(wait)
	}
	c := &conversation{key: key}
	if key.Type != models.ConvGroup {
		if c, err = d.open(ctx, me, key); err != nil {
			return nil, false, err
		}
		if in.ClientMsgID != nil && c.private != nil {
			if first, err := d.firstSend(ctx, me, c, *in.ClientMsgID); first != nil || err != nil {
				return first, false, err
			}
		}
		if err := c.writable(); err != nil {
			return nil, false, err
		}
		if c.private == nil {
			if c.private, err = models.EnsurePrivateConversation(ctx, d.DB, me.ID, key.ID); err != nil {
				return nil, false, err
			}
		}
	}
	j := &sendJob{ctx: ctx, me: me, c: c, in: in}
	d.commit(j)
	return j.msg, j.created, j.err
}

// firstSend returns the message the caller already sent with clientMsgID, or
// nil if there is none. The id is the sender's: reusing it in another
// conversation is a conflict, never a silent answer from elsewhere.
func (d *Deps) firstSend(ctx context.Context, me *models.User, c *conversation, clientMsgID string) (*models.Message, error) {
	m, err := models.FindMessageByClientID(ctx, d.DB, me.ID, clientMsgID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.ConvType != c.key.Type || m.ConvID != c.convID() {
		return nil, apperr.New(apperr.ErrConflict, "this clientMsgId was already used for another conversation")
	}
	return m, nil
}

// History returns a page of a conversation (see models.HistoryQuery).
func (d *Deps) History(ctx context.Context, me *models.User, key ConvKey, q models.HistoryQuery) (*History, error) {
	c, err := d.open(ctx, me, key)
	if err != nil {
		return nil, err
	}
	if c.convID() == 0 {
		return &History{Messages: []models.Message{}}, nil
	}
	msgs, more, err := models.ListMessages(ctx, d.DB, key.Type, c.convID(), q)
	if err != nil {
		return nil, err
	}
	return &History{Messages: msgs, HasMore: more}, nil
}

// MarkRead stores the caller's read mark (never backwards, never past the
// last message) and tells every socket of the conversation.
func (d *Deps) MarkRead(ctx context.Context, me *models.User, key ConvKey, seq uint64) error {
	c, err := d.open(ctx, me, key)
	if err != nil {
		return err
	}
	if c.convID() == 0 {
		return nil // nothing was ever said, so nothing is unread
	}
	stored, err := c.markRead(ctx, d.DB, me.ID, seq)
	if err != nil {
		return err
	}
	ev := c.event(EventRead)
	ev.UserID, ev.Seq = me.ID, stored
	d.Realtime.Publish(ctx, ev)
	return nil
}

// Typing tells the others in the conversation that the caller is typing.
// Nothing is stored.
func (d *Deps) Typing(ctx context.Context, me *models.User, key ConvKey) error {
	if ok, wait := d.Limits.Typing.Allow(ctx, userKey(me.ID)); !ok {
		return apperr.RateLimited(wait)
	}
	c, err := d.open(ctx, me, key)
	if err != nil {
		return err
	}
	if err := c.writable(); err != nil {
		return err
	}
	ev := c.event(EventTyping)
	ev.UserID = me.ID
	d.Realtime.Publish(ctx, ev)
	return nil
}

// EditMessage replaces the body of the caller's own message.
func (d *Deps) EditMessage(ctx context.Context, me *models.User, convType string, id uint64, body string) (*models.Message, error) {
	body, err := cleanBody(body)
	if err != nil {
		return nil, err
	}
	c, err := d.ownMessage(ctx, me, convType, id)
	if err != nil {
		return nil, err
	}
	m, err := models.EditMessage(ctx, d.DB, id, body, d.now())
	if err != nil {
		return nil, err
	}
	ev := c.event(EventMessageUpdated)
	ev.Message = m
	d.Realtime.Publish(ctx, ev)
	return m, nil
}

// DeleteMessage soft-deletes the caller's own message: it keeps its seq.
func (d *Deps) DeleteMessage(ctx context.Context, me *models.User, convType string, id uint64) error {
	c, err := d.ownMessage(ctx, me, convType, id)
	if err != nil {
		return err
	}
	m, err := models.DeleteMessage(ctx, d.DB, id, d.now())
	if err != nil {
		return err
	}
	ev := c.event(EventMessageDeleted)
	ev.Message = m
	d.Realtime.Publish(ctx, ev)
	return nil
}

// ownMessage finds a live message of the given kind that the caller sent, in
// a conversation they may still use. Someone else's message, a deleted one or
// one of the other kind is not found.
func (d *Deps) ownMessage(ctx context.Context, me *models.User, convType string, id uint64) (*conversation, error) {
	m, err := models.GetMessage(ctx, d.DB, id)
	if err != nil {
		return nil, err
	}
	if m.ConvType != convType || m.SenderID != me.ID || m.DeletedAt != nil {
		return nil, apperr.New(apperr.ErrNotFound, "message not found")
	}
	key := ConvKey{Type: convType, ID: m.ConvID}
	if convType == models.ConvPrivate {
		pc, err := models.GetPrivateConversation(ctx, d.DB, m.ConvID)
		if err != nil {
			return nil, err
		}
		key.ID = pc.Peer(me.ID)
	}
	return d.open(ctx, me, key)
}

// ListPrivateConversations returns the caller's conversations with friends,
// newest activity first.
func (d *Deps) ListPrivateConversations(ctx context.Context, me *models.User) ([]models.PrivateSummary, error) {
	return models.ListPrivateConversations(ctx, d.DB, me.ID)
}

// PresenceAudience returns who hears a user's presence: friends on the private
// socket, co-members of live groups on the group socket.
func (d *Deps) PresenceAudience(ctx context.Context, userID uint64) (friends, coMembers []uint64, err error) {
	if friends, err = models.FriendIDs(ctx, d.DB, userID); err != nil {
		return nil, nil, err
	}
	coMembers, err = models.CoMemberIDs(ctx, d.DB, userID)
	return friends, coMembers, err
}

// TouchLastSeen records when the user was last connected.
func (d *Deps) TouchLastSeen(ctx context.Context, userID uint64) (*models.User, error) {
	now := d.now()
	if err := models.TouchLastSeen(ctx, d.DB, userID, now); err != nil {
		return nil, err
	}
	return models.GetUserUnscoped(ctx, d.DB, userID)
}
