package views

import (
	"time"

	"workcomm/models"
)

// replyQuoteChars is how much of an answered message a reply quotes.
const replyQuoteChars = 200

// ReplyRef is the message a reply answers, as quoted above it.
type ReplyRef struct {
	ID       uint64 `json:"id"`
	Seq      uint64 `json:"seq"`
	SenderID uint64 `json:"senderId"`
	Body     string `json:"body"` // the first 200 code points; "" once deleted
	Deleted  bool   `json:"deleted"`
}

// Extend adds what a message view needs from other rows: the users it
// mentions and the message it answers (nil if not a reply, or not found).
func (v *Message) Extend(mentions []uint64, reply *models.Message) {
	v.Mentions = []uint64{}
	if !v.Deleted && mentions != nil {
		v.Mentions = mentions
	}
	if reply == nil {
		return
	}
	r := &ReplyRef{ID: reply.ID, Seq: reply.Seq, SenderID: reply.SenderID, Deleted: reply.DeletedAt != nil}
	if !r.Deleted {
		r.Body = truncate(reply.Body, replyQuoteChars)
	}
	v.ReplyTo = r
}

// truncate keeps the first n code points of s.
func truncate(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// ConversationState is what a conversation list adds for the caller: unread
// messages that mention them and whether they muted it. Both are left out
// of the views that are not list lines (nil).
type ConversationState struct {
	Mentions *uint64 `json:"mentions,omitempty"`
	Muted    *bool   `json:"muted,omitempty"`
}

// NewConversationState builds a list line's state.
func NewConversationState(mentions uint64, muted bool) ConversationState {
	return ConversationState{Mentions: &mentions, Muted: &muted}
}

// ConversationSettings are the caller's settings of one conversation.
type ConversationSettings struct {
	Muted bool `json:"muted"`
}

// SettingsUpdated is the settings.updated frame: a conversation named as
// the sockets name it (toUserId or groupId) and its settings.
type SettingsUpdated struct {
	ToUserID uint64 `json:"toUserId,omitempty"`
	GroupID  uint64 `json:"groupId,omitempty"`
	Muted    bool   `json:"muted"`
}

// Reader is a group member who has read up to a message ("seen by"); ReadAt
// is when their read mark last moved (null for a mark older than that record).
type Reader struct {
	User   PublicUser `json:"user"`
	ReadAt *time.Time `json:"readAt"`
}

// NewReader builds a reader.
func NewReader(u PublicUser, readAt *time.Time) Reader {
	return Reader{User: u, ReadAt: utc(readAt)}
}

// Readers is the answer of GET …/messages/:seq/readers.
type Readers struct {
	Items []Reader `json:"items"`
}

// Snippet is plain text around a search hit, with the hits as code-point
// ranges [start, end) in it (never HTML).
type Snippet struct {
	Text       string   `json:"text"`
	Highlights [][2]int `json:"highlights"`
}

// SearchHit is one result of a message search.
type SearchHit struct {
	Message Message `json:"message"`
	Snippet Snippet `json:"snippet"`
}
