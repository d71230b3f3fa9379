package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hist is a lock-free log-linear histogram of durations in microseconds:
// exact below 64 µs, then 32 buckets per power of two (about 3 % wide), which
// is finer than the noise of any run on a shared machine.
type hist struct {
	counts [64 * 32]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

// subBits is log2 of the buckets per power of two.
const subBits = 5

func bucketOf(us int64) int {
	if us < 0 {
		us = 0
	}
	v := uint64(us)
	mag := bits.Len64(v)
	if mag <= subBits+1 {
		return int(v)
	}
	shift := mag - subBits - 1
	return shift<<subBits + int(v>>shift)
}

// bucketValue is the middle of bucket i, in microseconds.
func bucketValue(i int) float64 {
	if i < 1<<(subBits+1) {
		return float64(i)
	}
	shift := i>>subBits - 1
	low := uint64(i-shift<<subBits) << shift
	return float64(low) + float64(uint64(1)<<shift)/2
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	h.counts[bucketOf(us)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			return
		}
	}
}

func (h *hist) reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.n.Store(0)
	h.max.Store(0)
}

// latency is a histogram's summary in milliseconds, as reported.
type latency struct {
	N   uint64  `json:"n"`
	P50 float64 `json:"p50Ms"`
	P90 float64 `json:"p90Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

func (h *hist) summary() latency {
	n := h.n.Load()
	out := latency{N: n, Max: float64(h.max.Load()) / 1000}
	if n == 0 {
		return out
	}
	targets := []struct {
		q   float64
		dst *float64
	}{{0.50, &out.P50}, {0.90, &out.P90}, {0.99, &out.P99}}
	var seen uint64
	t := 0
	for i := range h.counts {
		seen += h.counts[i].Load()
		for t < len(targets) && float64(seen) >= targets[t].q*float64(n) {
			*targets[t].dst = min(bucketValue(i)/1000, out.Max)
			t++
		}
	}
	return out
}

func (l latency) String() string {
	return fmt.Sprintf("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)", l.P50, l.P90, l.P99, l.Max, l.N)
}

// procSampler follows the server's processes (one a node) through /proc: CPU
// time and resident memory, summed, sampled every samplePeriod for the peak.
type procSampler struct {
	pids []int

	mu      sync.Mutex
	peakRSS int64 // bytes, over the current window
	stop    chan struct{}
	done    chan struct{}
}

// samplePeriod is how often RSS is read: often enough to see a peak that
// lasts a fraction of a second, rarely enough to cost nothing.
const samplePeriod = 200 * time.Millisecond

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux this tool targets.
const clockTicks = 100

func newProcSampler(pids []int) *procSampler {
	p := &procSampler{pids: pids, stop: make(chan struct{}), done: make(chan struct{})}
	if len(pids) == 0 {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(samplePeriod)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				if rss, err := readRSS(p.pids); err == nil {
					p.mu.Lock()
					p.peakRSS = max(p.peakRSS, rss)
					p.mu.Unlock()
				}
			}
		}
	}()
	return p
}

func (p *procSampler) close() {
	if len(p.pids) != 0 {
		close(p.stop)
	}
	<-p.done
}

// window starts a measurement: it returns a function that reports the CPU
// used since (in cores: CPU seconds per wall second) and the peak RSS seen.
func (p *procSampler) window() func() (cpu float64, peakRSS int64) {
	if len(p.pids) == 0 {
		return func() (float64, int64) { return 0, 0 }
	}
	start := time.Now()
	startCPU, _ := readCPU(p.pids)
	rss, _ := readRSS(p.pids)
	p.mu.Lock()
	p.peakRSS = rss
	p.mu.Unlock()
	return func() (float64, int64) {
		cpu, _ := readCPU(p.pids)
		rss, _ := readRSS(p.pids)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.peakRSS = max(p.peakRSS, rss)
		return (cpu - startCPU).Seconds() / time.Since(start).Seconds(), p.peakRSS
	}
}

// readCPU is the processes' user+system CPU time, summed.
func readCPU(pids []int) (time.Duration, error) {
	var sum time.Duration
	for _, pid := range pids {
		d, err := procCPU(pid)
		if err != nil {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

// procCPU is one process's user+system CPU time (fields 14 and 15 of stat,
// counted after the parenthesised command name, which may hold spaces).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// readRSS is the processes' resident sets (VmRSS), summed, in bytes.
func readRSS(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		kb, err := readStatusKB(pid, "VmRSS:")
		if err != nil {
			return 0, err
		}
		sum += kb
	}
	return sum, nil
}

func readStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// cpuBusy reads /proc/stat for the listed CPUs and returns a function giving
// the fraction of each that was busy since: the layout's own check that the
// server's core (and not the tool's) was the one saturated.
func cpuBusy(cpus []int) func() map[string]float64 {
	read := func() map[int][2]uint64 {
		out := map[int][2]uint64{}
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return out
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 8 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
				continue
			}
			n, err := strconv.Atoi(f[0][3:])
			if err != nil {
				continue
			}
			var total, idle uint64
			for i, v := range f[1:] {
				x, _ := strconv.ParseUint(v, 10, 64)
				total += x
				if i == 3 || i == 4 { // idle, iowait
					idle += x
				}
			}
			out[n] = [2]uint64{total, idle}
		}
		return out
	}
	start := read()
	return func() map[string]float64 {
		end := read()
		out := map[string]float64{}
		for _, c := range cpus {
			s, e := start[c], end[c]
			if dt := e[0] - s[0]; dt > 0 {
				out["cpu"+strconv.Itoa(c)] = 1 - float64(e[1]-s[1])/float64(dt)
			}
		}
		return out
	}
}

// loadAverage is the first three fields of /proc/loadavg: how busy the
// machine was, to read the figures by.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
