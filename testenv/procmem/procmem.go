// Package procmem reads this process's resident memory and its peak from
// Linux's /proc, for the tests that show an upload is streamed (its peak
// stays flat whatever the size). It imports nothing of the app, so that a
// package's internal tests (storage's) can use it as well as testenv's users.
package procmem

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// ResetPeak sets the peak (VmHWM) back to the current resident set, by
// writing 5 to /proc/self/clear_refs; the test is skipped where it cannot.
func ResetPeak(t testing.TB) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// Read returns the resident set (VmRSS) and its peak (VmHWM) in bytes; the
// test is skipped without /proc/self/status.
func Read(t testing.TB) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	rss, err1 := field(string(b), "VmRSS")
	peak, err2 := field(string(b), "VmHWM")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return rss, peak
}

// field reads one "Name:   123 kB" line of /proc/self/status, in bytes.
func field(status, name string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("%s not in /proc/self/status", name)
}
