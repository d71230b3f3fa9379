package views

import (
	"time"

	"workcomm/models"
)

// Attachment is an uploaded file as POST /attachments and message views
// show it. URL and ThumbnailURL are signed links that work without a header
// for 10 to 15 minutes (storage.Links); a view always carries fresh ones.
type Attachment struct {
	ID           uint64    `json:"id"`
	Name         string    `json:"name"`
	Size         int64     `json:"size"`
	ContentType  string    `json:"contentType"`
	Width        *int      `json:"width"`
	Height       *int      `json:"height"`
	URL          string    `json:"url"`
	ThumbnailURL *string   `json:"thumbnailUrl"`
	CreatedAt    time.Time `json:"createdAt"`
}

// NewAttachment builds the view of an attachment with its signed links
// (thumb is "" when it has no thumbnail).
func NewAttachment(a *models.Attachment, url, thumb string) Attachment {
	v := Attachment{ID: a.ID, Name: a.Name, Size: a.Size, ContentType: a.ContentType, Width: a.Width, Height: a.Height,
		URL: url, CreatedAt: a.CreatedAt.UTC()}
	if thumb != "" {
		v.ThumbnailURL = &thumb
	}
	return v
}

// Reaction is one emoji of a message as the viewer sees it: how many used
// it and whether the viewer is among them.
type Reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

// NewReactions builds a message's reaction bar (never nil: an empty list).
func NewReactions(rs []models.ReactionSummary) []Reaction {
	out := make([]Reaction, len(rs))
	for i, r := range rs {
		out[i] = Reaction{Emoji: r.Emoji, Count: r.Count, Me: r.Me}
	}
	return out
}

// ReactionEvent is the data of reaction.added and reaction.removed.
type ReactionEvent struct {
	MessageID    uint64          `json:"messageId"`
	Conversation ConversationRef `json:"conversation"`
	UserID       uint64          `json:"userId"`
	Emoji        string          `json:"emoji"`
}

// ReactionUsers is one emoji of a message and who used it, oldest first.
type ReactionUsers struct {
	Emoji   string   `json:"emoji"`
	UserIDs []uint64 `json:"userIds"`
}

// NewReactionUsers groups a message's reactions (oldest first) by emoji, in
// the order each emoji was first used.
func NewReactionUsers(rows []models.Reaction) []ReactionUsers {
	out := []ReactionUsers{}
	at := map[string]int{}
	for _, r := range rows {
		i, ok := at[r.Emoji]
		if !ok {
			i = len(out)
			at[r.Emoji] = i
			out = append(out, ReactionUsers{Emoji: r.Emoji})
		}
		out[i].UserIDs = append(out[i].UserIDs, r.UserID)
	}
	return out
}
