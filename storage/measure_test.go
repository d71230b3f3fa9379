package storage

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"workcomm/testenv/procmem"
)

// TestMeasureLargeUpload measures one upload of WORKCOMM_MEASURE_UPLOAD_MIB
// MiB through each store (the folder and the real S3 server): its throughput
// and how far the process's peak resident memory rose. It is a measuring
// tool for docs/PERFORMANCE.md ("Uploads"), not a check, and is skipped
// unless the variable is set:
//
//	WORKCOMM_MEASURE_UPLOAD_MIB=1024 go test -count=1 -run TestMeasureLargeUpload -v ./storage/
func TestMeasureLargeUpload(t *testing.T) {
	mib, _ := strconv.ParseInt(os.Getenv("WORKCOMM_MEASURE_UPLOAD_MIB"), 10, 64)
	if mib <= 0 {
		t.Skip("set WORKCOMM_MEASURE_UPLOAD_MIB to measure an upload of that many MiB")
	}
	size := mib << 20
	forEachStore(t, func(t *testing.T, s store) {
		runtime.GC()
		debug.FreeOSMemory()
		procmem.ResetPeak(t)
		before, _ := procmem.Read(t)
		start := time.Now()
		n, err := s.Put(context.Background(), "measure/original", "application/octet-stream", random(9, size), size)
		took := time.Since(start)
		_, peak := procmem.Read(t)
		if err != nil || n != size {
			t.Fatalf("Put: %d, %v", n, err)
		}
		t.Logf("%s: %d MiB in %s (%.0f MiB/s); peak RSS +%.1f MiB (RSS before %.1f MiB)",
			s.Kind(), mib, took.Round(time.Millisecond), float64(mib)/took.Seconds(), float64(peak-before)/(1<<20), float64(before)/(1<<20))
	})
}
