package services

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// EventSettingsUpdated tells a user's private sockets that they changed a
// conversation's settings (on another device).
const EventSettingsUpdated = "settings.updated"

// mentioned is a stored message whose mentions are to be computed.
type mentioned struct {
	c *conversation
	m *models.Message
}

// computeMentions finds who each message mentions (see parseMentions) with
// one query for the participants of all their conversations, and only for
// messages with an @ in them: the common send pays nothing.
func computeMentions(ctx context.Context, tx *gorm.DB, items []mentioned) (map[uint64][]uint64, error) {
	var groups, peers []uint64
	for _, it := range items {
		if !strings.Contains(it.m.Body, "@") {
			continue
		}
		if it.c.key.Type == models.ConvGroup {
			groups = append(groups, it.c.key.ID)
		} else {
			peers = append(peers, it.c.key.ID)
		}
	}
	out := map[uint64][]uint64{}
	if len(groups) == 0 && len(peers) == 0 {
		return out, nil
	}
	members, err := models.GroupMentionTargets(ctx, tx, groups)
	if err != nil {
		return nil, err
	}
	users, err := models.UserMentionTargets(ctx, tx, peers)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		group := it.c.key.Type == models.ConvGroup
		var targets []models.MentionTarget
		if group {
			targets = members[it.c.key.ID]
		} else if u, ok := users[it.c.key.ID]; ok {
			targets = []models.MentionTarget{u}
		}
		if ids := parseMentions(it.m.Body, it.m.SenderID, group, targets); len(ids) > 0 {
			out[it.m.ID] = ids
		}
	}
	return out, nil
}

// storeMentions recomputes and stores the mentions of edited messages of c,
// inside the edit's transaction.
func storeMentions(ctx context.Context, tx *gorm.DB, c *conversation, msgs []*models.Message) error {
	items := make([]mentioned, len(msgs))
	for i, m := range msgs {
		if err := models.DeleteMentions(ctx, tx, m.ID); err != nil {
			return err
		}
		items[i] = mentioned{c: c, m: m}
	}
	users, err := computeMentions(ctx, tx, items)
	if err != nil {
		return err
	}
	return models.InsertMentions(ctx, tx, msgs, users)
}

// extendViews adds mentions and replied-to messages to a page of views:
// two queries whatever the page's size.
func extendViews(ctx context.Context, db *gorm.DB, vs []views.Message) error {
	ptrs := make([]*views.Message, len(vs))
	for i := range vs {
		ptrs[i] = &vs[i]
	}
	return extendViewPtrs(ctx, db, ptrs)
}

// extendViewPtrs is extendViews for views held apart.
func extendViewPtrs(ctx context.Context, db *gorm.DB, vs []*views.Message) error {
	if len(vs) == 0 {
		return nil
	}
	ids := make([]uint64, 0, len(vs))
	var replies []uint64
	for _, v := range vs {
		ids = append(ids, v.ID)
		if v.ReplyToID != nil {
			replies = append(replies, *v.ReplyToID)
		}
	}
	mentions, err := models.MentionsOf(ctx, db, ids)
	if err != nil {
		return err
	}
	originals, err := models.GetMessagesByIDs(ctx, db, replies)
	if err != nil {
		return err
	}
	for _, v := range vs {
		var orig *models.Message
		if v.ReplyToID != nil {
			orig = originals[*v.ReplyToID]
		}
		v.Extend(mentions[v.ID], orig)
	}
	return nil
}

// fullView is the whole view of one stored message as viewerID sees it:
// its mentions and replied-to message, reactions and attachments.
func (s *Chat) fullView(ctx context.Context, viewerID uint64, m *models.Message) (*views.Message, error) {
	v := views.NewMessage(m)
	if err := extendViewPtrs(ctx, s.DB, []*views.Message{&v}); err != nil {
		return nil, err
	}
	if err := s.enrich(ctx, viewerID, []*views.Message{&v}); err != nil {
		return nil, err
	}
	return &v, nil
}

// addStates gives each line of a conversation list page its unread
// mentions and muted flag (two queries): marks are the lines' conversation
// ids and read marks, targets the ids that name them from the caller's side
// (peer user ids, or group ids), both in the page's order.
func addStates(ctx context.Context, db *gorm.DB, me *models.User, convType string, marks []models.ReadMark, targets []uint64, set func(int, views.ConversationState)) error {
	counts, err := models.UnreadMentions(ctx, db, me.ID, convType, marks)
	if err != nil {
		return err
	}
	muted, err := models.MutedTargets(ctx, db, me.ID, convType, targets)
	if err != nil {
		return err
	}
	for i := range marks {
		set(i, views.NewConversationState(counts[marks[i].ConvID], muted[targets[i]]))
	}
	return nil
}

// UpdateSettings stores the caller's settings of a conversation they may
// use (mute), so that every device agrees.
func (s *Chat) UpdateSettings(ctx context.Context, me *models.User, key ConvKey, muted bool) (*views.ConversationSettings, error) {
	if _, err := openConversation(ctx, s.DB, me, key); err != nil {
		return nil, err
	}
	if err := models.SetMuted(ctx, s.DB, me.ID, key.Type, key.ID, muted, s.now()); err != nil {
		return nil, err
	}
	// The caller's other devices follow at once (their private sockets).
	ev := views.SettingsUpdated{Muted: muted}
	if key.Type == models.ConvGroup {
		ev.GroupID = key.ID
	} else {
		ev.ToUserID = key.ID
	}
	s.Publisher.Publish(ctx, toUser(me.ID, EventSettingsUpdated, ev))
	return &views.ConversationSettings{Muted: muted}, nil
}

// Readers lists the members of a group (the caller must be one) whose read
// mark is at or past seq: "seen by".
func (s *Chat) Readers(ctx context.Context, me *models.User, groupID, seq uint64) (*views.Readers, error) {
	if _, err := openConversation(ctx, s.DB, me, ConvKey{Type: models.ConvGroup, ID: groupID}); err != nil {
		return nil, err
	}
	readers, err := models.GroupReaders(ctx, s.DB, groupID, seq)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(readers))
	for i, r := range readers {
		ids[i] = r.UserID
	}
	users, err := s.publicUsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := &views.Readers{Items: make([]views.Reader, 0, len(readers))}
	for _, r := range readers {
		if u, ok := users[r.UserID]; ok {
			out.Items = append(out.Items, views.NewReader(u, r.ReadAt))
		}
	}
	return out, nil
}

// Mentions pages the messages that mention the caller, newest first, in
// conversations they can still read.
func (s *Chat) Mentions(ctx context.Context, me *models.User, page Page) (views.List[views.Message], error) {
	var list views.List[views.Message]
	if !page.After.At.IsZero() {
		return list, views.ErrCursorKind
	}
	msgs, more, err := models.ListMentions(ctx, s.DB, me.ID, page.After.ID, page.Limit)
	if err != nil {
		return list, err
	}
	items := views.NewMessages(msgs)
	if err := extendViews(ctx, s.DB, items); err != nil {
		return list, err
	}
	var next views.Cursor
	if more {
		next = views.IDCursor(msgs[len(msgs)-1].ID)
	}
	return views.NewList(items, next), nil
}

// checkReplies loads the messages the batch's new sends answer and refuses
// a send whose replyToId is not a message of its own conversation.
func checkReplies(ctx context.Context, tx *gorm.DB, batch []*sendJob) error {
	var ids []uint64
	for _, j := range batch {
		if j.err == nil && j.in.ReplyToID != nil {
			ids = append(ids, *j.in.ReplyToID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := models.GetMessagesByIDs(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, j := range batch {
		if j.err != nil || j.in.ReplyToID == nil {
			continue
		}
		m := found[*j.in.ReplyToID]
		if m == nil || m.ConvType != j.c.key.Type || m.ConvID != j.c.convID() {
			j.replyErr = apperr.Field("replyToId", "must be a message of this conversation")
			continue
		}
		j.reply = m
	}
	return nil
}
