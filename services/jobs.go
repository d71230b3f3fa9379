package services

import (
	"context"
	"log/slog"
	"sync"
)

// DefaultJobsSize bounds the work waiting in Jobs: a few hundred requests
// waiting means the database is stuck, when holding more would only delay
// the shutdown.
const DefaultJobsSize = 256

// Jobs runs work after the request that asked for it has answered, one job
// at a time, so that the answer cannot tell what the work found (a forgotten
// password: whether the address has an account). A job lost to a crash or a
// full queue is asked for again by the user; it is logged.
type Jobs struct {
	ch   chan func(context.Context)
	done chan struct{}
	log  *slog.Logger

	mu     sync.RWMutex // guards closed against Go racing Close
	closed bool
}

// NewJobs starts the worker; size 0 means DefaultJobsSize.
func NewJobs(size int, log *slog.Logger) *Jobs {
	if size <= 0 {
		size = DefaultJobsSize
	}
	j := &Jobs{ch: make(chan func(context.Context), size), done: make(chan struct{}), log: log}
	go j.run()
	return j
}

func (j *Jobs) run() {
	defer close(j.done)
	for job := range j.ch {
		job(context.Background())
	}
}

// Go queues job without waiting; false when the queue is full or closed.
func (j *Jobs) Go(name string, job func(context.Context)) bool {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		j.log.Warn("job dropped: the queue is closed", "job", name)
		return false
	}
	select {
	case j.ch <- job:
		return true
	default:
		j.log.Warn("job dropped: the queue is full", "job", name, "size", cap(j.ch))
		return false
	}
}

// Close stops taking jobs and waits until the queued ones ran, or ctx ends.
func (j *Jobs) Close(ctx context.Context) error {
	j.mu.Lock()
	if !j.closed {
		j.closed = true
		close(j.ch)
	}
	j.mu.Unlock()
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
