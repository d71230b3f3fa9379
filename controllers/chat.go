package controllers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// ConversationRef names a message's conversation: a private conversation's
// id, or a group's id.
type ConversationRef struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
}

// MessageView is a message as the API shows it; a deleted one has an empty body.
type MessageView struct {
	ID           uint64          `json:"id"`
	Conversation ConversationRef `json:"conversation"`
	Seq          uint64          `json:"seq"`
	SenderID     uint64          `json:"senderId"`
	Body         string          `json:"body"`
	ClientMsgID  *string         `json:"clientMsgId"`
	CreatedAt    time.Time       `json:"createdAt"`
	EditedAt     *time.Time      `json:"editedAt"`
	Deleted      bool            `json:"deleted"`
}

// NewMessageView builds the view of a message (REST and WebSocket alike).
func NewMessageView(m *models.Message) MessageView {
	v := MessageView{
		ID: m.ID, Conversation: ConversationRef{Type: m.ConvType, ID: m.ConvID}, Seq: m.Seq,
		SenderID: m.SenderID, Body: m.Body, ClientMsgID: m.ClientMsgID,
		CreatedAt: m.CreatedAt.UTC(), EditedAt: utc(m.EditedAt), Deleted: m.DeletedAt != nil,
	}
	if v.Deleted {
		v.Body = ""
	}
	return v
}

// messageView is NewMessageView for an optional message.
func messageView(m *models.Message) *MessageView {
	if m == nil {
		return nil
	}
	v := NewMessageView(m)
	return &v
}

// MessagePage answers a history request.
type MessagePage struct {
	Items   []MessageView `json:"items"`
	HasMore bool          `json:"hasMore"`
}

// PrivateConversationView is one line of GET /chat/private.
type PrivateConversationView struct {
	Peer           PublicUser   `json:"peer"`
	ConversationID uint64       `json:"conversationId"`
	LastMessage    *MessageView `json:"lastMessage"`
	Unread         uint64       `json:"unread"`
	LastReadSeq    uint64       `json:"lastReadSeq"`
}

// SendMessageBody is the body of POST .../messages.
type SendMessageBody struct {
	Body        string  `json:"body" validate:"required"`
	ClientMsgID *string `json:"clientMsgId"`
}

// EditMessageBody is the body of PATCH .../messages/:id.
type EditMessageBody struct {
	Body string `json:"body" validate:"required"`
}

// ReadBody is the body of POST .../read.
type ReadBody struct {
	Seq *uint64 `json:"seq" validate:"required"`
}

// ChatController serves the message routes of one kind of conversation; the
// private and the group routes behave alike and differ only in how the
// conversation is named (a friend's user id or a group id, in Param).
type ChatController struct {
	Svc   *services.Deps
	Kind  string // models.ConvPrivate or models.ConvGroup
	Param string // the path parameter naming the conversation
}

// key reads the conversation named in the path.
func (h *ChatController) key(c *gin.Context) (services.ConvKey, error) {
	id, err := pathID(c, h.Param)
	return services.ConvKey{Type: h.Kind, ID: id}, err
}

// ListHistory returns a page of the conversation by seq.
func (h *ChatController) ListHistory(c *gin.Context) {
	key, err := h.key(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	q, err := parseHistoryQuery(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	page, err := h.Svc.History(c.Request.Context(), middlewares.CurrentUser(c), key, q)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, MessagePage{Items: messageViews(page.Messages), HasMore: page.HasMore})
}

// SendMessage stores a message: 201, or 200 with the first message when the
// clientMsgId was seen before.
func (h *ChatController) SendMessage(c *gin.Context) {
	var req SendMessageBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	key, err := h.key(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	m, created, err := h.Svc.SendMessage(c.Request.Context(), middlewares.CurrentUser(c), key, services.SendInput{Body: req.Body, ClientMsgID: req.ClientMsgID})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, NewMessageView(m))
}

// EditMessage replaces the body of the caller's own message.
func (h *ChatController) EditMessage(c *gin.Context) {
	var req EditMessageBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	m, err := h.Svc.EditMessage(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id, req.Body)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewMessageView(m))
}

// DeleteMessage soft-deletes the caller's own message.
func (h *ChatController) DeleteMessage(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := h.Svc.DeleteMessage(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// MarkRead stores the caller's read mark.
func (h *ChatController) MarkRead(c *gin.Context) {
	var req ReadBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	key, err := h.key(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := h.Svc.MarkRead(c.Request.Context(), middlewares.CurrentUser(c), key, *req.Seq); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ListPrivateConversations returns the caller's conversations with friends,
// newest activity first.
func (h *ChatController) ListPrivateConversations(c *gin.Context) {
	ctx := c.Request.Context()
	me := middlewares.CurrentUser(c)
	convs, err := h.Svc.ListPrivateConversations(ctx, me)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	peers := make([]uint64, len(convs))
	for i, s := range convs {
		peers[i] = s.Conversation.Peer(me.ID)
	}
	users, err := publicUsersByID(ctx, h.Svc, peers)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	out := make([]PrivateConversationView, len(convs))
	for i, s := range convs {
		read := s.Conversation.ReadSeq(me.ID)
		out[i] = PrivateConversationView{Peer: users[peers[i]], ConversationID: s.Conversation.ID,
			LastMessage: messageView(s.LastMessage), Unread: s.Conversation.LastSeq - read, LastReadSeq: read}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// parseHistoryQuery reads ?before=&after=&limit= (one of before and after at most).
func parseHistoryQuery(c *gin.Context) (models.HistoryQuery, error) {
	limit, err := parseLimit(c)
	if err != nil {
		return models.HistoryQuery{}, err
	}
	q := models.HistoryQuery{Limit: limit}
	fields := map[string]string{}
	for name, dst := range map[string]**uint64{"before": &q.Before, "after": &q.After} {
		raw, ok := c.GetQuery(name)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			fields[name] = "must be a seq (a whole number)"
			continue
		}
		*dst = &n
	}
	if q.Before != nil && q.After != nil {
		fields["after"] = "cannot be combined with before"
	}
	if len(fields) > 0 {
		return q, apperr.Validation(fields)
	}
	return q, nil
}

func messageViews(msgs []models.Message) []MessageView {
	out := make([]MessageView, len(msgs))
	for i := range msgs {
		out[i] = NewMessageView(&msgs[i])
	}
	return out
}
