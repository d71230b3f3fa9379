package services

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// Message limits of the contract.
const (
	maxBodyChars        = 4000 // body: 1–4000 code points after trimming
	maxClientMsgIDChars = 64   // clientMsgId: an opaque client token (a UUID is 36)
)

// Chat is the messages domain, private and group alike: sending (through
// the group commit, committer.go), history, read marks, typing, edits and
// the caller's list of private conversations.
type Chat struct {
	*Core
	commits *committer
}

// SendInput is a message to send.
type SendInput struct {
	Body        string
	ClientMsgID *string
	// ReplyToID names the message this one answers, of the same conversation.
	ReplyToID *uint64
	// AttachmentIDs are the sender's own uploads to attach (at most 10, not
	// yet attached); with one, the body may be empty.
	AttachmentIDs []uint64
	// Committed, when set, is called once the message is committed and before
	// it is pushed: the socket that sent it queues its ack there, so that the
	// ack goes out before the message.new. It must not block.
	Committed func(*views.Message)
}

// Send stores a message and pushes it to every socket of every participant.
// The same clientMsgId from the same sender returns the first message with
// created false, and pushes nothing again. Persist, then push: the message is
// stored by the group commit (committer.go), which checks a group sender's
// membership in the same transaction.
func (s *Chat) Send(ctx context.Context, me *models.User, key ConvKey, in SendInput) (msg *views.Message, created bool, err error) {
	if in, err = checkSend(in); err != nil {
		return nil, false, err
	}
	if ok, wait := s.Limits.Messages.Allow(ctx, userKey(me.ID)); !ok {
		return nil, false, apperr.RateLimited(wait)
	}
	c := &conversation{key: key}
	if key.Type != models.ConvGroup {
		if c, err = openConversation(ctx, s.DB, me, key); err != nil {
			return nil, false, err
		}
		if in.ClientMsgID != nil && c.private != nil {
			if first, err := firstSend(ctx, s.DB, me, c, *in.ClientMsgID); first != nil || err != nil {
				if err != nil {
					return nil, false, err
				}
				v, err := s.fullView(ctx, me.ID, first)
				return v, false, err
			}
		}
		if err := c.writable(); err != nil {
			return nil, false, err
		}
		if c.private == nil {
			if c.private, err = models.EnsurePrivateConversation(ctx, s.DB, me.ID, key.ID); err != nil {
				return nil, false, err
			}
		}
	}
	j := &sendJob{ctx: ctx, me: me, c: c, in: in}
	s.commits.Submit(j)
	if msg, created, err = j.result(); err == nil && !created && msg != nil {
		// A retried clientMsgId: the first message, as it is now.
		err = s.enrich(ctx, me.ID, []*views.Message{msg})
	}
	return msg, created, err
}

// History returns a page of a conversation (see models.ListMessages).
func (s *Chat) History(ctx context.Context, me *models.User, key ConvKey, q models.HistoryQuery) (*views.History, error) {
	if err := checkHistory(q); err != nil {
		return nil, err
	}
	c, err := openConversation(ctx, s.DB, me, key)
	if err != nil {
		return nil, err
	}
	if c.convID() == 0 {
		return &views.History{Items: []views.Message{}}, nil
	}
	msgs, more, err := models.ListMessages(ctx, s.DB, key.Type, c.convID(), q)
	if err != nil {
		return nil, err
	}
	items := views.NewMessages(msgs)
	if err := extendViews(ctx, s.DB, items); err != nil {
		return nil, err
	}
	return &views.History{Items: items, HasMore: more}, s.enrich(ctx, me.ID, pointers(items))
}

// MarkRead stores the caller's read mark (never backwards, never past the
// last message) and tells every socket of the conversation.
func (s *Chat) MarkRead(ctx context.Context, me *models.User, key ConvKey, seq uint64) error {
	c, err := openConversation(ctx, s.DB, me, key)
	if err != nil {
		return err
	}
	if c.convID() == 0 {
		return nil // nothing was ever said, so nothing is unread
	}
	stored, err := c.markRead(ctx, s.DB, me.ID, seq, s.now())
	if err != nil {
		return err
	}
	s.Publisher.Publish(ctx, c.event(EventRead, views.ReadMark{UserID: me.ID, Conversation: c.ref(), Seq: stored}))
	return nil
}

// Typing tells the others in the conversation that the caller is typing.
// Nothing is stored.
func (s *Chat) Typing(ctx context.Context, me *models.User, key ConvKey) error {
	if ok, wait := s.Limits.Typing.Allow(ctx, userKey(me.ID)); !ok {
		return apperr.RateLimited(wait)
	}
	c, err := openConversation(ctx, s.DB, me, key)
	if err != nil {
		return err
	}
	if err := c.writable(); err != nil {
		return err
	}
	data := views.Typing{UserID: me.ID}
	if key.Type == models.ConvGroup {
		data.GroupID = key.ID
	} else {
		data.ToUserID = key.ID
	}
	ev := c.event(EventTyping, data)
	ev.Exclude = me.ID
	s.Publisher.Publish(ctx, ev)
	return nil
}

// Edit replaces the body of the caller's own message.
func (s *Chat) Edit(ctx context.Context, me *models.User, convType string, id uint64, body string) (*views.Message, error) {
	body, err := cleanBody(body)
	if err != nil {
		return nil, err
	}
	c, err := s.ownMessage(ctx, me, convType, id)
	if err != nil {
		return nil, err
	}
	var m *models.Message
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if m, err = models.EditMessage(ctx, tx, id, body, s.now()); err != nil {
			return err
		}
		return storeMentions(ctx, tx, c, []*models.Message{m})
	})
	if err != nil {
		return nil, err
	}
	v, err := s.fullView(ctx, me.ID, m)
	if err != nil {
		return nil, err
	}
	s.Publisher.Publish(ctx, c.event(EventMessageUpdated, views.MessageEvent{Message: *v}))
	return v, nil
}

// Delete soft-deletes the caller's own message: it keeps its seq.
func (s *Chat) Delete(ctx context.Context, me *models.User, convType string, id uint64) error {
	c, err := s.ownMessage(ctx, me, convType, id)
	if err != nil {
		return err
	}
	var m *models.Message
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if m, err = models.DeleteMessage(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return models.DeleteMentions(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	// Its files are gone for everyone at once, their bytes just after.
	if err := s.removeMessageFiles(ctx, []uint64{id}); err != nil {
		return err
	}
	if err := models.RemoveMessageReactions(ctx, s.DB, []uint64{id}); err != nil {
		return err
	}
	v, err := s.fullView(ctx, me.ID, m)
	if err != nil {
		return err
	}
	s.Publisher.Publish(ctx, c.event(EventMessageDeleted, views.MessageEvent{Message: *v}))
	return nil
}

// ownMessage finds a live message of the given kind that the caller sent, in
// a conversation they may still use. Someone else's message, a deleted one or
// one of the other kind is not found.
func (s *Chat) ownMessage(ctx context.Context, me *models.User, convType string, id uint64) (*conversation, error) {
	m, err := models.GetMessage(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if m.ConvType != convType || m.SenderID != me.ID || m.DeletedAt != nil {
		return nil, apperr.New(apperr.ErrNotFound, "message not found")
	}
	key := ConvKey{Type: convType, ID: m.ConvID}
	if convType == models.ConvPrivate {
		pc, err := models.GetPrivateConversation(ctx, s.DB, m.ConvID)
		if err != nil {
			return nil, err
		}
		key.ID = pc.Peer(me.ID)
	}
	return openConversation(ctx, s.DB, me, key)
}

// ListPrivate pages the caller's conversations with friends, newest activity
// first (see models.ListPrivateConversations).
func (s *Chat) ListPrivate(ctx context.Context, me *models.User, page Page) (views.List[views.PrivateConversation], error) {
	var list views.List[views.PrivateConversation]
	after, err := page.keyset()
	if err != nil {
		return list, err
	}
	convs, more, err := models.ListPrivateConversations(ctx, s.DB, me.ID, after, page.Limit)
	if err != nil {
		return list, err
	}
	peers := make([]uint64, len(convs))
	for i := range convs {
		peers[i] = convs[i].Conversation.Peer(me.ID)
	}
	users, err := s.publicUsersByID(ctx, peers)
	if err != nil {
		return list, err
	}
	out := make([]views.PrivateConversation, len(convs))
	marks := make([]models.ReadMark, len(convs))
	for i := range convs {
		out[i] = views.NewPrivateConversation(&convs[i], me.ID, users[peers[i]])
		marks[i] = models.ReadMark{ConvID: convs[i].Conversation.ID, Seq: out[i].LastReadSeq}
	}
	if err := addStates(ctx, s.DB, me, models.ConvPrivate, marks, peers, func(i int, st views.ConversationState) { out[i].ConversationState = st }); err != nil {
		return list, err
	}
	last := make([]*views.Message, 0, len(out))
	for i := range out {
		if out[i].LastMessage != nil {
			last = append(last, out[i].LastMessage)
		}
	}
	if err := extendViewPtrs(ctx, s.DB, last); err != nil {
		return list, err
	}
	if err := s.enrich(ctx, me.ID, last); err != nil {
		return list, err
	}
	var next views.Cursor
	if more {
		last := &convs[len(convs)-1]
		next = views.Cursor{At: last.ActivityAt(), ID: last.Conversation.ID}
	}
	return views.NewList(out, next), nil
}

// AllowRequest takes one of the user's socket-request tokens (every request
// of any type): a flood is refused before any work.
func (s *Chat) AllowRequest(ctx context.Context, userID uint64) (bool, time.Duration) {
	return s.Limits.SocketRequests.Allow(ctx, strconv.FormatUint(userID, 10))
}

// checkHistory refuses the selections of a history page that mean nothing:
// around with before or after, and before at or below after.
func checkHistory(q models.HistoryQuery) error {
	fields := map[string]string{}
	if q.Around != nil && (q.Before != nil || q.After != nil) {
		fields["around"] = "cannot be combined with before or after"
	}
	if q.Before != nil && q.After != nil && *q.Before <= *q.After {
		fields["before"] = "must be greater than after"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	return nil
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
	if errors.As(err, &verr) && !(body == "" && strings.TrimSpace(in.Body) == "" && len(in.AttachmentIDs) > 0) {
		fields = verr.Fields
	}
	if len(in.AttachmentIDs) > models.MaxAttachmentsPerMessage {
		fields["attachmentIds"] = fmt.Sprintf("at most %d attachments a message", models.MaxAttachmentsPerMessage)
	}
	if in.ClientMsgID != nil {
		if n := utf8.RuneCountInString(*in.ClientMsgID); n == 0 || n > maxClientMsgIDChars || !utf8.ValidString(*in.ClientMsgID) || strings.ContainsRune(*in.ClientMsgID, 0) {
			fields["clientMsgId"] = fmt.Sprintf("must be 1 to %d characters", maxClientMsgIDChars)
		}
	}
	if in.ReplyToID != nil && (*in.ReplyToID == 0 || *in.ReplyToID > models.MaxID) {
		fields["replyToId"] = "must be a message of this conversation"
	}
	if len(fields) > 0 {
		return in, apperr.Validation(fields)
	}
	in.Body = body
	return in, nil
}

// userKey is a user's key in the per-user limiters.
func userKey(id uint64) string { return "u" + strconv.FormatUint(id, 10) }
