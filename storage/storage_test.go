package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"workcomm/apperr"
	"workcomm/testenv/procmem"
	"workcomm/testenv/s3env"
)

func TestMain(m *testing.M) {
	code := m.Run()
	s3env.StopS3()
	if d := s3env.S3ReadyAfter(); d > 0 {
		fmt.Fprintf(os.Stderr, "storage tests: SeaweedFS took %.1f s to store its first object\n", d.Seconds())
	}
	os.Exit(code)
}

// store is one backend under test.
type store struct {
	*Store
	url string
	dir string // the folder of a file store
}

// forEachStore runs fn on a fresh folder store and on a fresh bucket of the
// test SeaweedFS (skipped, or failed in CI, without weed).
func forEachStore(t *testing.T, fn func(t *testing.T, s store)) {
	t.Helper()
	for _, kind := range []string{"file", "s3"} {
		t.Run(kind, func(t *testing.T) {
			var s store
			if kind == "file" {
				s.dir = filepath.Join(t.TempDir(), "files")
				s.url = "file://" + s.dir
			} else {
				s.url = s3env.S3StorageURL(t)
			}
			st, err := Open(context.Background(), s.url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			s.Store = st
			fn(t, s)
		})
	}
}

// random is a reproducible stream of n pseudo-random bytes, made as it is
// read (never held whole).
func random(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}), n)
}

func randomBytes(seed uint64, n int64) []byte {
	b, _ := io.ReadAll(random(seed, n))
	return b
}

func TestPutReadRangeDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		data := randomBytes(1, 300_000)
		n, err := s.Put(ctx, "att/1/original", "image/png", bytes.NewReader(data), 1<<20)
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Put: %d, %v", n, err)
		}
		obj, err := s.Open(ctx, "att/1/original")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(obj)
		obj.Close()
		if err != nil || !bytes.Equal(got, data) || obj.Size() != int64(len(data)) || obj.ModTime().IsZero() {
			t.Fatalf("read back %d bytes (size %d, %v), want the %d written", len(got), obj.Size(), err, len(data))
		}

		// http.ServeContent over an Object: the Range requests a download
		// resumes with or a video player seeks with.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o, err := s.Open(r.Context(), "att/1/original")
			if err != nil {
				http.NotFound(w, r)
				return
			}
			defer o.Close()
			w.Header().Set("Content-Type", "application/octet-stream")
			http.ServeContent(w, r, "", o.ModTime(), o)
		}))
		defer srv.Close()
		size := len(data)
		cases := []struct {
			name, rng  string
			status     int
			want       []byte
			contentRng string
		}{
			{"whole", "", 200, data, ""},
			{"a middle range", "bytes=100-199", 206, data[100:200], fmt.Sprintf("bytes 100-199/%d", size)},
			{"the last bytes", "bytes=-10", 206, data[size-10:], fmt.Sprintf("bytes %d-%d/%d", size-10, size-1, size)},
			{"from an offset to the end", fmt.Sprintf("bytes=%d-", size-5000), 206, data[size-5000:], fmt.Sprintf("bytes %d-%d/%d", size-5000, size-1, size)},
			{"past the end", fmt.Sprintf("bytes=%d-", size+10), 416, nil, fmt.Sprintf("bytes */%d", size)},
		}
		for _, c := range cases {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			if c.rng != "" {
				req.Header.Set("Range", c.rng)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status || res.Header.Get("Content-Range") != c.contentRng || (c.want != nil && !bytes.Equal(body, c.want)) {
				t.Fatalf("%s: %d, Content-Range %q, %d bytes; want %d, %q, %d bytes", c.name, res.StatusCode, res.Header.Get("Content-Range"), len(body), c.status, c.contentRng, len(c.want))
			}
			if c.status == 206 && res.Header.Get("Content-Length") != strconv.Itoa(len(c.want)) {
				t.Fatalf("%s: Content-Length %s", c.name, res.Header.Get("Content-Length"))
			}
		}
		// Two ranges in one request: ServeContent seeks back and forth.
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Range", "bytes=1000-1009,50-59")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 206 || !strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") ||
			!bytes.Contains(body, data[1000:1010]) || !bytes.Contains(body, data[50:60]) {
			t.Fatalf("two ranges: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}

		// A second store on the same URL (another node) reads it too.
		other, err := Open(ctx, s.url)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if ok, err := other.Exists(ctx, "att/1/original"); !ok || err != nil {
			t.Fatalf("another node does not see the object: %v %v", ok, err)
		}

		if err := s.Delete(ctx, "att/1/original"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "att/1/original"); !errors.Is(err, ErrNotFound) || !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("Open after Delete: %v, want not found", err)
		}
		if err := s.Delete(ctx, "att/1/original"); err != nil {
			t.Fatalf("a second Delete: %v, want nil (deletes are retried)", err)
		}
		if objects, _, err := s.Usage(ctx, ""); err != nil || objects != 0 {
			t.Fatalf("the store holds %d objects after the delete (%v)", objects, err)
		}
	})
}

func TestAnEmptyFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		if n, err := s.Put(ctx, "att/empty/original", "", strings.NewReader(""), 10); err != nil || n != 0 {
			t.Fatalf("Put: %d, %v", n, err)
		}
		obj, err := s.Open(ctx, "att/empty/original")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		rec := httptest.NewRecorder()
		http.ServeContent(rec, httptest.NewRequest(http.MethodGet, "/", nil), "", obj.ModTime(), obj)
		if rec.Code != 200 || rec.Body.Len() != 0 || obj.Size() != 0 {
			t.Fatalf("served %d with %d bytes", rec.Code, rec.Body.Len())
		}
	})
}

func TestKeysCannotLeaveTheStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		for _, key := range []string{"", "../escape", "a/../../b", "/etc/passwd", "a//b", "a/./b", `a\b`, "a/"} {
			if _, err := s.Put(ctx, key, "", strings.NewReader("x"), 10); err == nil {
				t.Errorf("Put(%q) accepted", key)
			}
			if _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open(%q): %v, want not found", key, err)
			}
			if err := s.Delete(ctx, key); err == nil {
				t.Errorf("Delete(%q) accepted", key)
			}
		}
	})
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// failingReader gives n bytes, then fails like a client that went away.
type failingReader struct {
	r io.Reader
	n int64
}

var errClientGone = errors.New("client went away")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errClientGone
	}
	p = p[:min(int64(len(p)), f.n)]
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

// leftovers lists what a store holds: objects, and on a folder store every
// file (temporary ones included); on S3 the unfinished multipart uploads.
func leftovers(t *testing.T, s store) []string {
	t.Helper()
	var out []string
	if s.dir != "" {
		filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, "file "+p)
			}
			return nil
		})
	}
	objects, _, err := s.Usage(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if objects > 0 {
		out = append(out, fmt.Sprintf("%d objects", objects))
	}
	pending, err := s.pendingUploads(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if pending > 0 {
		out = append(out, fmt.Sprintf("%d unfinished multipart uploads", pending))
	}
	return out
}

func TestAnAbandonedUploadLeavesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		// 12 MiB limit, 20 MiB sent: on S3 two parts are already uploaded
		// when the limit is crossed, so the multipart upload must be aborted.
		const limit = 12 << 20
		src := &countingReader{r: random(2, 20<<20)}
		n, err := s.Put(ctx, "att/2/original", "application/zip", src, limit)
		if !errors.Is(err, ErrTooLarge) || !errors.Is(err, apperr.ErrTooLarge) {
			t.Fatalf("over the limit: %d, %v; want ErrTooLarge", n, err)
		}
		if src.n > limit+1 {
			t.Fatalf("read %d bytes of the stream, more than the limit + 1", src.n)
		}
		if ok, _ := s.Exists(ctx, "att/2/original"); ok {
			t.Fatal("the too-large object was stored")
		}
		if left := leftovers(t, s); len(left) > 0 {
			t.Fatalf("an over-limit upload left %v", left)
		}

		// A client that goes away after 7 MiB.
		_, err = s.Put(ctx, "att/3/original", "application/zip", &failingReader{r: random(3, 20<<20), n: 7 << 20}, limit)
		if !errors.Is(err, errClientGone) {
			t.Fatalf("a broken stream: %v", err)
		}
		if left := leftovers(t, s); len(left) > 0 {
			t.Fatalf("a broken upload left %v", left)
		}

		// Exactly the limit is accepted.
		n, err = s.Put(ctx, "att/4/original", "application/zip", random(4, 1000), 1000)
		if err != nil || n != 1000 {
			t.Fatalf("exactly the limit: %d, %v", n, err)
		}
	})
}

// peakGrowth uploads size pseudo-random bytes to key and returns how much
// the process's peak resident memory rose above its resident memory before,
// with the content's hash.
func peakGrowth(t *testing.T, s store, key string, seed uint64, size int64) (int64, []byte) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	procmem.ResetPeak(t)
	before, _ := procmem.Read(t)
	sum := sha256.New()
	n, err := s.Put(context.Background(), key, "application/octet-stream", io.TeeReader(random(seed, size), sum), 100<<20)
	_, peak := procmem.Read(t)
	if err != nil || n != size {
		t.Fatalf("Put: %d, %v", n, err)
	}
	return peak - before, sum.Sum(nil)
}

func TestA50MiBUploadStreamsInBoundedMemory(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store) {
		ctx := context.Background()
		// The collector runs at 10% growth while measuring, so that the peak
		// shows what an upload holds rather than the garbage the default
		// pacing (100%) lets pile up between collections.
		defer debug.SetGCPercent(debug.SetGCPercent(10))
		// Warm up: the first upload loads what every later one shares (SDK
		// clients, connection pools).
		peakGrowth(t, s, "warm/up", 5, 6<<20)
		small, _ := peakGrowth(t, s, "att/10/original", 7, 10<<20)
		large, sum := peakGrowth(t, s, "att/50/original", 6, 50<<20)
		t.Logf("%s: the peak RSS rose %.1f MiB for a 10 MiB upload, %.1f MiB for a 50 MiB one", s.Kind(), float64(small)/(1<<20), float64(large)/(1<<20))
		// Flat: five times the bytes take no more memory, give or take two
		// parts (10 MiB: the collector's timing); a write that held the
		// file would take 40 MiB more.
		if large > small+2*PartSize {
			t.Fatalf("the peak RSS rose %d MiB for 50 MiB against %d MiB for 10 MiB: the upload is not streamed", large>>20, small>>20)
		}
		// Bounded: at most three parts in flight and the copy buffer (about
		// 16 MiB; 15 to 22 measured), with room for the SDK's own buffers;
		// the race detector's shadow memory doubles it (26 to 34 measured).
		bound := int64(8 * PartSize)
		if raceEnabled {
			bound *= 2
		}
		if large > bound {
			t.Fatalf("the peak RSS rose %d MiB during a 50 MiB upload, over the %d MiB bound", large>>20, bound>>20)
		}
		// Read it back, also streamed, and compare.
		obj, err := s.Open(ctx, "att/50/original")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		back := sha256.New()
		if m, err := io.Copy(back, obj); err != nil || m != 50<<20 || !bytes.Equal(back.Sum(nil), sum) {
			t.Fatalf("read back %d bytes (%v), same content: %v", m, err, bytes.Equal(back.Sum(nil), sum))
		}
		objects, bytes, err := s.Usage(ctx, "att/")
		if err != nil || objects != 2 || bytes != 60<<20 {
			t.Fatalf("Usage(att/) = %d objects, %d bytes, %v", objects, bytes, err)
		}
	})
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())
	for _, c := range []struct{ url, dir string }{
		{DefaultURL, "data/files"},
		{"file://./other", "other"},
	} {
		s, err := Open(ctx, c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if st, err := os.Stat(c.dir); err != nil || !st.IsDir() {
			t.Fatalf("%s did not create the folder %s: %v", c.url, c.dir, err)
		}
		if s.Kind() != "file" || !strings.Contains(s.String(), c.dir) || s.Check(ctx) != nil {
			t.Fatalf("%s: %s, check %v", c.url, s, s.Check(ctx))
		}
		if _, err := s.Put(ctx, "a/b", "", strings.NewReader("hello"), 10); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(c.dir, "a", "b")); err != nil || string(b) != "hello" {
			t.Fatalf("stored under %s: %q %v", c.dir, b, err)
		}
		s.Close()
	}
	for _, bad := range []string{"ftp://host/x", "file://", "s3://?endpoint=http://127.0.0.1:1", "://nope"} {
		if _, err := Open(ctx, bad); err == nil || !strings.Contains(err.Error(), "STORAGE_URL") {
			t.Errorf("Open(%q) = %v, want an error naming STORAGE_URL", bad, err)
		}
	}
}
