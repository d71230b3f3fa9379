package mail

import (
	"context"
	"log/slog"
	"sync"
)

// DefaultQueueSize bounds the mails waiting in a Queue: reset and security
// mails come one per user action, and a few hundred waiting means the relay
// is down, when piling up more would only delay the shutdown.
const DefaultQueueSize = 256

// Queue sends in the background, one message at a time. The request that
// causes a mail answers without waiting for SMTP, so a "forgot password" for
// an existing address takes as long as one for an unknown address, and a slow
// relay never holds a request. A mail lost to a crash or a full queue is
// asked for again by the user; failures are logged (never with the body).
type Queue struct {
	m    Mailer
	log  *slog.Logger
	ch   chan Message
	done chan struct{}

	mu     sync.RWMutex // guards closed against Enqueue racing Close
	closed bool
}

// NewQueue starts the sender goroutine; size 0 means DefaultQueueSize.
func NewQueue(m Mailer, size int, log *slog.Logger) *Queue {
	if size <= 0 {
		size = DefaultQueueSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := &Queue{m: m, log: log, ch: make(chan Message, size), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *Queue) run() {
	defer close(q.done)
	for msg := range q.ch {
		// Each send is bounded by the Mailer's own timeout, not by the
		// request that queued it (which has answered already).
		if err := q.m.Send(context.Background(), msg); err != nil {
			q.log.Warn("mail not sent", "subject", msg.Subject, "err", err)
		}
	}
}

// Enqueue hands msg to the sender without waiting; false when the queue is
// full or closed (the mail is dropped and logged).
func (q *Queue) Enqueue(msg Message) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.log.Warn("mail dropped: the queue is closed", "subject", msg.Subject)
		return false
	}
	select {
	case q.ch <- msg:
		return true
	default:
		q.log.Warn("mail dropped: the queue is full", "subject", msg.Subject, "size", cap(q.ch))
		return false
	}
}

// Close stops taking mail and waits until what was queued is sent, or ctx
// ends (graceful shutdown: call it after the HTTP server stopped).
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
