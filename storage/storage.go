// Package storage keeps uploaded files in a bucket opened through
// gocloud.dev/blob from STORAGE_URL: a folder by default
// (file://data/files, nothing to run), or an S3-compatible bucket shared by
// several nodes (s3://bucket?endpoint=...&region=...&use_path_style=true,
// credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// variables). Writes stream in bounded memory and stop at a byte limit,
// leaving nothing behind; reads seek, so http.ServeContent answers Range
// requests with one ranged read of the object.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"workcomm/apperr"
)

// DefaultURL is STORAGE_URL's default (configs): a single node's folder in
// the data folder, created at start.
const DefaultURL = "file://data/files"

// PartSize is the buffer of an S3 upload: each part is sent whole, one at a
// time, so an upload holds one part in memory whatever the file's size. 5 MiB
// is S3's smallest part (every part but the last must be at least that), so
// it is also the least memory a streamed S3 upload can take.
const PartSize = 5 << 20

// Errors of the store, in the app's vocabulary.
var (
	// ErrNotFound: no object under that key.
	ErrNotFound = apperr.New(apperr.ErrNotFound, "file not found")
	// ErrTooLarge: the stream held more than the limit given to Put.
	ErrTooLarge = apperr.New(apperr.ErrTooLarge, "file too large")
)

// Store is a bucket of objects named by keys such as "att/3f9c.../original".
type Store struct {
	bucket     *blob.Bucket
	kind       string // "file" or "s3"
	bucketName string // S3 only
	where      string // the folder or bucket, for logs (never credentials)
}

// Open opens the bucket STORAGE_URL names. A file:// folder is created if
// missing. file://data/files is the relative folder data/files (gocloud's
// own file:// opener would read "data" as a host and drop it), file:///srv/x
// an absolute one.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("STORAGE_URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		dir := u.Path
		if u.Host != "" && u.Host != "localhost" {
			dir = u.Host + u.Path // file://data/files, file://./files
		}
		if dir == "" {
			return nil, errors.New("STORAGE_URL: a file:// URL needs a folder, e.g. file://data/files")
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("STORAGE_URL: cannot create %s: %w", dir, err)
		}
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{
			// Temporary files beside their final name: a rename within
			// one folder tree is atomic, one from /tmp may cross devices.
			NoTempDir: true,
			// The database keeps name, type and size; no .attrs sidecar.
			Metadata: fileblob.MetadataDontWrite,
		})
		if err != nil {
			return nil, fmt.Errorf("STORAGE_URL: %w", err)
		}
		abs, _ := filepath.Abs(dir)
		return &Store{bucket: b, kind: "file", where: abs}, nil
	case "s3":
		if u.Host == "" {
			return nil, errors.New("STORAGE_URL: an s3:// URL names its bucket, e.g. s3://workcomm?endpoint=...")
		}
		b, err := (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("STORAGE_URL: %w", err)
		}
		where := "s3://" + u.Host
		if ep := u.Query().Get("endpoint"); ep != "" {
			where += " at " + ep
		}
		return &Store{bucket: b, kind: "s3", bucketName: u.Host, where: where}, nil
	}
	return nil, fmt.Errorf("STORAGE_URL: scheme %q is not file or s3", u.Scheme)
}

// Kind is "file" or "s3".
func (s *Store) Kind() string { return s.kind }

// String names the folder or bucket (for the start-up log).
func (s *Store) String() string { return s.kind + " storage " + s.where }

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Check reports whether the bucket answers (readiness).
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("storage: bucket not accessible")
	}
	return nil
}

// Put streams r into key, at most limit bytes, and returns how many it
// stored. Memory stays bounded whatever the size: a file store copies
// through a small buffer into a temporary file renamed at the end, an S3
// store sends PartSize parts one at a time. When r holds more than limit
// bytes, or r or the store fails, the write is abandoned (the temporary file
// removed, the multipart upload aborted), nothing is left under key or
// beside it, and the error is ErrTooLarge or the cause. r is read at most
// limit+1 bytes: the caller's MaxBytesReader drains or closes the rest.
func (s *Store) Put(ctx context.Context, key, contentType string, r io.Reader, limit int64) (int64, error) {
	if !validKey(key) {
		return 0, fmt.Errorf("storage: invalid key %q", key)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{
		ContentType:                 contentType,
		DisableContentTypeDetection: true,
		BufferSize:                  PartSize,
		MaxConcurrency:              1,
		BeforeWrite:                 boundedS3Upload(s.bucket),
	})
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = ErrTooLarge
	}
	if err != nil {
		// Cancelling the writer's context before Close is gocloud's way
		// to abandon a write: nothing is committed.
		cancel()
		_ = w.Close()
		s.abortLeftovers(key)
		return min(n, limit), err
	}
	if err := w.Close(); err != nil {
		s.abortLeftovers(key)
		return n, err
	}
	return n, nil
}

// Object is an open stored object for http.ServeContent: it seeks, and
// reads from the bucket only when read, from where it was sought (one
// ranged GET on S3 for a Range request, not a whole-object GET first).
type Object struct {
	ctx     context.Context
	bucket  *blob.Bucket
	key     string
	size    int64
	modTime time.Time
	off     int64
	r       *blob.Reader
}

// Open looks up key (one HEAD on S3) and returns it ready to read; the
// caller closes it. ctx bounds every read.
func (s *Store) Open(ctx context.Context, key string) (*Object, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	attrs, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return nil, s.mapErr(err)
	}
	return &Object{ctx: ctx, bucket: s.bucket, key: key, size: attrs.Size, modTime: attrs.ModTime}, nil
}

// Size is the object's length in bytes.
func (o *Object) Size() int64 { return o.size }

// ModTime is when the object was written.
func (o *Object) ModTime() time.Time { return o.modTime }

// Read reads from the current offset, opening a ranged reader the first
// time after a seek.
func (o *Object) Read(p []byte) (int, error) {
	if o.off >= o.size {
		return 0, io.EOF
	}
	if o.r == nil {
		r, err := o.bucket.NewRangeReader(o.ctx, o.key, o.off, -1, nil)
		if err != nil {
			return 0, err
		}
		o.r = r
	}
	n, err := o.r.Read(p)
	o.off += int64(n)
	return n, err
}

// Seek moves the offset; the next Read opens the object there.
func (o *Object) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.off + offset
	case io.SeekEnd:
		abs = o.size + offset
	default:
		return 0, errors.New("storage: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("storage: negative position")
	}
	if abs != o.off && o.r != nil {
		_ = o.r.Close()
		o.r = nil
	}
	o.off = abs
	return abs, nil
}

// Close releases the reader, if one was opened.
func (o *Object) Close() error {
	if o.r == nil {
		return nil
	}
	err := o.r.Close()
	o.r = nil
	return err
}

// Delete removes key; a key already gone is not an error (deletes are
// retried by the orphan job and by message deletion on several nodes).
func (s *Store) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return fmt.Errorf("storage: invalid key %q", key)
	}
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return err
}

// Exists reports whether key holds an object.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	return s.bucket.Exists(ctx, key)
}

// Usage counts the objects under prefix and their bytes by listing the
// bucket: one request per thousand objects on S3, a directory walk on a
// folder. It is for checks and tests; the admin statistics add up the sizes
// the database records instead, which costs one query.
func (s *Store) Usage(ctx context.Context, prefix string) (objects int, bytes int64, err error) {
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return objects, bytes, nil
		}
		if err != nil {
			return objects, bytes, err
		}
		if obj.IsDir {
			continue
		}
		objects++
		bytes += obj.Size
	}
}

func (s *Store) mapErr(err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return ErrNotFound
	}
	return err
}

// abortLeftovers removes what an abandoned write may leave: on S3, a
// multipart upload whose abort failed (the SDK aborts with the request's
// context, which was just cancelled). Best effort, on a fresh context.
func (s *Store) abortLeftovers(key string) {
	if s.kind != "s3" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	abortMultipart(ctx, s.bucket, s.bucketName, key)
}

// validKey reports keys this package writes: no empty segment, no dot
// segment, no backslash (a folder store must never be walked out of).
func validKey(key string) bool {
	if key == "" || strings.Contains(key, "\\") || strings.HasPrefix(key, "/") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
