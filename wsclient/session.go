package wsclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// SessionConfig configures NewSession.
type SessionConfig struct {
	// URLs are the socket URLs to try, in preference order. It is asked again
	// before every dial so that a caller can move a client between nodes; a
	// failed attempt moves on to the next URL, as a load balancer or a browser
	// retrying another node would.
	URLs func() []string
	// Options are passed to every Dial (token, Origin, TLS).
	Options Options
	// GroupID is the conversation the session sends to, records and syncs.
	// A group only: its id names it in both requests and messages, where a
	// private conversation's id would first have to be learnt from a message.
	GroupID uint64
	// AckTimeout bounds one send attempt; after it the message is sent again
	// with the same clientMsgId. Zero means 15s.
	AckTimeout time.Duration
	// RetryCodes are the error codes a send is retried on (with the same
	// clientMsgId); any other error code ends the send. Nil means unavailable
	// and rate_limited: a server that says internal has a bug a test must see,
	// not hide behind a retry.
	RetryCodes []string
}

// Session is one user's socket on one group as a browser keeps it: it
// reconnects after a drop (to another node if the first refuses), syncs from
// the last seq it holds without a gap, and sends each message until it is
// acknowledged, always with the same clientMsgId so that the server's dedupe
// turns a retry whose first attempt was stored into the same message.
//
// It records what it receives so that a test can check the end state (every
// stored message held, once duplicates are dropped) rather than trusting the
// live path. It reconnects lazily, on Current, Send or Resync, so that a test
// decides when a client comes back.
type Session struct {
	cfg    SessionConfig
	retry  map[string]bool
	rotate atomic.Int64

	mu         sync.Mutex
	conn       *Conn
	seen       map[uint64]Message // by message id
	seqs       map[uint64]bool
	contiguous uint64 // every seq in 1..contiguous is held
	deliveries int    // message.new frames of the group, duplicates included
	codes      map[string]int

	reconnects, resends atomic.Int64
}

// NewSession returns a session that is not connected yet.
func NewSession(cfg SessionConfig) *Session {
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = 15 * time.Second
	}
	codes := cfg.RetryCodes
	if codes == nil {
		codes = []string{"unavailable", "rate_limited"}
	}
	retry := map[string]bool{}
	for _, c := range codes {
		retry[c] = true
	}
	return &Session{cfg: cfg, retry: retry, seen: map[uint64]Message{}, seqs: map[uint64]bool{}, codes: map[string]int{}}
}

func (s *Session) target() Target { return Target{GroupID: s.cfg.GroupID} }

func (s *Session) record(env Envelope) {
	if env.Type != "message.new" {
		return
	}
	m, err := DecodeMessage(env)
	if err != nil || m.Conversation.Type != "group" || m.Conversation.ID != s.cfg.GroupID {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries++
	s.seen[m.ID] = *m
	s.seqs[m.Seq] = true
	for s.seqs[s.contiguous+1] {
		s.contiguous++
	}
}

func (s *Session) code(code string) {
	s.mu.Lock()
	s.codes[code]++
	s.mu.Unlock()
}

// Connect dials until a URL takes the socket and the sync from the last
// contiguous seq is answered, then makes that socket current. A dial or sync
// that fails moves to the next URL after a jittered, doubling pause, so that
// the clients of a node that died do not all come back in the same instant.
func (s *Session) Connect(ctx context.Context) (*Conn, error) {
	backoff := 50 * time.Millisecond
	for {
		urls := s.cfg.URLs()
		url := urls[int(s.rotate.Load())%len(urls)]
		conn, res, err := Dial(ctx, url, s.cfg.Options)
		if err == nil {
			go s.recordFrom(conn)
			if err := conn.Sync(ctx, []SyncFrom{{Target: s.target(), AfterSeq: s.Contiguous()}}); err == nil {
				s.mu.Lock()
				s.conn = conn
				s.mu.Unlock()
				return conn, nil
			} else {
				var se *ServerError
				if errors.As(err, &se) {
					s.code(se.Code)
				}
			}
			conn.Close()
		} else if res != nil {
			s.code(fmt.Sprintf("handshake %d", res.StatusCode))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.rotate.Add(1)
		if err := sleep(ctx, backoff/2+time.Duration(rand.Int64N(int64(backoff)))); err != nil {
			return nil, err
		}
		backoff = min(backoff*2, time.Second)
	}
}

// recordFrom records conn's events until it ends, and then those still
// buffered: a sync's messages may sit there when the socket drops.
func (s *Session) recordFrom(conn *Conn) {
	for {
		select {
		case env := <-conn.Events:
			s.record(env)
		case <-conn.Done:
			for {
				select {
				case env := <-conn.Events:
					s.record(env)
				default:
					return
				}
			}
		}
	}
}

// Current returns the open socket, reconnecting (and counting a reconnect)
// when there is none or it has ended.
func (s *Session) Current(ctx context.Context) (*Conn, error) {
	if conn := s.open(); conn != nil {
		return conn, nil
	}
	s.reconnects.Add(1)
	return s.Connect(ctx)
}

func (s *Session) open() *Conn {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return nil
	}
	select {
	case <-conn.Done:
		return nil
	default:
		return conn
	}
}

// Conn is the last socket connected, open or not, without reconnecting (nil
// before the first connect): for a test to watch or drop it.
func (s *Session) Conn() *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// Send sends one message and retries it with the same clientMsgId over
// errors and reconnects until it is acknowledged, an error code that is not
// retried answers, or ctx ends.
func (s *Session) Send(ctx context.Context, body, clientMsgID string) (*Message, error) {
	for attempt := 0; ; attempt++ {
		conn, err := s.Current(ctx)
		if err != nil {
			return nil, err
		}
		if attempt > 0 {
			s.resends.Add(1)
		}
		reqCtx, cancel := context.WithTimeout(ctx, s.cfg.AckTimeout)
		m, err := conn.SendMessage(reqCtx, s.target(), body, clientMsgID)
		cancel()
		if err == nil {
			return m, nil
		}
		var se *ServerError
		if errors.As(err, &se) {
			s.code(se.Code)
			if !s.retry[se.Code] {
				return nil, err
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := sleep(ctx, time.Duration(50+rand.IntN(100))*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// Resync asks for everything after the contiguous seq (a live delivery lost
// between nodes leaves a gap that only a sync fills), reconnecting if the
// socket has ended. A reconnect's own sync is the resync: a second one, sent
// before the recorder has caught up with the first, would only fetch the same
// messages again. The messages are on the socket's Events when it returns;
// they are recorded a moment later.
func (s *Session) Resync(ctx context.Context) error {
	if conn := s.open(); conn != nil {
		return conn.Sync(ctx, []SyncFrom{{Target: s.target(), AfterSeq: s.Contiguous()}})
	}
	_, err := s.Current(ctx)
	return err
}

// Close closes the current socket, if any, without reconnecting.
func (s *Session) Close() error {
	if conn := s.Conn(); conn != nil {
		return conn.Close()
	}
	return nil
}

// Contiguous is the highest seq such that every seq up to it is held.
func (s *Session) Contiguous() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.contiguous
}

// Has reports whether the message with this id was received.
func (s *Session) Has(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.seen[id]
	return ok
}

// Held is how many distinct messages were received.
func (s *Session) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// Deliveries is how many message.new frames of the group were received,
// duplicates included: Deliveries - Held is what a client had to drop.
func (s *Session) Deliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries
}

// Codes counts the error codes (and refused handshakes, as "handshake
// <status>") the session was answered with: a fault test asserts which
// refusals clients saw, not only that they got through.
func (s *Session) Codes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.codes))
	for k, v := range s.codes {
		out[k] = v
	}
	return out
}

// Reconnects counts the connects made because there was no open socket
// (the first, if it was made by Current or Send rather than Connect).
func (s *Session) Reconnects() int64 { return s.reconnects.Load() }

// Resends counts the send attempts after a message's first.
func (s *Session) Resends() int64 { return s.resends.Load() }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
