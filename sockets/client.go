package sockets

import (
	"encoding/binary"
	"io"
	"net"
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
	// smallBatch is the largest batch slice a client keeps for its next
	// batch; a larger one (a burst) goes back to the garbage collector, so
	// that an idle socket holds no queue memory.
	smallBatch = 16
	// writerLinger is how long a writer with nothing to write waits for
	// more before it ends: a socket that receives several frames a second
	// keeps its writer (no goroutine to start per frame), an idle one has none.
	writerLinger = time.Second
	// closeGrace is how long a closing socket waits for the peer's close frame
	// (or for unread bytes to drain) before the TCP connection is closed.
	closeGrace = time.Second
)

// client is one WebSocket connection: exactly one reader (Server.read) and
// at most one writer (writeLoop), which alone writes frames. The writer runs
// only while there is something to write, so an idle socket costs one
// goroutine, its reader.
type client struct {
	srv    *Server
	hub    *hub
	conn   *websocket.Conn
	user   *models.User // as authenticated (identity only, see newClient); a ban or delete closes the socket
	userID uint64

	mu         sync.Mutex
	pushed     [][]byte      // wire frames queued by the hub (newWireFrame), at most sendQueue; guarded by mu
	answers    [][]byte      // answers to this client's own requests (JSON payloads), in order; guarded by mu
	spare      [][]byte      // the writer's previous batch, reused when small
	room       chan struct{} // one token: the writer took the answers (a reader waiting for room goes on)
	wake       chan struct{} // one token: something to write, for a lingering writer
	done       chan struct{} // closed once: the writer sends the close frame and stops
	writerDone chan struct{} // closed once no writer will ever run again
	writerOn   bool          // a writer runs; guarded by mu
	writerEnd  bool          // writerDone is closed; guarded by mu
	pingDue    bool          // the ping period passed; guarded by mu
	closeOnce  sync.Once
	lastWrite  time.Time // the writer's previous flush (the pacer's gap counts from it)
	closing    atomic.Bool
	closeCode  int
	closeText  string

	// Guarded by hub.mu.
	rooms   map[uint64]struct{}
	loading bool
	pending []pendingChange
}

func newClient(srv *Server, h *hub, conn *websocket.Conn, u *models.User) *client {
	// The chat services read only who the caller is; the rest of the row
	// (email, password hash, names) would stay in memory with every socket.
	me := &models.User{ID: u.ID, Username: u.Username, Role: u.Role, Plan: u.Plan, PlanExpiresAt: u.PlanExpiresAt,
		Banned: u.Banned, TokenVersion: u.TokenVersion}
	return &client{
		srv: srv, hub: h, conn: conn, user: me, userID: u.ID,
		room:       make(chan struct{}, 1),
		wake:       make(chan struct{}, 1),
		writerOn:   true, // until startWriting: the ready frame goes first
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
}

// newWireFrame lays a server frame out for the wire once: the WebSocket
// header (final text frame, unmasked as a server's are, no compression) and
// the payload. One is built per event on each node and shared, read-only, by
// every recipient's queue, so a delivery costs a slice append and the writer
// sends many frames in one system call.
func newWireFrame(payload []byte) []byte {
	return append(appendFrameHeader(make([]byte, 0, len(payload)+10), len(payload)), payload...)
}

// appendFrameHeader appends the header of a final, unmasked text frame of n
// bytes (RFC 6455 section 5.2).
func appendFrameHeader(b []byte, n int) []byte {
	const finText = 0x80 | websocket.TextMessage
	switch {
	case n < 126:
		return append(b, finText, byte(n))
	case n <= 0xffff:
		return append(b, finText, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(b, finText, 127), uint64(n))
}

// enqueue queues a pushed wire frame without ever waiting: a full queue
// closes the client with 1013 (try again later), and it reconnects and syncs.
func (c *client) enqueue(f []byte) {
	c.mu.Lock()
	if len(c.pushed) >= sendQueue {
		c.mu.Unlock()
		if !c.closing.Load() {
			c.srv.metrics.slowCloses.Inc()
		}
		c.close(websocket.CloseTryAgainLater, "outbound queue full")
		return
	}
	c.pushed = append(c.pushed, f)
	first := len(c.pushed)+len(c.answers) == 1
	c.mu.Unlock()
	if first { // later frames find the writer already started
		c.kick()
	}
}

// kick makes sure a writer runs. One starts when frames or answers wait, a
// ping is due or the client is closing, and stops when nothing is left.
func (c *client) kick() {
	if c.conn == nil {
		return // a queue-only client (the hub's tests)
	}
	c.mu.Lock()
	start := !c.writerOn && !c.writerEnd
	if start {
		c.writerOn = true
	}
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	} else {
		c.signal(c.wake) // a lingering writer goes on
	}
}

// signal leaves a token in ch unless one is there already.
func (c *client) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// queued is how many pushed frames wait for the writer.
func (c *client) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pushed)
}

// reply queues an answer to the client's own request, waiting while
// replyQueue answers are already waiting (back-pressure on this client's
// reader only) unless the client is closing.
func (c *client) reply(frame []byte) {
	for {
		c.mu.Lock()
		if len(c.answers) < replyQueue {
			c.queueAnswerLocked(frame)
			return
		}
		c.mu.Unlock()
		select {
		case <-c.room:
		case <-c.done:
			return
		}
	}
}

// replyNow queues an answer without waiting, for the group commit, which
// must never wait on one client. It may pass replyQueue by the one answer in
// flight per socket: a socket's requests are handled one at a time.
func (c *client) replyNow(frame []byte) {
	c.mu.Lock()
	c.queueAnswerLocked(frame)
}

// queueAnswerLocked appends an answer and unlocks mu.
func (c *client) queueAnswerLocked(frame []byte) {
	c.answers = append(c.answers, frame)
	first := len(c.pushed)+len(c.answers) == 1
	c.mu.Unlock()
	if first {
		c.kick()
	}
}

// takeAnswers removes and returns the waiting answers (tests and the writer).
func (c *client) takeAnswers() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.answers
	c.answers = nil
	return a
}

// close asks the writer to send a close frame with code and stop; the first
// call wins. It never blocks, so the hub may call it.
func (c *client) close(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		c.closing.Store(true)
		close(c.done)
	})
	c.kick()
}

// startWriting lets writers run, once the ready frame is queued: nothing
// may be written before it (a presence frame can be queued earlier).
func (c *client) startWriting() {
	c.mu.Lock()
	c.writerOn = false
	c.mu.Unlock()
	c.kick()
}

// ping asks for a ping frame (Server.pingAll calls it every pingPeriod).
func (c *client) ping() {
	c.mu.Lock()
	c.pingDue = !c.writerEnd
	c.mu.Unlock()
	c.kick()
}

// writeLoop is the writer: it writes every answer and every pushed frame
// waiting, answers first, in one system call (writev), so that under load a
// socket's frames coalesce instead of costing a write each; it ends when
// nothing has come for writerLinger. A close request sends the close frame and ends the
// writing for good, as does a write error.
func (c *client) writeLoop() {
	var linger *time.Timer
	lingered := false
	for {
		if c.closing.Load() {
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(writeWait))
			// The reader now waits at most closeGrace for the peer's close frame.
			_ = c.conn.SetReadDeadline(time.Now().Add(closeGrace))
			c.endWriting()
			return
		}
		c.pace()
		c.mu.Lock()
		ping := c.pingDue
		c.pingDue = false
		if len(c.pushed)+len(c.answers) == 0 && !ping && !c.closing.Load() {
			if lingered {
				c.writerOn = false
				c.pushed, c.spare = nil, nil // an idle socket keeps no queue memory
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-c.wake:
			case <-linger.C:
				lingered = true
			case <-c.done:
			}
			continue
		}
		c.mu.Unlock()
		lingered = false
		var err error
		if ping {
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		}
		if err == nil {
			err = c.flush()
		}
		if err != nil {
			// The peer is gone or too slow: stop the reader at once.
			c.close(websocket.CloseAbnormalClosure, "")
			_ = c.conn.SetReadDeadline(time.Now())
			c.endWriting()
			return
		}
	}
}

// endWriting marks that no writer will run again.
func (c *client) endWriting() {
	c.mu.Lock()
	c.writerOn, c.writerEnd = false, true
	c.mu.Unlock()
	close(c.writerDone)
}

// pace waits, on a busy node, until the pacer's gap after the previous
// write has passed, so that the frames arriving meanwhile share one write.
// Answers (an ack) never wait.
func (c *client) pace() {
	gap := time.Duration(c.srv.pacer.gap.Load())
	if gap == 0 {
		return
	}
	c.mu.Lock()
	answering := len(c.answers) > 0
	c.mu.Unlock()
	if wait := time.Until(c.lastWrite.Add(gap)); wait > 0 && !answering {
		select {
		case <-time.After(wait):
		case <-c.done:
		}
	}
}

// batchPool holds the writers' iovec slices between batches.
var batchPool = sync.Pool{New: func() any { return new(net.Buffers) }}

// flush writes every answer and every pushed frame waiting, answers first,
// all taken at once: an ack is queued before its message.new is published,
// so it is taken with it or earlier, and a message.new never overtakes its ack.
func (c *client) flush() error {
	c.mu.Lock()
	batch, answers := c.pushed, c.answers
	c.pushed, c.answers = c.spare[:0], nil
	c.spare = nil
	c.mu.Unlock()
	if len(answers) > 0 {
		c.signal(c.room)
	}
	bufs := batchPool.Get().(*net.Buffers)
	iov := (*bufs)[:0]
	for _, b := range answers {
		iov = append(iov, appendFrameHeader(nil, len(b)), b)
	}
	iov = append(iov, batch...)
	clear(batch) // the frames are shared: let them go once written
	if cap(batch) <= smallBatch {
		c.mu.Lock()
		if c.spare == nil {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
	}
	var err error
	if len(iov) > 0 {
		c.lastWrite = time.Now()
		nc := c.conn.NetConn()
		_ = nc.SetWriteDeadline(time.Now().Add(writeWait))
		*bufs = iov
		_, err = bufs.WriteTo(nc) // consumes *bufs
	}
	clear(iov)
	*bufs = iov[:0]
	batchPool.Put(bufs)
	return err
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
