package sockets

import (
	"io"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"workcomm/models"
)

// Reading limits.
const (
	// maxFrameBytes is the contract's frame limit: larger frames close with 1009.
	maxFrameBytes = 64 << 10
	// pongWait is the contract's silence limit: a socket that sent nothing,
	// not even a pong, for 60 s is dropped.
	pongWait = 60 * time.Second
)

// client is one WebSocket connection: exactly one reader (Server.read, on
// conn) and one writer (out), which alone writes to the connection, pongs
// and close frames included.
type client struct {
	hub    *hub
	conn   *websocket.Conn
	user   *models.User // as authenticated (identity only, see newClient); a ban or delete closes the socket
	userID uint64
	out    writer

	// Guarded by hub.mu.
	rooms   map[uint64]struct{}
	loading bool
	pending []pendingChange
}

// newClient makes the client of an upgraded connection in hub h, its writer
// held until Server.serve has queued the ready frame.
func newClient(h *hub, conn *websocket.Conn, p *pacer, full prometheus.Counter, u *models.User) *client {
	// The chat services read only who the caller is; the rest of the row
	// (email, password hash, names) would stay in memory with every socket.
	me := &models.User{ID: u.ID, Username: u.Username, Role: u.Role, Plan: u.Plan, PlanExpiresAt: u.PlanExpiresAt,
		Banned: u.Banned, TokenVersion: u.TokenVersion}
	c := &client{hub: h, conn: conn, user: me, userID: u.ID}
	c.out.attach(conn.NetConn(), p, full)
	out := &c.out
	// The peer's pings and close frame are answered by the writer, the
	// connection's one writer (gorilla would answer them itself, on the
	// reader's goroutine).
	conn.SetPingHandler(func(data string) error {
		out.pongTo([]byte(data))
		return nil
	})
	conn.SetCloseHandler(func(code int, _ string) error {
		out.close(code, "") // echo the peer's code, as RFC 6455 section 5.5.1 asks
		return nil
	})
	return c
}

// readLoop reads frames until the connection fails, times out or closes,
// handing each to handle; once closing, it only waits for the peer's close
// frame.
func (c *client) readLoop(handle func(typ int, data []byte)) error {
	c.conn.SetReadLimit(maxFrameBytes)
	c.extendRead()
	c.conn.SetPongHandler(func(string) error {
		c.extendRead()
		return nil
	})
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			return err
		}
		if c.out.isClosing() {
			continue
		}
		c.extendRead()
		handle(typ, data)
	}
}

// extendRead pushes the silence deadline back, unless the socket is closing
// (the writer then owns the deadline).
func (c *client) extendRead() {
	if c.out.isClosing() {
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	if c.out.isClosing() { // the writer may have shortened it meanwhile
		_ = c.conn.SetReadDeadline(time.Now().Add(closeGrace))
	}
}

// drain reads and discards what the peer still sends, for closeGrace at most,
// so that closing the TCP connection with unread bytes does not reset it
// before the peer has read our close frame (after an oversize frame).
func (c *client) drain() {
	nc := c.conn.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(closeGrace))
	_, _ = io.Copy(io.Discard, nc)
}
