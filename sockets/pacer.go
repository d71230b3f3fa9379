package sockets

import (
	"context"
	"sync/atomic"
	"time"
)

// Write coalescing under load. Each write to a socket is a system call
// whose cost (about 5 µs on loopback, most of it the kernel's TCP path and
// waking the reader) does not depend on how many frames it carries. A quiet
// node writes every frame at once; a busy one makes each writer wait, after
// its previous write, for a gap that grows with the node's delivery rate, so
// that the frames arriving meanwhile share one write. Latency then grows by
// at most the gap while the CPU spent on writes stops growing with the rate.
const (
	// coalesceFrom is the delivery rate (frames queued per second on this
	// node) below which nothing waits: at 50,000 frames/s the writes cost
	// about a quarter of a core, which a node can spend.
	coalesceFrom = 50000
	// coalesceFull is the rate at which the gap reaches maxFlushGap; between
	// the two it grows in proportion.
	coalesceFull = 150000
	// maxFlushGap is the longest a writer waits after its previous write:
	// 25 ms keeps a busy node's p99 well inside the 200 ms a chat needs and
	// caps each socket at 40 writes a second.
	maxFlushGap = 25 * time.Millisecond
	// pacePeriod is how often the rate is measured and the gap set.
	pacePeriod = 250 * time.Millisecond
)

// pacer measures the node's delivery rate and sets the writers' gap.
type pacer struct {
	queued atomic.Uint64 // frames queued for sockets, ever
	gap    atomic.Int64  // nanoseconds a writer waits after its previous write; 0 when quiet
}

// currentGap is how long a writer waits after its previous write now.
func (p *pacer) currentGap() time.Duration { return time.Duration(p.gap.Load()) }

// add counts n frames queued.
func (p *pacer) add(n int) { p.queued.Add(uint64(n)) }

// run sets the gap every pacePeriod until ctx ends.
func (p *pacer) run(ctx context.Context) {
	t := time.NewTicker(pacePeriod)
	defer t.Stop()
	last, at := p.queued.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n := p.queued.Load()
			p.gap.Store(int64(flushGap(float64(n-last) / now.Sub(at).Seconds())))
			last, at = n, now
		}
	}
}

// flushGap is the gap for a delivery rate in frames per second.
func flushGap(rate float64) time.Duration {
	switch {
	case rate <= coalesceFrom:
		return 0
	case rate >= coalesceFull:
		return maxFlushGap
	}
	return time.Duration(float64(maxFlushGap) * (rate - coalesceFrom) / (coalesceFull - coalesceFrom))
}
