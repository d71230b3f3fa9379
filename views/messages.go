package views

import (
	"time"

	"workcomm/models"
)

// ConversationRef names a message's conversation: a private conversation's
// id, or a group's id.
type ConversationRef struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
}

// Message is a message as the API and the sockets show it; a deleted one has
// an empty body.
type Message struct {
	ID           uint64          `json:"id"`
	Conversation ConversationRef `json:"conversation"`
	Seq          uint64          `json:"seq"`
	SenderID     uint64          `json:"senderId"`
	Body         string          `json:"body"`
	ClientMsgID  *string         `json:"clientMsgId"`
	CreatedAt    time.Time       `json:"createdAt"`
	EditedAt     *time.Time      `json:"editedAt"`
	Deleted      bool            `json:"deleted"`
	ReplyTo      *ReplyRef       `json:"replyTo"`
	Mentions     []uint64        `json:"mentions"`
	// ReplyToID is the answered message's id, which Extend turns into ReplyTo.
	ReplyToID *uint64 `json:"-"`
	// Reactions and Attachments are filled by the services (signed links,
	// the viewer's own reactions); NewMessage leaves them empty.
	Reactions   []Reaction   `json:"reactions"`
	Attachments []Attachment `json:"attachments"`
}

// NewMessage builds the view of a message.
func NewMessage(m *models.Message) Message {
	v := Message{
		ID: m.ID, Conversation: ConversationRef{Type: m.ConvType, ID: m.ConvID}, Seq: m.Seq,
		SenderID: m.SenderID, Body: m.Body, ClientMsgID: m.ClientMsgID,
		CreatedAt: m.CreatedAt.UTC(), EditedAt: utc(m.EditedAt), Deleted: m.DeletedAt != nil,
		Mentions: []uint64{}, ReplyToID: m.ReplyToID,
		Reactions: []Reaction{}, Attachments: []Attachment{},
	}
	if v.Deleted {
		v.Body = ""
	}
	return v
}

// NewMessages builds the views of a page of messages, in its order.
func NewMessages(msgs []models.Message) []Message {
	out := make([]Message, len(msgs))
	for i := range msgs {
		out[i] = NewMessage(&msgs[i])
	}
	return out
}

// optionalMessage is NewMessage for a message that may be absent (a
// conversation's last message before the first one).
func optionalMessage(m *models.Message) *Message {
	if m == nil {
		return nil
	}
	v := NewMessage(m)
	return &v
}

// History is a page of a conversation by seq, the one list that is not a
// List: HasMore says whether more messages lie beyond it (see the
// conversation history routes in docs/openapi.json for which side).
type History struct {
	Items   []Message `json:"items"`
	HasMore bool      `json:"hasMore"`
}

// PrivateConversation is one line of GET /chat/private.
type PrivateConversation struct {
	Peer           PublicUser `json:"peer"`
	ConversationID uint64     `json:"conversationId"`
	LastMessage    *Message   `json:"lastMessage"`
	Unread         uint64     `json:"unread"`
	LastReadSeq    uint64     `json:"lastReadSeq"`
	ConversationState
}

// NewPrivateConversation builds one line of the caller's conversation list.
func NewPrivateConversation(s *models.PrivateSummary, me uint64, peer PublicUser) PrivateConversation {
	read := s.Conversation.ReadSeq(me)
	return PrivateConversation{Peer: peer, ConversationID: s.Conversation.ID, LastMessage: optionalMessage(s.LastMessage),
		Unread: models.Unread(s.Conversation.LastSeq, read), LastReadSeq: read}
}
