//go:build unix

package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a real SMTP server of the test's own (github.com/axllent/mailpit,
// `go install github.com/axllent/mailpit@v1.33.1`): it accepts mail on a free
// loopback SMTP port, keeps it in a temporary database and shows it through
// its HTTP API on another free port. It is killed with the test.
//
// The binary is MAILPIT_BIN, else `mailpit` on PATH, else $GOPATH/bin/mailpit
// (where `go install` puts it). Without one the test is skipped with a loud
// notice, unless WORKCOMM_REQUIRE_SMTP=1 (CI), where it fails.
type Mailpit struct {
	SMTPPort int
	HTTPPort int

	p    *proc
	logs *syncBuffer
}

// MailpitOptions start Mailpit with TLS or authentication; the zero value is a
// plain server that takes mail from anyone (what development relays look like).
type MailpitOptions struct {
	// TLSCert and TLSKey are PEM files: STARTTLS is offered, or with
	// RequireTLS the server speaks TLS from the first byte (smtps).
	TLSCert, TLSKey string
	RequireTLS      bool
	// AuthFile is an htpasswd file (user:bcrypt-hash lines): AUTH is
	// required, and offered only over TLS.
	AuthFile string
}

// RequireSMTP reports whether the real SMTP server must be there (CI sets
// WORKCOMM_REQUIRE_SMTP=1).
func RequireSMTP() bool { return os.Getenv("WORKCOMM_REQUIRE_SMTP") == "1" }

var mailpitNotice sync.Once

// MailpitBinary finds the mailpit binary ("" and the places looked at if none).
func MailpitBinary() (string, []string) {
	if p := os.Getenv("MAILPIT_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", []string{"MAILPIT_BIN=" + p}
		}
		return p, nil
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	looked := []string{"mailpit on PATH"}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	if gopath != "" {
		p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		looked = append(looked, p)
	}
	return "", looked
}

// mailpitStartTimeout bounds Mailpit answering /readyz: it opens a SQLite
// database and two listeners, well under a second on an idle machine.
const mailpitStartTimeout = 30 * time.Second

// StartMailpit starts a Mailpit for this test and waits until both its SMTP
// and HTTP ports answer.
func StartMailpit(t testing.TB, opts ...MailpitOptions) *Mailpit {
	t.Helper()
	bin, looked := MailpitBinary()
	if bin == "" {
		msg := fmt.Sprintf("Mailpit not found (looked at %v); install it with `go install github.com/axllent/mailpit@v1.33.1`", looked)
		if RequireSMTP() {
			t.Fatalf("a real SMTP server is required (WORKCOMM_REQUIRE_SMTP=1): %s", msg)
		}
		mailpitNotice.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! %s: the tests that send mail through real SMTP are SKIPPED. !!!\n\n", msg)
		})
		t.Skip(msg)
	}
	var o MailpitOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	dir := t.TempDir()
	// A port picked free may be taken before Mailpit binds it (another test
	// binary): then it exits at once, and a second pair of ports is tried.
	var lastErr error
	for range 3 {
		m := &Mailpit{SMTPPort: FreePort(t), HTTPPort: FreePort(t), logs: &syncBuffer{}}
		args := []string{
			"--smtp", "127.0.0.1:" + strconv.Itoa(m.SMTPPort),
			"--listen", "127.0.0.1:" + strconv.Itoa(m.HTTPPort),
			"--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", m.SMTPPort)),
			"--disable-version-check", "--smtp-disable-rdns",
		}
		if o.TLSCert != "" {
			args = append(args, "--smtp-tls-cert", o.TLSCert, "--smtp-tls-key", o.TLSKey)
		}
		if o.RequireTLS {
			args = append(args, "--smtp-require-tls")
		}
		if o.AuthFile != "" {
			args = append(args, "--smtp-auth-file", o.AuthFile)
		}
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = m.logs, m.logs
		p, err := startProc(cmd)
		if err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		m.p = p
		if lastErr = m.waitReady(); lastErr == nil {
			t.Cleanup(func() {
				_ = p.signal(syscall.SIGTERM, stopTimeout)
				if t.Failed() {
					t.Logf("mailpit log (last 4 KiB):\n%s", tail(m.logs.String(), 4096))
				}
			})
			return m
		}
		_ = p.signal(syscall.SIGKILL, stopTimeout)
		lastErr = fmt.Errorf("%w\n%s", lastErr, tail(m.logs.String(), 4096))
	}
	t.Fatalf("mailpit did not start: %v", lastErr)
	return nil
}

func (m *Mailpit) waitReady() error {
	if err := WaitHTTP(m.URL()+"/readyz", http.StatusOK, mailpitStartTimeout, m.p.done); err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", m.SMTPAddr(), 2*time.Second)
	if err != nil {
		return fmt.Errorf("SMTP port: %w", err)
	}
	return c.Close()
}

// SMTPAddr is the SMTP listener's host:port.
func (m *Mailpit) SMTPAddr() string { return "127.0.0.1:" + strconv.Itoa(m.SMTPPort) }

// SMTPURL is an SMTP_URL for this server (scheme smtp, or smtps for a
// RequireTLS server; userinfo may be "" or "user:pass").
func (m *Mailpit) SMTPURL(scheme, userinfo string) string {
	u := url.URL{Scheme: scheme, Host: m.SMTPAddr()}
	if userinfo != "" {
		user, pass, _ := bytes.Cut([]byte(userinfo), []byte(":"))
		u.User = url.UserPassword(string(user), string(pass))
	}
	return u.String()
}

// URL is the base URL of the HTTP API.
func (m *Mailpit) URL() string { return "http://127.0.0.1:" + strconv.Itoa(m.HTTPPort) }

// MailpitAddress is an address as Mailpit's API shows it.
type MailpitAddress struct {
	Name    string
	Address string
}

// MailpitSummary is one message in a list or search answer.
type MailpitSummary struct {
	ID        string
	MessageID string
	From      *MailpitAddress
	To        []MailpitAddress
	Subject   string
	Created   time.Time
	Snippet   string
}

// MailpitMessage is one message read whole (GET /api/v1/message/{ID}), its
// bodies decoded from their transfer encoding.
type MailpitMessage struct {
	ID        string
	MessageID string
	From      *MailpitAddress
	To        []MailpitAddress
	Subject   string
	Date      time.Time
	Text      string
	HTML      string
}

type mailpitList struct {
	Total    int
	Messages []MailpitSummary `json:"messages"`
}

// api calls Mailpit's HTTP API and decodes a JSON answer into out (if not nil).
func (m *Mailpit) api(t testing.TB, method, path string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, m.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s %s: %s: %s", method, path, res.Status, raw)
	}
	if out != nil {
		if b, ok := out.(*[]byte); ok {
			*b = raw
			return
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("mailpit %s %s: decoding %s: %v", method, path, raw, err)
		}
	}
}

// Messages lists every message held, newest first (GET /api/v1/messages).
func (m *Mailpit) Messages(t testing.TB) []MailpitSummary {
	t.Helper()
	var l mailpitList
	m.api(t, http.MethodGet, "/api/v1/messages?limit=1000", nil, &l)
	return l.Messages
}

// Search lists the messages matching a Mailpit search query, newest first
// (GET /api/v1/search; e.g. `to:"a@example.com"`, `subject:"reset"`).
func (m *Mailpit) Search(t testing.TB, query string) []MailpitSummary {
	t.Helper()
	var l mailpitList
	m.api(t, http.MethodGet, "/api/v1/search?limit=1000&query="+url.QueryEscape(query), nil, &l)
	return l.Messages
}

// Message reads one message whole.
func (m *Mailpit) Message(t testing.TB, id string) *MailpitMessage {
	t.Helper()
	var msg MailpitMessage
	m.api(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id), nil, &msg)
	return &msg
}

// Raw returns a message's source as received.
func (m *Mailpit) Raw(t testing.TB, id string) []byte {
	t.Helper()
	var raw []byte
	m.api(t, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw", nil, &raw)
	return raw
}

// WaitMessage polls the search until a message matches (mail handed to SMTP
// is stored a moment later) and returns the newest one whole.
func (m *Mailpit) WaitMessage(t testing.TB, query string, limit time.Duration) *MailpitMessage {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if found := m.Search(t, query); len(found) > 0 {
			return m.Message(t, found[0].ID)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message matching %q arrived in Mailpit within %s (it holds %d)", query, limit, len(m.Messages(t)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Delete removes the given messages, or every message when no id is given
// (DELETE /api/v1/messages).
func (m *Mailpit) Delete(t testing.TB, ids ...string) {
	t.Helper()
	var body any // nil: the API deletes everything
	if len(ids) > 0 {
		body = map[string][]string{"IDs": ids}
	}
	m.api(t, http.MethodDelete, "/api/v1/messages", body, nil)
}
