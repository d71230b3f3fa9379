// Package s3env runs the tests' real S3 server (SeaweedFS's weed) and
// hands out empty buckets on it. It is apart from testenv, which builds
// whole applications, so that the storage package's own tests can use it.
package s3env

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A real S3-compatible server for the storage tests: SeaweedFS's `weed
// server` (master, volume, filer and S3 gateway in one process) run by the
// test binary on free loopback ports in a temporary folder, once per test
// binary; each test gets a bucket of its own. `weed` is found in WEED_BIN, on
// PATH, or in $GOPATH/bin (.ci/run builds it from the Go module proxy).
// Without it the S3 half of the storage tests is skipped with a loud notice,
// and fails under WORKCOMM_REQUIRE_S3=1 (CI).

// S3 test credentials, given to SeaweedFS as its one identity and to the
// AWS SDK through the usual environment variables.
const (
	S3AccessKey = "workcomm-test"
	S3SecretKey = "workcomm-test-secret"
	S3Region    = "us-east-1"
)

// s3StartTimeout bounds SeaweedFS becoming able to store an object: its
// processes start in about 3 s here, and the first write waits for the
// volume server to join the master.
const s3StartTimeout = 90 * time.Second

// RequireS3 reports whether the S3 tests must run (CI sets
// WORKCOMM_REQUIRE_S3=1): then a missing or broken `weed` fails them.
func RequireS3() bool { return os.Getenv("WORKCOMM_REQUIRE_S3") == "1" }

// weedServer is the test binary's SeaweedFS.
type weedServer struct {
	endpoint string
	dir      string
	ports    []int
	cmd      *exec.Cmd
	done     chan struct{}
	logs     *tailBuffer
	ready    time.Duration
}

var (
	weedOnce   sync.Once
	weed       *weedServer
	weedErr    error
	weedNotice sync.Once
)

// WeedBinary finds SeaweedFS's weed: WEED_BIN, PATH, then $GOPATH/bin
// (where `go build -o` / `go install` put it).
func WeedBinary() (string, error) {
	if p := os.Getenv("WEED_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("WEED_BIN: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "bin", "weed")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("SeaweedFS's weed is not installed (WEED_BIN, PATH, $GOPATH/bin)")
}

// S3StorageURL returns the STORAGE_URL of a new, empty bucket on the test
// binary's SeaweedFS (started on first use), and puts the test credentials
// in this process's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, where the
// storage package's SDK reads them as it would in production. It skips the
// test when weed is missing, and fails it under WORKCOMM_REQUIRE_S3=1.
func S3StorageURL(t testing.TB) string {
	t.Helper()
	if _, err := WeedBinary(); err != nil {
		if RequireS3() {
			t.Fatalf("the S3 tests are required (WORKCOMM_REQUIRE_S3=1): %v", err)
		}
		weedNotice.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! %v: the S3 storage tests are SKIPPED (file storage only). !!!\n\n", err)
		})
		t.Skip(err.Error())
	}
	weedOnce.Do(func() { weed, weedErr = startWeed() })
	if weedErr != nil {
		t.Fatalf("SeaweedFS: %v", weedErr)
	}
	bucket := strings.ReplaceAll(bucketName("wc-"), "_", "-")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := weed.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("SeaweedFS: create bucket %s: %v\n%s", bucket, err, weed.logs.String())
	}
	return S3URL(weed.endpoint, bucket)
}

// S3URL is the STORAGE_URL of a bucket at an S3-compatible endpoint:
// path-style addressing (every S3-compatible server on one host needs it),
// and checksums only where the S3 API requires them (the AWS SDK otherwise
// adds CRC32 trailers to every upload and logs a line for every download
// without one, which SeaweedFS and MinIO do not send).
func S3URL(endpoint, bucket string) string {
	return "s3://" + bucket + "?endpoint=" + endpoint + "&region=" + S3Region + "&use_path_style=true" +
		"&request_checksum_calculation=when_required&response_checksum_validation=when_required"
}

// S3Env is the environment a server process needs to reach the test S3
// (give it with the STORAGE_URL to a Node).
func S3Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + S3SecretKey}
}

// S3ReadyAfter is how long the test binary's SeaweedFS took to store its
// first object (0 if it was not started).
func S3ReadyAfter() time.Duration {
	if weed == nil {
		return 0
	}
	return weed.ready
}

// StopS3 kills the test binary's SeaweedFS, if it runs, and removes its
// folder and sockets. Call it from TestMain after m.Run; without it the
// process dies with the test binary (Linux) and the next start removes the
// folder.
func StopS3() {
	if weed == nil {
		return
	}
	_ = weed.cmd.Process.Kill()
	<-weed.done
	weed.cleanup()
}

func (w *weedServer) client() *s3.Client {
	return s3.New(s3.Options{
		Region:       S3Region,
		BaseEndpoint: aws.String(w.endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(S3AccessKey, S3SecretKey, ""),
	})
}

// cleanup removes the data folder and the gRPC sockets weed makes in /tmp
// (named after their ports).
func (w *weedServer) cleanup() {
	removeWeedFiles(w.dir, w.ports)
}

func removeWeedFiles(dir string, ports []int) {
	for _, p := range ports {
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("seaweedfs-*-%d.sock", p)))
		for _, m := range matches {
			os.Remove(m)
		}
	}
	os.RemoveAll(dir)
}

// weedDirPrefix names the data folders: the test binary's pid follows, so
// that a later start can remove the folders of test binaries that died.
const weedDirPrefix = "workcomm-weed-"

// sweepStaleWeed removes the folders (and sockets) of SeaweedFS servers
// whose test binary is gone.
func sweepStaleWeed() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), weedDirPrefix+"*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), weedDirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		var ports []int
		if b, err := os.ReadFile(filepath.Join(d, "ports")); err == nil {
			for _, f := range strings.Fields(string(b)) {
				if p, err := strconv.Atoi(f); err == nil {
					ports = append(ports, p)
				}
			}
		}
		removeWeedFiles(d, ports)
	}
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// startWeed runs `weed server -s3` and waits until an object can be stored.
func startWeed() (*weedServer, error) {
	bin, err := WeedBinary()
	if err != nil {
		return nil, err
	}
	sweepStaleWeed()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", weedDirPrefix, os.Getpid()))
	if err != nil {
		return nil, err
	}
	// Eight ports: HTTP and gRPC for the master, volume, filer and S3
	// gateway. gRPC ports would default to HTTP + 10000, which may be taken.
	ports := make([]int, 8)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	var list []string
	for _, p := range ports {
		list = append(list, strconv.Itoa(p))
	}
	if err := os.WriteFile(filepath.Join(dir, "ports"), []byte(strings.Join(list, " ")), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	config := fmt.Sprintf(`{"identities":[{"name":"workcomm","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","List","Tagging","Write"]}]}`,
		S3AccessKey, S3SecretKey)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(config), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(bin, weedArgs(data, filepath.Join(dir, "s3.json"), ports)...)
	dieWithParent(cmd)
	logs := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	w := &weedServer{endpoint: fmt.Sprintf("http://127.0.0.1:%d", ports[6]), dir: dir, ports: ports, cmd: cmd, done: make(chan struct{}), logs: logs}
	go func() {
		_ = cmd.Wait()
		close(w.done)
	}()
	if err := w.waitWritable(start); err != nil {
		_ = cmd.Process.Kill()
		<-w.done
		w.cleanup()
		return nil, fmt.Errorf("%w\n%s", err, logs.String())
	}
	w.ready = time.Since(start)
	// The SDK in the code under test reads the usual variables.
	os.Setenv("AWS_ACCESS_KEY_ID", S3AccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", S3SecretKey)
	fmt.Fprintf(os.Stderr, "SeaweedFS S3 at %s stores objects %.1f s after start\n", w.endpoint, w.ready.Seconds())
	return w, nil
}

// weedArgs is the command line of the test SeaweedFS: everything on 127.0.0.1, the eight ports given
// (master, volume, filer, S3: HTTP then gRPC each), logs on stderr only, no
// Iceberg or Lance catalogue, small volumes (64 MB; each bucket is a
// collection that grows 7 volumes at once, so their number is left to weed,
// which bounds it by the free disk space) and no pre-stop delay.
func weedArgs(dataDir, s3Config string, ports []int) []string {
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	return []string{
		"-logtostderr", "server",
		"-dir=" + dataDir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + p(0), "-master.port.grpc=" + p(1),
		"-master.volumeSizeLimitMB=64", "-volume.max=0", "-volume.preStopSeconds=0",
		"-volume.port=" + p(2), "-volume.port.grpc=" + p(3),
		"-filer", "-filer.port=" + p(4), "-filer.port.grpc=" + p(5),
		"-s3", "-s3.port=" + p(6), "-s3.port.grpc=" + p(7),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=" + s3Config,
	}
}

// waitWritable creates a probe bucket and stores an object in it, retrying
// until SeaweedFS accepts both: the S3 port answers before the filer and the
// volume server are ready.
func (w *weedServer) waitWritable(start time.Time) error {
	c := w.client()
	deadline := start.Add(s3StartTimeout)
	var last error
	created := false
	for time.Now().Before(deadline) {
		select {
		case <-w.done:
			return errors.New("weed exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if !created {
			_, last = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wc-probe")})
			created = last == nil
		}
		if created {
			_, last = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wc-probe"), Key: aws.String("probe"), Body: strings.NewReader("ok")})
		}
		cancel()
		if created && last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("not writable within %s: %v", s3StartTimeout, last)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it (a server's log).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// bucketName is prefix and 12 random hex digits.
func bucketName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
