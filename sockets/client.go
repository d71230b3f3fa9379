package sockets

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/models"
)

// Connection limits and timings.
const (
	// maxFrameBytes is the contract's frame limit: larger frames close with 1009.
	maxFrameBytes = 64 << 10
	// pingPeriod is the contract's ping interval; proxies in front must allow
	// idle connections longer than this.
	pingPeriod = 30 * time.Second
	// pongWait is the contract's silence limit: a socket that sent nothing,
	// not even a pong, for 60 s is dropped.
	pongWait = 60 * time.Second
	// writeWait bounds writing one frame: a peer that cannot take a frame in
	// 10 s is gone or hopelessly slow, and reconnecting with sync serves it better.
	writeWait = 10 * time.Second
	// sendQueue is how many pushed frames may wait for a socket. A client this
	// far behind is closed with 1013 and catches up with sync; the hub never waits.
	sendQueue = 256
	// replyQueue is how many direct answers (ack, error, pong, sync pages) may
	// wait. The socket's own reader waits when it is full, which slows only
	// that client: a long sync cannot overflow the push queue.
	replyQueue = 32
	// maxBatch is how many frames the writer sends per wake-up before it looks
	// at pings and close requests again.
	maxBatch = 256
	// closeGrace is how long a closing socket waits for the peer's close frame
	// (or for unread bytes to drain) before the TCP connection is closed.
	closeGrace = time.Second
)

// client is one WebSocket connection: exactly one reader (the goroutine that
// runs Server.serve) and one writer (writePump), which alone writes frames.
type client struct {
	srv    *Server
	hub    *hub
	conn   *websocket.Conn
	user   *models.User // as authenticated; a ban or delete closes the socket
	userID uint64

	send       chan *websocket.PreparedMessage // frames pushed by the hub
	replies    chan []byte                     // answers to this client's own requests
	done       chan struct{}                   // closed once: the writer sends the close frame and stops
	writerDone chan struct{}
	closeOnce  sync.Once
	closing    atomic.Bool
	closeCode  int
	closeText  string

	// Guarded by hub.mu.
	rooms   map[uint64]struct{}
	loading bool
	pending []pendingChange
}

func newClient(srv *Server, h *hub, conn *websocket.Conn, u *models.User) *client {
	return &client{
		srv: srv, hub: h, conn: conn, user: u, userID: u.ID,
		send:       make(chan *websocket.PreparedMessage, sendQueue),
		replies:    make(chan []byte, replyQueue),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

// enqueue queues a pushed frame without ever waiting: a full queue closes
// the client with 1013 (try again later), and it reconnects and syncs.
func (c *client) enqueue(pm *websocket.PreparedMessage) {
	select {
	case c.send <- pm:
	default:
		if !c.closing.Load() {
			c.srv.metrics.slowCloses.Inc()
		}
		c.close(websocket.CloseTryAgainLater, "outbound queue full")
	}
}

// reply queues an answer to the client's own request, waiting for room
// (back-pressure on this client's reader only) unless the client is closing.
func (c *client) reply(frame []byte) {
	select {
	case c.replies <- frame:
	case <-c.done:
	}
}

// close asks the writer to send a close frame with code and stop; the first
// call wins. It never blocks, so the hub may call it.
func (c *client) close(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		c.closing.Store(true)
		close(c.done)
	})
}

// writePump is the only writer of frames. Answers go before pushed frames
// taken after them; a write error or a close request ends it.
func (c *client) writePump() {
	defer close(c.writerDone)
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-c.done:
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(writeWait))
			// The reader now waits at most closeGrace for the peer's close frame.
			_ = c.conn.SetReadDeadline(time.Now().Add(closeGrace))
			return
		case b := <-c.replies:
			if err = c.write(b); err == nil {
				err = c.flush(nil)
			}
		case pm := <-c.send:
			err = c.flush(pm)
		case <-ping.C:
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		}
		if err != nil {
			// The peer is gone or too slow: stop the reader at once.
			c.close(websocket.CloseAbnormalClosure, "")
			_ = c.conn.SetReadDeadline(time.Now())
			return
		}
	}
}

// flush writes pm (if any) and whatever else is queued, up to maxBatch
// frames. Before each pushed frame every queued answer is written: an ack is
// queued before its message is published, so a message.new in hand may never
// overtake the ack already waiting.
func (c *client) flush(pm *websocket.PreparedMessage) error {
	for n := 0; n < maxBatch; n++ {
		select {
		case b := <-c.replies:
			if err := c.write(b); err != nil {
				return err
			}
			continue
		default:
		}
		if pm == nil {
			select {
			case pm = <-c.send:
				continue // answers queued before it go first
			default:
				return nil
			}
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.conn.WritePreparedMessage(pm); err != nil {
			return err
		}
		pm = nil
	}
	return nil
}

func (c *client) write(frame []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	return c.conn.WriteMessage(websocket.TextMessage, frame)
}

// readLoop reads frames until the connection fails, times out or closes,
// dispatching each; once closing, it only waits for the peer's close frame.
func (c *client) readLoop() error {
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
		if c.closing.Load() {
			continue
		}
		c.extendRead()
		c.srv.dispatch(c, typ, data)
	}
}

// extendRead pushes the silence deadline back, unless the socket is closing
// (the writer then owns the deadline).
func (c *client) extendRead() {
	if c.closing.Load() {
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	if c.closing.Load() { // the writer may have shortened it meanwhile
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
