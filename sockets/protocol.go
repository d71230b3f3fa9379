package sockets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
	"workcomm/views"
)

// Limits of inbound requests.
const (
	// handlerTimeout bounds one request's work (a send's transaction, a sync).
	handlerTimeout = 30 * time.Second
	// maxSyncConversations bounds one sync request; a client with more
	// conversations sends several.
	maxSyncConversations = 100
	// syncPage is how many messages a sync reads per query.
	syncPage = 100
)

// envelope is the contract's frame as JSON, both ways (a wire frame, see
// writer.go, carries one). ID is echoed exactly as the client sent it.
type envelope struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// encodeEnvelope builds a server frame's envelope. The data types the server
// sends (views values) always marshal.
func encodeEnvelope(typ string, id json.RawMessage, data any) []byte {
	f := struct {
		Type string          `json:"type"`
		ID   json.RawMessage `json:"id,omitempty"`
		Data any             `json:"data,omitempty"`
	}{typ, id, data}
	b, err := json.Marshal(f)
	if err != nil {
		panic("sockets: cannot encode a " + typ + " frame: " + err.Error())
	}
	return b
}

// errorData is the data of an error frame: the contract's error body.
type errorData struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// target names a conversation in a request: toUserId on /ws/private, groupId
// on /ws/group.
type target struct {
	ToUserID uint64 `json:"toUserId"`
	GroupID  uint64 `json:"groupId"`
}

// handler answers one request type: a reply frame (nil: none, or already
// queued) or an error, sent back as an error frame with the request's id.
type handler func(ctx context.Context, app App, c *client, req *envelope) ([]byte, error)

var handlers = map[string]handler{
	"message.send": handleSend,
	"typing":       handleTyping,
	"read":         handleRead,
	"sync":         handleSync,
	"ping":         handlePing,
}

// dispatch decodes and answers one inbound frame. Bad input gets an error
// frame and the socket stays open.
func (s *Server) dispatch(c *client, typ int, data []byte) {
	var req envelope
	if typ != websocket.TextMessage {
		c.out.answer(s.errorFrame(c, nil, apperr.New(apperr.ErrInvalidJSON, "frames must be JSON text")))
		return
	}
	if err := json.Unmarshal(data, &req); err != nil || req.Type == "" {
		c.out.answer(s.errorFrame(c, nil, apperr.New(apperr.ErrInvalidJSON, `a frame is a JSON object {"type", "id", "data"}`)))
		return
	}
	if ok, wait := s.app.AllowRequest(s.ctx, c.userID); !ok {
		// Refused before any work: a flood costs the server one decode a frame.
		c.out.answer(s.errorFrame(c, req.ID, apperr.RateLimited(wait)))
		return
	}
	h := handlers[req.Type]
	if h == nil {
		c.out.answer(s.errorFrame(c, req.ID, apperr.Field("type", "is not a request type of this socket")))
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, handlerTimeout)
	defer cancel()
	out, err := h(ctx, s.app, c, &req)
	switch {
	case err != nil:
		c.out.answer(s.errorFrame(c, req.ID, err))
	case out != nil:
		c.out.answer(out)
	}
}

// errorFrame turns err into the contract's error frame; a failure outside the
// vocabulary is logged and shown as internal.
func (s *Server) errorFrame(c *client, id json.RawMessage, err error) []byte {
	_, body, known := apperr.Resolve(err)
	if !known {
		s.log.Error("socket request failed", "user_id", c.userID, "err", err)
	}
	return encodeEnvelope("error", id, errorData{Code: body.Error.Code, Message: body.Error.Message, Fields: body.Error.Fields})
}

// decodeData decodes a request's data strictly: unknown fields are refused,
// as in REST.
func decodeData(raw json.RawMessage, dst any) error {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return apperr.Field(typeErr.Field, "has the wrong type")
		}
		if name, ok := bytes.CutPrefix([]byte(err.Error()), []byte("json: unknown field ")); ok {
			return apperr.Field(string(bytes.Trim(name, `"`)), "is not an accepted field")
		}
		return apperr.New(apperr.ErrInvalidJSON, "data is not a valid JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.ErrInvalidJSON, "data has trailing content")
	}
	return nil
}

// key names the conversation a request targets, as this socket kind names it.
func (c *client) key(t target) (services.ConvKey, error) {
	if c.hub.kind == hubGroup {
		return groupKey(t)
	}
	return privateKey(t)
}

func handleSend(ctx context.Context, app App, c *client, req *envelope) ([]byte, error) {
	var in struct {
		target
		Body          string   `json:"body"`
		ClientMsgID   *string  `json:"clientMsgId"`
		ReplyToID     *uint64  `json:"replyToId"`
		AttachmentIDs []uint64 `json:"attachmentIds"`
	}
	if err := decodeData(req.Data, &in); err != nil {
		return nil, err
	}
	key, err := c.key(in.target)
	if err != nil {
		return nil, err
	}
	acked := false
	ack := func(m *views.Message) { // on the group commit's goroutine, which must not wait
		c.out.answerNow(encodeEnvelope("ack", req.ID, views.MessageEvent{Message: *m}))
		acked = true
	}
	m, _, err := app.Send(ctx, c.user, key, services.SendInput{Body: in.Body, ClientMsgID: in.ClientMsgID, ReplyToID: in.ReplyToID, AttachmentIDs: in.AttachmentIDs, Committed: ack})
	if err != nil || acked {
		return nil, err
	}
	// A retried clientMsgId: the first message, pushed back then.
	return encodeEnvelope("ack", req.ID, views.MessageEvent{Message: *m}), nil
}

func handleTyping(ctx context.Context, app App, c *client, req *envelope) ([]byte, error) {
	var in target
	if err := decodeData(req.Data, &in); err != nil {
		return nil, err
	}
	key, err := c.key(in)
	if err != nil {
		return nil, err
	}
	return nil, app.Typing(ctx, c.user, key)
}

func handleRead(ctx context.Context, app App, c *client, req *envelope) ([]byte, error) {
	var in struct {
		target
		Seq *uint64 `json:"seq"`
	}
	if err := decodeData(req.Data, &in); err != nil {
		return nil, err
	}
	if in.Seq == nil {
		return nil, apperr.Field("seq", "is required")
	}
	key, err := c.key(in.target)
	if err != nil {
		return nil, err
	}
	return nil, app.MarkRead(ctx, c.user, key, *in.Seq)
}

// handleSync sends every message after each conversation's afterSeq as
// message.new, in seq order, then sync.done. Every conversation is checked
// before anything is sent, so a refused one sends nothing at all.
func handleSync(ctx context.Context, app App, c *client, req *envelope) ([]byte, error) {
	var in struct {
		Conversations []struct {
			target
			AfterSeq uint64 `json:"afterSeq"`
		} `json:"conversations"`
	}
	if err := decodeData(req.Data, &in); err != nil {
		return nil, err
	}
	if len(in.Conversations) > maxSyncConversations {
		return nil, apperr.Field("conversations", "at most 100 per sync")
	}
	type cursor struct {
		key   services.ConvKey
		after uint64
		page  *views.History
	}
	cursors := make([]cursor, len(in.Conversations))
	for i, conv := range in.Conversations {
		key, err := c.key(conv.target)
		if err != nil {
			return nil, err
		}
		after := conv.AfterSeq
		page, err := app.History(ctx, c.user, key, models.HistoryQuery{After: &after, Limit: syncPage})
		if err != nil {
			return nil, err
		}
		cursors[i] = cursor{key: key, after: after, page: page}
	}
	for _, cur := range cursors {
		for {
			for i := range cur.page.Items {
				c.out.answer(encodeEnvelope(services.EventMessageNew, nil, views.MessageEvent{Message: cur.page.Items[i]}))
			}
			if !cur.page.HasMore || len(cur.page.Items) == 0 {
				break
			}
			cur.after = cur.page.Items[len(cur.page.Items)-1].Seq
			var err error
			if cur.page, err = app.History(ctx, c.user, cur.key, models.HistoryQuery{After: &cur.after, Limit: syncPage}); err != nil {
				return nil, err
			}
		}
	}
	return encodeEnvelope("sync.done", req.ID, nil), nil
}

func handlePing(_ context.Context, _ App, _ *client, req *envelope) ([]byte, error) {
	return encodeEnvelope("pong", req.ID, nil), nil
}

// privateKey reads toUserId, the name of a conversation on /ws/private.
func privateKey(t target) (services.ConvKey, error) {
	if t.GroupID != 0 {
		return services.ConvKey{}, apperr.Field("groupId", "belongs on /ws/group")
	}
	if t.ToUserID == 0 {
		return services.ConvKey{}, apperr.Field("toUserId", "is required")
	}
	if t.ToUserID > models.MaxID {
		return services.ConvKey{}, apperr.New(apperr.ErrNotFound, "user not found")
	}
	return services.ConvKey{Type: models.ConvPrivate, ID: t.ToUserID}, nil
}

// groupKey reads groupId, the name of a conversation on /ws/group.
func groupKey(t target) (services.ConvKey, error) {
	if t.ToUserID != 0 {
		return services.ConvKey{}, apperr.Field("toUserId", "belongs on /ws/private")
	}
	if t.GroupID == 0 {
		return services.ConvKey{}, apperr.Field("groupId", "is required")
	}
	if t.GroupID > models.MaxID {
		return services.ConvKey{}, apperr.New(apperr.ErrNotFound, "group not found")
	}
	return services.ConvKey{Type: models.ConvGroup, ID: t.GroupID}, nil
}
