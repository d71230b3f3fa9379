// Package wsclient is a Go client for WorkComm's WebSocket protocol (API.md
// "WebSocket"): the envelope, requests answered by id (ack, error, pong,
// sync.done) and a stream of server events. The topology, fault and load tools
// use it as a browser would use the socket service.
package wsclient

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is one frame: {"type", "id", "data"}.
type Envelope struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// ConversationRef names a conversation in a message.
type ConversationRef struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
}

// Message is the contract's message object.
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
}

// Target names a conversation in a request: a friend or a group.
type Target struct {
	ToUserID uint64 `json:"toUserId,omitempty"`
	GroupID  uint64 `json:"groupId,omitempty"`
}

// ServerError is an `error` frame answering a request.
type ServerError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *ServerError) Error() string { return e.Code + ": " + e.Message }

// ErrClosed is returned for requests on a closed connection.
var ErrClosed = errors.New("wsclient: connection closed")

// Options configure Dial.
type Options struct {
	Token     string      // sent as Authorization: Bearer
	Origin    string      // Origin header, if any
	TLSConfig *tls.Config // for wss:// with a test certificate
	// EventBuffer is the capacity of Events; a client that does not drain it
	// loses nothing (the reader blocks), but stalls its socket.
	EventBuffer int
}

// Conn is one WebSocket connection.
type Conn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	nextID  atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan Envelope
	closed  bool

	// Ready is the `ready` frame's data once received.
	Ready chan json.RawMessage
	// Events receives every server frame that is not the answer to a request.
	Events chan Envelope
	// Done is closed when the connection ends; CloseErr then says why.
	Done     chan struct{}
	CloseErr error
}

// Dial opens a connection and waits for the server's `ready` frame.
func Dial(ctx context.Context, url string, opts Options) (*Conn, *http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, TLSClientConfig: opts.TLSConfig}
	h := http.Header{}
	if opts.Token != "" {
		h.Set("Authorization", "Bearer "+opts.Token)
	}
	if opts.Origin != "" {
		h.Set("Origin", opts.Origin)
	}
	ws, res, err := d.DialContext(ctx, url, h)
	if err != nil {
		return nil, res, err
	}
	buf := opts.EventBuffer
	if buf == 0 {
		buf = 4096
	}
	c := &Conn{ws: ws, pending: map[string]chan Envelope{}, Ready: make(chan json.RawMessage, 1),
		Events: make(chan Envelope, buf), Done: make(chan struct{})}
	go c.readLoop()
	select {
	case <-c.Ready:
	case <-c.Done:
		return nil, res, fmt.Errorf("closed before ready: %w", c.CloseErr)
	case <-ctx.Done():
		ws.Close()
		return nil, res, ctx.Err()
	}
	return c, res, nil
}

func (c *Conn) readLoop() {
	defer func() {
		c.mu.Lock()
		c.closed = true
		for id, ch := range c.pending {
			close(ch)
			delete(c.pending, id)
		}
		c.mu.Unlock()
		close(c.Done)
	}()
	readyDone := false
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			c.CloseErr = err
			return
		}
		var env Envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			continue
		}
		if env.Type == "ready" && !readyDone {
			readyDone = true
			c.Ready <- env.Data
			continue
		}
		if env.ID != "" {
			switch env.Type {
			case "ack", "error", "pong", "sync.done":
				c.mu.Lock()
				ch, ok := c.pending[env.ID]
				delete(c.pending, env.ID)
				c.mu.Unlock()
				if ok {
					ch <- env
					continue
				}
			}
		}
		c.Events <- env
	}
}

// Send writes one frame without waiting for an answer.
func (c *Conn) Send(typ, id string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	frame, _ := json.Marshal(Envelope{Type: typ, ID: id, Data: raw})
	return c.WriteRaw(frame)
}

// WriteRaw writes a raw text frame (for tests of malformed input).
func (c *Conn) WriteRaw(frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// Request sends a frame with a fresh id and waits for the answer with that id.
// An `error` answer is returned as *ServerError.
func (c *Conn) Request(ctx context.Context, typ string, data any) (Envelope, error) {
	id := "r" + strconv.FormatUint(c.nextID.Add(1), 10)
	ch := make(chan Envelope, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return Envelope{}, ErrClosed
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.Send(typ, id, data); err != nil {
		c.forget(id)
		return Envelope{}, err
	}
	select {
	case env, ok := <-ch:
		if !ok {
			return Envelope{}, ErrClosed
		}
		if env.Type == "error" {
			var se ServerError
			_ = json.Unmarshal(env.Data, &se)
			return env, &se
		}
		return env, nil
	case <-ctx.Done():
		c.forget(id)
		return Envelope{}, ctx.Err()
	}
}

func (c *Conn) forget(id string) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// SendMessage sends message.send and returns the acknowledged message.
func (c *Conn) SendMessage(ctx context.Context, to Target, body, clientMsgID string) (*Message, error) {
	data := map[string]any{"body": body, "clientMsgId": clientMsgID}
	if to.GroupID != 0 {
		data["groupId"] = to.GroupID
	} else {
		data["toUserId"] = to.ToUserID
	}
	env, err := c.Request(ctx, "message.send", data)
	if err != nil {
		return nil, err
	}
	var ack struct {
		Message Message `json:"message"`
	}
	if err := json.Unmarshal(env.Data, &ack); err != nil {
		return nil, err
	}
	return &ack.Message, nil
}

// SyncFrom is one conversation of a sync request.
type SyncFrom struct {
	Target
	AfterSeq uint64 `json:"afterSeq"`
}

// Sync asks for every message after the given seqs; the messages arrive on
// Events as message.new before this returns (sync.done comes last).
func (c *Conn) Sync(ctx context.Context, convs []SyncFrom) error {
	_, err := c.Request(ctx, "sync", map[string]any{"conversations": convs})
	return err
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.writeMu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	return c.ws.Close()
}

// DecodeMessage reads the message of a message.new/updated/deleted event.
func DecodeMessage(env Envelope) (*Message, error) {
	var m struct {
		Message Message `json:"message"`
	}
	if err := json.Unmarshal(env.Data, &m); err != nil {
		return nil, err
	}
	return &m.Message, nil
}
