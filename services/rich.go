package services

import (
	"context"

	"workcomm/models"
	"workcomm/views"
)

// enrich fills the reactions (as viewerID sees them) and the attachments
// (with fresh signed links) of message views, in two queries for a page.
func (c *Core) enrich(ctx context.Context, viewerID uint64, msgs []*views.Message) error {
	ids := make([]uint64, 0, len(msgs))
	for _, m := range msgs {
		if !m.Deleted {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	reactions, err := models.ReactionSummaries(ctx, c.DB, ids, viewerID)
	if err != nil {
		return err
	}
	atts, err := models.MessageAttachments(ctx, c.DB, ids)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Deleted {
			continue
		}
		m.Reactions = views.NewReactions(reactions[m.ID])
		m.Attachments = c.attachmentViews(atts[m.ID])
	}
	return nil
}

// attachmentViews builds the views of a message's attachments (never nil).
func (c *Core) attachmentViews(atts []models.Attachment) []views.Attachment {
	out := make([]views.Attachment, len(atts))
	for i := range atts {
		out[i] = c.attachmentView(&atts[i])
	}
	return out
}

// committedViews builds the views of freshly committed messages: no
// reactions yet, and the attachments of those sent with some, loaded in one
// query. A failed load leaves them out of the push rather than failing a
// committed send; history shows them.
func (c *Core) committedViews(ctx context.Context, jobs []*sendJob) []views.Message {
	out := make([]views.Message, len(jobs))
	var withFiles []uint64
	for i, j := range jobs {
		out[i] = views.NewMessage(j.msg)
		if len(j.in.AttachmentIDs) > 0 {
			withFiles = append(withFiles, j.msg.ID)
		}
	}
	if len(withFiles) == 0 {
		return out
	}
	atts, err := models.MessageAttachments(ctx, c.DB, withFiles)
	if err != nil {
		c.Log.WarnContext(ctx, "loading the attachments of sent messages", "err", err)
		return out
	}
	for i := range out {
		out[i].Attachments = c.attachmentViews(atts[out[i].ID])
	}
	return out
}

// pointers returns pointers to the elements of msgs, for enrich.
func pointers(msgs []views.Message) []*views.Message {
	out := make([]*views.Message, len(msgs))
	for i := range msgs {
		out[i] = &msgs[i]
	}
	return out
}
