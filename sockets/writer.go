package sockets

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Write path limits and timings.
const (
	// writeWait bounds writing one batch: a peer that cannot take it in 10 s
	// is gone or hopelessly slow, and reconnecting with sync serves it better.
	writeWait = 10 * time.Second
	// sendQueue is how many pushed frames may wait for a socket. A client this
	// far behind is closed with 1013 and catches up with sync; the hub never waits.
	sendQueue = 256
	// replyQueue is how many direct answers (ack, error, pong, sync pages) may
	// wait. The socket's own reader waits when it is full, which slows only
	// that client: a long sync cannot overflow the push queue.
	replyQueue = 32
	// smallBatch is the largest batch slice a writer keeps for its next
	// batch; a larger one (a burst) goes back to the garbage collector, so
	// that an idle socket holds no queue memory.
	smallBatch = 16
	// writerLinger is how long a writer with nothing to write waits for
	// more before it ends: a socket that receives several frames a second
	// keeps its goroutine (none to start per frame), an idle one has none.
	writerLinger = time.Second
	// closeGrace is how long a closing socket waits for the peer's close frame
	// (or for unread bytes to drain) before the TCP connection is closed.
	closeGrace = time.Second
)

// WebSocket opcodes (RFC 6455 section 5.2) and close codes (section 7.4).
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xa
	finBit  = 0x80
	// closeNoStatus (1005) is never sent: a close frame without a payload says it.
	closeNoStatus = 1005
	// closeAbnormal (1006) is never sent either: it records a connection
	// that broke, after which the writer stops without a close frame.
	closeAbnormal = 1006
	// closeTryAgainLater (1013) closes a socket whose push queue filled.
	closeTryAgainLater = 1013
	// maxControlPayload is the most a control frame carries (section 5.5).
	maxControlPayload = 125
)

// wireFrame is a server frame laid out for the wire: the WebSocket header
// (final, unmasked as a server's are, no compression) and the payload. A
// node lays each event out once and shares it, read-only, with every
// recipient's writer, so a delivery costs a slice append and a writer sends
// many frames in one system call.
type wireFrame []byte

// newWireFrame lays a text frame's payload (one JSON envelope) out for the wire.
func newWireFrame(payload []byte) wireFrame {
	return append(appendFrameHeader(make([]byte, 0, len(payload)+10), opText, len(payload)), payload...)
}

// appendFrameHeader appends the header of a final, unmasked frame of n
// payload bytes, with the shortest length encoding (RFC 6455 section 5.2).
func appendFrameHeader(b []byte, opcode byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, finBit|opcode, byte(n))
	case n <= 0xffff:
		return append(b, finBit|opcode, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(b, finBit|opcode, 127), uint64(n))
}

// controlFrame lays out a control frame (close, ping, pong); its payload is
// cut to the 125 bytes a control frame may carry.
func controlFrame(opcode byte, payload []byte) []byte {
	payload = payload[:min(len(payload), maxControlPayload)]
	return append(appendFrameHeader(make([]byte, 0, 2+len(payload)), opcode, len(payload)), payload...)
}

// closeFrame lays out a close frame: the code, then as much of the reason as
// fits (RFC 6455 section 5.5.1). 1005 is sent as no payload at all.
func closeFrame(code int, reason string) []byte {
	if code == closeNoStatus {
		return controlFrame(opClose, nil)
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	return controlFrame(opClose, append(payload, reason...))
}

// writer is a socket's write path, and the only code that writes to its
// connection: two queues (frames pushed by the hub, answers to the socket's
// own requests), a goroutine that runs only while there is something to
// write, pacing on a busy node, and the frames laid out by hand so that a
// whole batch goes out in one system call (writev).
//
// The goroutine takes everything waiting at once and writes it, answers
// first, with a writeWait deadline; it lingers writerLinger for more, then
// ends, so an idle socket costs no goroutine. A close request sends the close
// frame and ends the writing for good, as does a write error.
type writer struct {
	conn  net.Conn
	pacer *pacer             // the node's write coalescing (pacer.go)
	full  prometheus.Counter // sockets closed because their push queue filled

	mu      sync.Mutex
	pushed  [][]byte // wire frames queued by the hub, at most sendQueue; guarded by mu
	answers [][]byte // answers (JSON payloads), in order; guarded by mu
	spare   [][]byte // the previous batch's slice, reused when small; guarded by mu
	running bool     // a goroutine writes, or writing is held until start; guarded by mu
	ended   bool     // no goroutine will write again; guarded by mu
	pingDue bool     // a ping was asked for; guarded by mu
	pong    []byte   // the payload of a pong owed to the peer's ping; guarded by mu

	room      chan struct{} // one token: the answers were taken (a reader waiting for room goes on)
	wake      chan struct{} // one token: something to write, for a lingering goroutine
	done      chan struct{} // closed once: send the close frame and stop
	stopped   chan struct{} // closed once no goroutine will write again
	closeOnce sync.Once
	closing   atomic.Bool
	closeCode int
	closeText string
	lastWrite time.Time // the previous write (the pacer's gap counts from it); the goroutine's
}

// attach makes w the writer of conn, held: nothing is written before start.
// A writer lives inside its client (no pointer to follow per delivery).
func (w *writer) attach(conn net.Conn, p *pacer, full prometheus.Counter) {
	w.conn, w.pacer, w.full, w.running = conn, p, full, true
	w.room, w.wake = make(chan struct{}, 1), make(chan struct{}, 1)
	w.done, w.stopped = make(chan struct{}), make(chan struct{})
}

// start lets writing begin, once the first frame (ready) is queued: a
// pushed frame can be queued earlier and must wait behind it.
func (w *writer) start() {
	w.mu.Lock()
	w.running = false
	w.mu.Unlock()
	w.kick()
}

// push queues a wire frame without ever waiting: a full queue closes the
// socket with 1013 (try again later), and its client reconnects and syncs.
func (w *writer) push(f wireFrame) {
	w.mu.Lock()
	if len(w.pushed) >= sendQueue {
		w.mu.Unlock()
		if !w.closing.Load() {
			w.full.Inc()
		}
		w.close(closeTryAgainLater, "outbound queue full")
		return
	}
	w.pushed = append(w.pushed, f)
	first := len(w.pushed)+len(w.answers) == 1
	w.mu.Unlock()
	if first { // later frames find the goroutine already started
		w.kick()
	}
}

// answer queues an answer to the socket's own request, waiting while
// replyQueue answers are already waiting (back-pressure on this socket's
// reader only) unless the socket is closing.
func (w *writer) answer(payload []byte) {
	for {
		w.mu.Lock()
		if len(w.answers) < replyQueue {
			w.queueAnswerLocked(payload)
			return
		}
		w.mu.Unlock()
		select {
		case <-w.room:
		case <-w.done:
			return
		}
	}
}

// answerNow queues an answer without waiting, for callers that must never
// wait on one socket (the group commit's ack, the ready frame). It may pass
// replyQueue by the one answer in flight per socket: a socket's requests are
// handled one at a time.
func (w *writer) answerNow(payload []byte) {
	w.mu.Lock()
	w.queueAnswerLocked(payload)
}

// queueAnswerLocked appends an answer and unlocks mu.
func (w *writer) queueAnswerLocked(payload []byte) {
	w.answers = append(w.answers, payload)
	first := len(w.pushed)+len(w.answers) == 1
	w.mu.Unlock()
	if first {
		w.kick()
	}
}

// ping asks for a ping frame (Delivery.pingAll asks every pingPeriod).
func (w *writer) ping() {
	w.mu.Lock()
	w.pingDue = !w.ended
	w.mu.Unlock()
	w.kick()
}

// pongTo asks for a pong answering the peer's ping, with its payload.
func (w *writer) pongTo(payload []byte) {
	w.mu.Lock()
	if !w.ended {
		w.pong = append(make([]byte, 0, len(payload)), payload...)
	}
	w.mu.Unlock()
	w.kick()
}

// close asks for a close frame with code and text, then the end of writing;
// the first call wins. It never blocks, so the hub may call it.
func (w *writer) close(code int, text string) {
	w.closeOnce.Do(func() {
		w.closeCode, w.closeText = code, text
		w.closing.Store(true)
		close(w.done)
	})
	w.kick()
}

// isClosing reports that a close was asked for.
func (w *writer) isClosing() bool { return w.closing.Load() }

// finished is closed once no goroutine will write again.
func (w *writer) finished() <-chan struct{} { return w.stopped }

// kick makes sure a goroutine runs. One starts when frames or answers wait, a
// ping or pong is due or the socket is closing, and stops when nothing is left.
func (w *writer) kick() {
	w.mu.Lock()
	start := !w.running && !w.ended
	if start {
		w.running = true
	}
	w.mu.Unlock()
	if start {
		go w.loop()
	} else {
		signal(w.wake) // a lingering goroutine goes on
	}
}

// signal leaves a token in ch unless one is there already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// loop is the writing goroutine.
func (w *writer) loop() {
	var linger *time.Timer
	lingered := false
	for {
		if w.closing.Load() {
			bufs := net.Buffers{closeFrame(w.closeCode, w.closeText)}
			_ = w.write(&bufs, bufs)
			// The reader now waits at most closeGrace for the peer's close frame.
			_ = w.conn.SetReadDeadline(time.Now().Add(closeGrace))
			w.end()
			return
		}
		w.pace()
		w.mu.Lock()
		control := w.controlLocked()
		if len(w.pushed)+len(w.answers) == 0 && control == nil {
			if lingered {
				w.running = false
				w.pushed, w.spare = nil, nil // an idle socket keeps no queue memory
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(writerLinger)
			} else {
				linger.Reset(writerLinger)
			}
			select {
			case <-w.wake:
			case <-linger.C:
				lingered = true
			case <-w.done:
			}
			continue
		}
		w.mu.Unlock()
		lingered = false
		if err := w.flush(control); err != nil {
			// The peer is gone or too slow: stop the reader at once.
			w.close(closeAbnormal, "")
			_ = w.conn.SetReadDeadline(time.Now())
			w.end()
			return
		}
	}
}

// controlLocked takes the control frames due (a ping, a pong), nil if none.
func (w *writer) controlLocked() [][]byte {
	var out [][]byte
	if w.pingDue {
		out = append(out, controlFrame(opPing, nil))
		w.pingDue = false
	}
	if w.pong != nil {
		out = append(out, controlFrame(opPong, w.pong))
		w.pong = nil
	}
	return out
}

// end marks that no goroutine will write again.
func (w *writer) end() {
	w.mu.Lock()
	w.running, w.ended = false, true
	w.mu.Unlock()
	close(w.stopped)
}

// pace waits, on a busy node, until the pacer's gap after the previous
// write has passed, so that the frames arriving meanwhile share one write.
// Answers (an ack) never wait.
func (w *writer) pace() {
	gap := w.pacer.currentGap()
	if gap == 0 {
		return
	}
	w.mu.Lock()
	answering := len(w.answers) > 0
	w.mu.Unlock()
	if wait := time.Until(w.lastWrite.Add(gap)); wait > 0 && !answering {
		select {
		case <-time.After(wait):
		case <-w.done:
		}
	}
}

// batchPool holds the writers' iovec slices between batches.
var batchPool = sync.Pool{New: func() any { return new(net.Buffers) }}

// flush writes the control frames, then every answer and every pushed frame
// waiting, answers first, all taken at once: an ack is queued before its
// message.new is published, so it is taken with it or earlier, and a
// message.new never overtakes its ack.
func (w *writer) flush(control [][]byte) error {
	w.mu.Lock()
	batch, answers := w.pushed, w.answers
	w.pushed, w.answers = w.spare[:0], nil
	w.spare = nil
	w.mu.Unlock()
	if len(answers) > 0 {
		signal(w.room)
	}
	bufs := batchPool.Get().(*net.Buffers)
	iov := append((*bufs)[:0], control...)
	for _, b := range answers {
		iov = append(iov, appendFrameHeader(nil, opText, len(b)), b)
	}
	iov = append(iov, batch...)
	clear(batch) // the frames are shared: let them go once written
	if cap(batch) <= smallBatch {
		w.mu.Lock()
		if w.spare == nil {
			w.spare = batch[:0]
		}
		w.mu.Unlock()
	}
	err := w.write(bufs, iov)
	clear(iov)
	*bufs = iov[:0]
	batchPool.Put(bufs)
	return err
}

// write sends iov in one system call (writev), within writeWait. bufs is
// the scratch slice header WriteTo consumes (pooled: one made per write
// would be an allocation per batch).
func (w *writer) write(bufs *net.Buffers, iov [][]byte) error {
	if len(iov) == 0 {
		return nil
	}
	w.lastWrite = time.Now()
	_ = w.conn.SetWriteDeadline(w.lastWrite.Add(writeWait))
	*bufs = iov
	_, err := bufs.WriteTo(w.conn)
	return err
}
