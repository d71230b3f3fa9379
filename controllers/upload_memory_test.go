package controllers_test

import (
	"context"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"workcomm/configs"
	"workcomm/models"
	"workcomm/testenv"
	"workcomm/testenv/procmem"
)

// TestUploadsStreamThroughTheServer sends 10 MiB and 100 MiB (premium's
// largest file) through POST /attachments, in chunks as a browser on a long
// upload would, on the file store and on S3, and measures how much the
// process's peak resident memory rises (client and server share the process;
// both stream). It logs the throughput and the rise: docs/PERFORMANCE.md,
// "Uploads", quotes them.
func TestUploadsStreamThroughTheServer(t *testing.T) {
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux's /proc/self/clear_refs to reset the peak RSS")
	}
	stores := map[string]func(t *testing.T) string{
		"file": func(t *testing.T) string { return "file://" + t.TempDir() },
		"s3":   func(t *testing.T) string { return testenv.S3StorageURL(t) },
	}
	for _, name := range []string{"file", "s3"} {
		t.Run(name, func(t *testing.T) {
			url := stores[name](t)
			env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.StorageURL = url })
			u := env.Register(t, "big")
			if err := env.App.DB.Model(&models.User{}).Where("id = ?", u.ID).Update("plan", models.PlanPremium).Error; err != nil {
				t.Fatal(err)
			}
			defer debug.SetGCPercent(debug.SetGCPercent(10)) // the peak shows what is held, not uncollected garbage
			// Warm up: the first upload loads what later ones share (clients, pools).
			streamedUpload(t, env, u, 1, 6<<20)
			small, _ := streamedUpload(t, env, u, 2, 10<<20)
			large, took := streamedUpload(t, env, u, 3, 100<<20)
			t.Logf("%s: 100 MiB in %s (%.0f MiB/s); peak RSS +%.1f MiB for 10 MiB, +%.1f MiB for 100 MiB",
				name, took.Round(time.Millisecond), 100/took.Seconds(), float64(small)/(1<<20), float64(large)/(1<<20))
			// Bounded whatever the size: at most three 5 MiB S3 parts in
			// flight and the copy buffers (storage's own test), with room
			// for the SDK and the multipart reader; holding the file would
			// take over 100 MiB. The race detector's shadow doubles it.
			bound := int64(40 << 20)
			if raceEnabled {
				bound *= 2
			}
			if large > bound {
				t.Fatalf("peak RSS +%d MiB during a 100 MiB upload (+%d MiB for 10 MiB), over the %d MiB bound: the upload is not streamed",
					large>>20, small>>20, bound>>20)
			}
		})
	}
}

// streamedUpload posts size pseudo-random bytes as a chunked multipart body
// and returns the rise of the peak RSS and the time the request took.
func streamedUpload(t *testing.T, env *testenv.Env, u *testenv.User, seed uint64, size int64) (int64, time.Duration) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	procmem.ResetPeak(t)
	before, _ := procmem.Read(t)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			_, err = io.CopyN(part, rand.NewChaCha8([32]byte{byte(seed)}), size)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, env.Server.URL+"/api/v1/attachments", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.AccessToken)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	_, peak := procmem.Read(t)
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"size":`+strconv.FormatInt(size, 10)) {
		t.Fatalf("upload of %d bytes: %d %s", size, res.StatusCode, body)
	}
	return peak - before, took
}

// TestAnAbandonedUploadLeavesNothing: a client that goes away mid-upload
// (a closed tab, the composer's cancel) leaves no row, no quota taken and
// no bytes, on the folder and on S3.
func TestAnAbandonedUploadLeavesNothing(t *testing.T) {
	for _, name := range []string{"file", "s3"} {
		t.Run(name, func(t *testing.T) {
			url := "file://" + t.TempDir()
			if name == "s3" {
				url = testenv.S3StorageURL(t)
			}
			env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.StorageURL = url })
			u := env.Register(t, "quitter")
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			req, err := http.NewRequest(http.MethodPost, env.Server.URL+"/api/v1/attachments", pr)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+u.AccessToken)
			done := make(chan error, 1)
			go func() {
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					res.Body.Close()
				}
				done <- err
			}()
			part, err := mw.CreateFormFile("file", "half.bin")
			if err != nil {
				t.Fatal(err)
			}
			// 7 MiB written means the server is reading the part: its
			// reservation is made and storage holds the first bytes.
			if _, err := io.CopyN(part, rand.NewChaCha8([32]byte{9}), 7<<20); err != nil {
				t.Fatal(err)
			}
			var reserved int64
			env.App.DB.Model(&models.Attachment{}).Where("owner_id = ?", u.ID).Count(&reserved)
			if reserved != 1 {
				t.Fatalf("%d reservations while uploading, want 1", reserved)
			}
			pw.CloseWithError(io.ErrUnexpectedEOF) // the client goes away
			<-done
			// The server notices at its next read; wait for it to clean up.
			deadline := time.Now().Add(readyWait)
			var left int64 = 1
			for left > 0 && time.Now().Before(deadline) {
				env.App.DB.Model(&models.Attachment{}).Where("owner_id = ?", u.ID).Count(&left)
				if left > 0 {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if left != 0 {
				t.Fatalf("%d rows left by an abandoned upload", left)
			}
			if objs, size, err := env.App.Services.Storage.Usage(context.Background(), "att/"); err != nil || objs != 0 || size != 0 {
				t.Fatalf("an abandoned upload left %d objects (%d bytes), %v", objs, size, err)
			}
		})
	}
}
