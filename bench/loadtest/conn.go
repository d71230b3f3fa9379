package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Client timings.
const (
	// dialTimeout bounds one handshake and its ready frame.
	dialTimeout = 30 * time.Second
	// writeTimeout bounds writing one request frame.
	writeTimeout = 10 * time.Second
	// reconnectFor is how long a lost socket keeps trying to come back
	// before its pending sends count as unacknowledged.
	reconnectFor = 60 * time.Second
	// readBuffer is each socket's read buffer: a 4 KiB buffer holds a dozen
	// message.new frames, so one read syscall serves several under load.
	readBuffer = 4096
)

// convKey names a conversation as messages name it.
type convKey struct {
	private bool
	id      uint64
}

// convState is what the run knows of one conversation: its highest seq
// acknowledged or delivered. Seqs have no gaps and every conversation is new,
// so every socket of the conversation must end up with seqs 1..maxSeq.
type convState struct {
	maxSeq atomic.Uint64
}

// seqSet is the seqs one socket received in one conversation.
type seqSet struct {
	bits   []uint64
	count  uint64 // distinct seqs
	prefix uint64 // every seq in 1..prefix was received (the sync point)
}

// add records seq and reports whether it is new.
func (s *seqSet) add(seq uint64) bool {
	w := int(seq / 64)
	for len(s.bits) <= w {
		s.bits = append(s.bits, 0)
	}
	if s.bits[w]&(1<<(seq%64)) != 0 {
		return false
	}
	s.bits[w] |= 1 << (seq % 64)
	s.count++
	for s.has(s.prefix + 1) {
		s.prefix++
	}
	return true
}

func (s *seqSet) has(seq uint64) bool {
	w := int(seq / 64)
	return w < len(s.bits) && s.bits[w]&(1<<(seq%64)) != 0
}

// pendingSend is a message.send awaiting its ack.
type pendingSend struct {
	frame []byte
	sched time.Time
}

// sock is one WebSocket of one user, reconnecting (and syncing, and sending
// its unacknowledged messages again with the same clientMsgId) when lost.
type sock struct {
	r    *runner
	u    *user
	path string // /ws/group or /ws/private
	node int    // index of the node it dials (runner.wsBases)
	// peer is the friend of a private socket (0 on group sockets), partner
	// that friend's private socket.
	peer    uint64
	partner *sock

	wmu sync.Mutex
	ws  *websocket.Conn

	mu      sync.Mutex
	pending map[string]pendingSend // by request id (= clientMsgId)
	seen    map[convKey]*seqSet
	convs   []convKey // conversations this socket must receive
	buf     []byte
}

// dial opens the socket and waits for ready.
func (s *sock) dial(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: dialTimeout, ReadBufferSize: readBuffer, WriteBufferSize: readBuffer}
	for attempt := 0; ; attempt++ {
		h := http.Header{"Authorization": {"Bearer " + s.u.accessToken()}}
		ws, res, err := d.DialContext(ctx, s.r.wsBases[s.node]+s.path, h)
		if err != nil {
			if res != nil && res.StatusCode == http.StatusUnauthorized && attempt == 0 {
				// The access token expired (15 minutes): log in again.
				if err := s.r.api.login(ctx, s.u); err != nil {
					return err
				}
				continue
			}
			return err
		}
		_ = ws.SetReadDeadline(time.Now().Add(dialTimeout))
		_, first, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return err
		}
		if !bytes.HasPrefix(first, []byte(`{"type":"ready"`)) {
			ws.Close()
			return fmt.Errorf("first frame is not ready: %.80s", first)
		}
		_ = ws.SetReadDeadline(time.Time{})
		s.wmu.Lock()
		s.ws = ws
		s.wmu.Unlock()
		go s.readLoop(ws)
		return nil
	}
}

// write sends one frame; a failure is left to the reader, which reconnects.
func (s *sock) write(frame []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.ws == nil {
		return
	}
	_ = s.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := s.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		_ = s.ws.Close() // wakes the reader, which reconnects
	}
}

// send sends one message.send, scheduled at sched, to target (a group id, or
// the peer's user id on a private socket).
func (s *sock) send(target uint64, cmid string, sched time.Time, pad string) {
	key := `"groupId":`
	if s.peer != 0 {
		key = `"toUserId":`
	}
	f := make([]byte, 0, 160+len(pad))
	f = append(f, `{"type":"message.send","id":"`...)
	f = append(f, cmid...)
	f = append(f, `","data":{`...)
	f = append(f, key...)
	f = strconv.AppendUint(f, target, 10)
	f = append(f, `,"clientMsgId":"`...)
	f = append(f, cmid...)
	f = append(f, `","body":"lt|`...)
	f = strconv.AppendInt(f, sched.UnixNano(), 10)
	f = append(f, '|')
	f = append(f, pad...)
	f = append(f, `"}}`...)
	s.mu.Lock()
	s.pending[cmid] = pendingSend{frame: f, sched: sched}
	s.mu.Unlock()
	s.r.sent.Add(1)
	s.write(f)
}

// readLoop reads frames until the connection ends, then reconnects.
func (s *sock) readLoop(ws *websocket.Conn) {
	for {
		_, rd, err := ws.NextReader()
		if err != nil {
			ws.Close()
			if s.r.closing.Load() {
				return
			}
			s.reconnect()
			return
		}
		s.buf = s.buf[:0]
		for {
			if len(s.buf) == cap(s.buf) {
				s.buf = append(s.buf, 0)[:len(s.buf)]
			}
			n, err := rd.Read(s.buf[len(s.buf):cap(s.buf)])
			s.buf = s.buf[:len(s.buf)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				break
			}
		}
		s.handle(s.buf, time.Now())
	}
}

// reconnect comes back after a lost connection: dial, sync every
// conversation from the last seq held without a gap, and send again every
// message not yet acknowledged (same clientMsgId: the server answers with the
// message it already stored, if it did).
func (s *sock) reconnect() {
	s.r.reconnects.Add(1)
	s.wmu.Lock()
	s.ws = nil
	s.wmu.Unlock()
	deadline := time.Now().Add(reconnectFor)
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
		if s.r.closing.Load() {
			return
		}
		if err := s.dial(s.r.ctx); err == nil {
			break
		} else if time.Now().After(deadline) {
			s.r.logf("%s%s: gave up reconnecting: %v", s.u.username, s.path, err)
			return
		}
		time.Sleep(backoff)
	}
	s.mu.Lock()
	var sync []byte
	sync = append(sync, `{"type":"sync","id":"sync","data":{"conversations":[`...)
	for i, k := range s.convs {
		if i > 0 {
			sync = append(sync, ',')
		}
		if k.private {
			sync = fmt.Appendf(sync, `{"toUserId":%d`, s.peer)
		} else {
			sync = fmt.Appendf(sync, `{"groupId":%d`, k.id)
		}
		var after uint64
		if set := s.seen[k]; set != nil {
			after = set.prefix
		}
		sync = fmt.Appendf(sync, `,"afterSeq":%d}`, after)
	}
	sync = append(sync, "]}}"...)
	resend := make([][]byte, 0, len(s.pending))
	for _, p := range s.pending {
		resend = append(resend, p.frame)
	}
	s.mu.Unlock()
	if len(s.convs) > 0 {
		s.write(sync)
	}
	for _, f := range resend {
		s.write(f)
	}
}

var (
	typeMessageNew = []byte(`{"type":"message.new"`)
	typeAck        = []byte(`{"type":"ack"`)
	typeError      = []byte(`{"type":"error"`)
)

// handle reads one server frame. The frames of interest are read by
// scanning, not by decoding JSON: the tool shares a machine with the server
// and must spend as little as it can per delivery.
func (s *sock) handle(b []byte, now time.Time) {
	switch {
	case bytes.HasPrefix(b, typeMessageNew):
		conv, seq, sched, ok := scanMessage(b)
		if !ok {
			s.r.malformed.Add(1)
			return
		}
		s.r.conv(conv).raise(seq)
		s.mu.Lock()
		set := s.seen[conv]
		if set == nil {
			set = &seqSet{}
			s.seen[conv] = set
		}
		fresh := set.add(seq)
		s.mu.Unlock()
		if conv.private {
			s.learn(conv)
		}
		if !fresh {
			s.r.duplicates.Add(1)
			return
		}
		s.r.delivered.Add(1)
		if !sched.IsZero() {
			s.r.e2e.add(now.Sub(sched))
		}
	case bytes.HasPrefix(b, typeAck):
		id := scanString(b, `"id":"`)
		conv, seq, _, ok := scanMessage(b)
		s.mu.Lock()
		p, had := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if ok && conv.private {
			s.learn(conv)
		}
		if !had {
			return // an answer to a send made again after a reconnect
		}
		s.r.acked.Add(1)
		s.r.ack.add(now.Sub(p.sched))
		if ok {
			s.r.conv(conv).raise(seq)
		}
	case bytes.HasPrefix(b, typeError):
		id := scanString(b, `"id":"`)
		code := scanString(b, `"code":"`)
		s.mu.Lock()
		_, had := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if had || id == "sync" {
			s.r.refuse(code)
		}
	}
}

// learn records the private conversation of a pair, found in its first
// message, on both of its sockets: from then on both must receive all of it.
func (s *sock) learn(conv convKey) {
	for _, x := range []*sock{s, s.partner} {
		x.mu.Lock()
		if len(x.convs) == 0 {
			x.convs = append(x.convs, conv)
		}
		x.mu.Unlock()
	}
}

func (c *convState) raise(seq uint64) {
	for {
		m := c.maxSeq.Load()
		if seq <= m || c.maxSeq.CompareAndSwap(m, seq) {
			return
		}
	}
}

// lost is how many of the seqs this socket must hold are missing.
func (s *sock) lost() (missing uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.convs {
		want := s.r.conv(k).maxSeq.Load()
		var have uint64
		if set := s.seen[k]; set != nil {
			have = set.count
		}
		if want > have {
			missing += want - have
		}
	}
	return missing
}

func (s *sock) unacked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// scanMessage reads the conversation, seq and send time (from a body made by
// send) of the message inside a message.new or ack frame. The server encodes
// the message's fields in a fixed order (id, conversation, seq, senderId,
// body), which the scan follows.
func scanMessage(b []byte) (conv convKey, seq uint64, sched time.Time, ok bool) {
	i := bytes.Index(b, []byte(`"conversation":{"type":"`))
	if i < 0 {
		return conv, 0, sched, false
	}
	b = b[i+len(`"conversation":{"type":"`):]
	conv.private = bytes.HasPrefix(b, []byte("private"))
	var rest []byte
	if conv.id, rest, ok = scanUint(b, `"id":`); !ok {
		return conv, 0, sched, false
	}
	if seq, rest, ok = scanUint(rest, `"seq":`); !ok {
		return conv, 0, sched, false
	}
	if j := bytes.Index(rest, []byte(`"body":"lt|`)); j >= 0 {
		if ns, _, ok := scanUint(rest[j:], `"body":"lt|`); ok {
			sched = time.Unix(0, int64(ns))
		}
	}
	return conv, seq, sched, true
}

// scanUint reads the unsigned number after the first key in b.
func scanUint(b []byte, key string) (uint64, []byte, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, b, false
	}
	b = b[i+len(key):]
	var n uint64
	j := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + uint64(b[j]-'0')
	}
	return n, b[j:], j > 0
}

// scanString reads the string after the first key (which ends with its
// opening quote); the strings read here hold no escapes.
func scanString(b []byte, key string) string {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return ""
	}
	b = b[i+len(key):]
	if j := bytes.IndexByte(b, '"'); j >= 0 {
		return string(b[:j])
	}
	return ""
}

var errNoSockets = errors.New("no sockets to run")
