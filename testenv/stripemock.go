package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"workcomm/configs"
)

// Stripe test credentials: stripe-mock accepts any sk_test_ key, and webhook
// tests sign their events with StripeWebhookSecret.
const (
	StripeSecretKey      = "sk_test_workcomm"
	StripePublishableKey = "pk_test_workcomm"
	StripeWebhookSecret  = "whsec_test_workcomm"
)

// stripe-mock start-up bounds: building it the first time compiles a large
// module (minutes on a cold cache); once built it listens in about a second.
const (
	stripeMockBuildTimeout = 5 * time.Minute
	stripeMockStartTimeout = 30 * time.Second
)

var (
	stripeMockOnce sync.Once
	stripeMockURL  string
	stripeMockErr  error
)

// StripeMockURL returns the base URL of a stripe-mock shared by the whole test
// binary: STRIPE_MOCK_URL when set (CI may run stripe-mock as a service), else
// one started once from the module's `tool` line on a free loopback port. It
// is stateless, so tests can share it. On Linux it dies with the test binary.
func StripeMockURL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("STRIPE_MOCK_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	stripeMockOnce.Do(func() { stripeMockURL, stripeMockErr = startStripeMock() })
	if stripeMockErr != nil {
		t.Fatalf("stripe-mock: %v", stripeMockErr)
	}
	return stripeMockURL
}

// WithStripe configures the test keys and points stripe-go at apiURL (a
// stripe-mock, or a StripeRecorder in front of one).
func WithStripe(apiURL string) Option {
	return func(c *configs.Config) {
		c.StripeSecretKey = StripeSecretKey
		c.StripePublishableKey = StripePublishableKey
		c.StripeWebhookSecret = StripeWebhookSecret
		c.StripeAPIURL = apiURL
	}
}

func startStripeMock() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// `go tool -n` builds the tool into the build cache (once) and prints its
	// path; running the binary itself, not `go tool`, lets the parent-death
	// signal reach the process that listens.
	ctx, cancel := context.WithTimeout(context.Background(), stripeMockBuildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "tool", "-n", "stripe-mock").Output()
	if err != nil {
		return "", fmt.Errorf("building it with `go tool -n stripe-mock`: %w", err)
	}
	// Both listeners on loopback port 0: stripe-mock otherwise also opens
	// HTTPS on the fixed port 12112, which parallel test binaries would fight over.
	cmd := exec.Command(strings.TrimSpace(string(out)), "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	dieWithParent(cmd)
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return "", err
	}
	w.Close()
	go func() { _ = cmd.Wait() }()

	addr := make(chan string, 1)
	go func() {
		// Read the announced address, then keep draining so that stripe-mock's
		// request log never fills the pipe and blocks it.
		sc := bufio.NewScanner(r)
		const prefix = "Listening for HTTP at address: "
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				addr <- a
				break
			}
		}
		_, _ = io.Copy(io.Discard, r)
		r.Close()
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(stripeMockStartTimeout):
		_ = cmd.Process.Kill()
		return "", errors.New("did not announce its address in time")
	}
	if err := waitAnswers(base+"/v1/payment_intents", stripeMockStartTimeout); err != nil {
		_ = cmd.Process.Kill()
		return "", err
	}
	return base, nil
}

// waitAnswers polls url until any HTTP answer comes back, for at most limit.
func waitAnswers(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth(StripeSecretKey, "")
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer at %s: %w", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StripeCall is one request the application made to Stripe.
type StripeCall struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
}

// StripeRecorder is a proxy in front of stripe-mock that records what the
// application sends to Stripe, so tests can check amounts, metadata and
// idempotency keys (stripe-mock itself remembers nothing).
type StripeRecorder struct {
	URL string

	mu    sync.Mutex
	calls []StripeCall
}

// NewStripeRecorder starts a recording proxy in front of the shared stripe-mock.
func NewStripeRecorder(t testing.TB) *StripeRecorder {
	t.Helper()
	target, err := url.Parse(StripeMockURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	rec := &StripeRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.calls = append(rec.calls, StripeCall{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"), Form: form})
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

// Calls returns the requests recorded so far to method and path.
func (s *StripeRecorder) Calls(method, path string) []StripeCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StripeCall
	for _, c := range s.calls {
		if c.Method == method && c.Path == path {
			out = append(out, c)
		}
	}
	return out
}
