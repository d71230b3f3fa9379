package services

import (
	"context"

	"workcomm/apperr"
	"workcomm/emoji"
	"workcomm/models"
	"workcomm/views"
)

// Reactions is the emoji-on-messages domain: a user adds or removes an
// emoji on a message of a conversation they are in, and every participant's
// sockets, on every node, hear of it.
type Reactions struct {
	*Core
}

// Add puts me's emoji on the message (convType names the route's kind). It
// is idempotent: the same emoji again changes nothing and pushes nothing.
func (s *Reactions) Add(ctx context.Context, me *models.User, convType string, messageID uint64, raw string) error {
	e, c, err := s.target(ctx, me, convType, messageID, raw)
	if err != nil {
		return err
	}
	added, err := models.AddReaction(ctx, s.DB, messageID, me.ID, e, s.now())
	if err != nil || !added {
		return err
	}
	s.Publisher.Publish(ctx, c.event(EventReactionAdded, views.ReactionEvent{MessageID: messageID, Conversation: c.ref(), UserID: me.ID, Emoji: e}))
	return nil
}

// Remove takes me's emoji off the message; removing one that is not there
// is not an error and pushes nothing.
func (s *Reactions) Remove(ctx context.Context, me *models.User, convType string, messageID uint64, raw string) error {
	e, c, err := s.target(ctx, me, convType, messageID, raw)
	if err != nil {
		return err
	}
	removed, err := models.RemoveReaction(ctx, s.DB, messageID, me.ID, e)
	if err != nil || !removed {
		return err
	}
	s.Publisher.Publish(ctx, c.event(EventReactionRemoved, views.ReactionEvent{MessageID: messageID, Conversation: c.ref(), UserID: me.ID, Emoji: e}))
	return nil
}

// Who lists, emoji by emoji in the order first used, who reacted to the
// message (the "who reacted" of a hover or a tap): participants only.
func (s *Reactions) Who(ctx context.Context, me *models.User, convType string, messageID uint64) (views.List[views.ReactionUsers], error) {
	var list views.List[views.ReactionUsers]
	if _, err := s.message(ctx, me, convType, messageID); err != nil {
		return list, err
	}
	rows, err := models.MessageReactions(ctx, s.DB, messageID)
	if err != nil {
		return list, err
	}
	return views.NewList(views.NewReactionUsers(rows), views.Cursor{}), nil
}

// target validates the emoji (one of Unicode's emoji, in its RGI form) and
// finds a live message of that kind in a conversation me may open: any
// other message is 404, whether it exists or not.
func (s *Reactions) target(ctx context.Context, me *models.User, convType string, messageID uint64, raw string) (string, *conversation, error) {
	e, ok := emoji.Normalize(raw)
	if !ok {
		return "", nil, apperr.Field("emoji", "must be one emoji")
	}
	c, err := s.message(ctx, me, convType, messageID)
	if err != nil {
		return "", nil, err
	}
	if err := c.writable(); err != nil {
		return "", nil, err
	}
	return e, c, nil
}

// message finds a live message of that kind in a conversation me may open:
// any other message is 404, whether it exists or not.
func (s *Reactions) message(ctx context.Context, me *models.User, convType string, messageID uint64) (*conversation, error) {
	notFound := apperr.New(apperr.ErrNotFound, "message not found")
	m, err := models.GetMessage(ctx, s.DB, messageID)
	if err != nil {
		return nil, err
	}
	if m.ConvType != convType || m.DeletedAt != nil {
		return nil, notFound
	}
	key := ConvKey{Type: convType, ID: m.ConvID}
	if convType == models.ConvPrivate {
		pc, err := models.GetPrivateConversation(ctx, s.DB, m.ConvID)
		if err != nil || !pc.Has(me.ID) {
			return nil, notFound
		}
		key.ID = pc.Peer(me.ID)
	}
	c, err := openConversation(ctx, s.DB, me, key)
	if err != nil {
		return nil, notFound
	}
	return c, nil
}
