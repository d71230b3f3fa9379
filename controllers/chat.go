package controllers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// SendMessageBody is the body of POST .../messages.
type SendMessageBody struct {
	Body        string  `json:"body"`
	ClientMsgID *string `json:"clientMsgId"`
	ReplyToID   *uint64 `json:"replyToId"`
	// AttachmentIDs are the sender's uploads to attach (at most 10); with
	// them the body may be empty.
	AttachmentIDs []uint64 `json:"attachmentIds"`
}

// SettingsBody is the body of PATCH .../settings.
type SettingsBody struct {
	Muted *bool `json:"muted" validate:"required"`
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
	Chat  *services.Chat
	Kind  string // models.ConvPrivate or models.ConvGroup
	Param string // the path parameter naming the conversation
}

// key reads the conversation named in the path; a bad one answers 404.
func (h *ChatController) key(c *gin.Context) (services.ConvKey, bool) {
	id, ok := idParam(c, h.Param)
	return services.ConvKey{Type: h.Kind, ID: id}, ok
}

// ListHistory returns a page of the conversation by seq.
func (h *ChatController) ListHistory(c *gin.Context) {
	key, ok := h.key(c)
	if !ok {
		return
	}
	q, err := parseHistoryQuery(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	page, err := h.Chat.History(c.Request.Context(), middlewares.CurrentUser(c), key, q)
	respond(c, http.StatusOK, page, err)
}

// SendMessage stores a message: 201, or 200 with the first message when the
// clientMsgId was seen before.
func (h *ChatController) SendMessage(c *gin.Context) {
	var req SendMessageBody
	if !bind(c, &req) {
		return
	}
	key, ok := h.key(c)
	if !ok {
		return
	}
	in := services.SendInput{Body: req.Body, ClientMsgID: req.ClientMsgID, ReplyToID: req.ReplyToID, AttachmentIDs: req.AttachmentIDs}
	m, created, err := h.Chat.Send(c.Request.Context(), middlewares.CurrentUser(c), key, in)
	respond(c, createdOrOK(created), m, err)
}

// EditMessage replaces the body of the caller's own message.
func (h *ChatController) EditMessage(c *gin.Context) {
	var req EditMessageBody
	if !bind(c, &req) {
		return
	}
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	m, err := h.Chat.Edit(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id, req.Body)
	respond(c, http.StatusOK, m, err)
}

// DeleteMessage soft-deletes the caller's own message.
func (h *ChatController) DeleteMessage(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := h.Chat.Delete(c.Request.Context(), middlewares.CurrentUser(c), h.Kind, id)
	respond(c, http.StatusNoContent, nil, err)
}

// MarkRead stores the caller's read mark.
func (h *ChatController) MarkRead(c *gin.Context) {
	var req ReadBody
	if !bind(c, &req) {
		return
	}
	key, ok := h.key(c)
	if !ok {
		return
	}
	err := h.Chat.MarkRead(c.Request.Context(), middlewares.CurrentUser(c), key, *req.Seq)
	respond(c, http.StatusNoContent, nil, err)
}

// UpdateSettings stores the caller's settings of the conversation (mute).
func (h *ChatController) UpdateSettings(c *gin.Context) {
	var req SettingsBody
	if !bind(c, &req) {
		return
	}
	key, ok := h.key(c)
	if !ok {
		return
	}
	s, err := h.Chat.UpdateSettings(c.Request.Context(), middlewares.CurrentUser(c), key, *req.Muted)
	respond(c, http.StatusOK, s, err)
}

// ListReaders lists the group members who have read up to a message ("seen by").
func (h *ChatController) ListReaders(c *gin.Context) {
	key, ok := h.key(c)
	if !ok {
		return
	}
	seq, ok := idParam(c, "seq")
	if !ok {
		return
	}
	r, err := h.Chat.Readers(c.Request.Context(), middlewares.CurrentUser(c), key.ID, seq)
	respond(c, http.StatusOK, r, err)
}

// ListMentions pages the messages that mention the caller, newest first.
func (h *ChatController) ListMentions(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := h.Chat.Mentions(c.Request.Context(), middlewares.CurrentUser(c), page)
	respond(c, http.StatusOK, list, err)
}

// ListPrivateConversations pages the caller's conversations with friends,
// newest activity first.
func (h *ChatController) ListPrivateConversations(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := h.Chat.ListPrivate(c.Request.Context(), middlewares.CurrentUser(c), page)
	respond(c, http.StatusOK, list, err)
}

// parseHistoryQuery reads ?before=&after=&around=&limit= (which combine is
// the service's to check).
func parseHistoryQuery(c *gin.Context) (models.HistoryQuery, error) {
	limit, err := parseLimit(c)
	if err != nil {
		return models.HistoryQuery{}, err
	}
	q := models.HistoryQuery{Limit: limit}
	fields := map[string]string{}
	for name, dst := range map[string]**uint64{"before": &q.Before, "after": &q.After, "around": &q.Around} {
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
	if len(fields) > 0 {
		return q, apperr.Validation(fields)
	}
	return q, nil
}
