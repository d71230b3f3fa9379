package storage

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testSecret = "test-secret-test-secret-test-secret-0123"

// clock is a settable time for Links.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestLinks(t *testing.T, secret string) (*Links, *clock) {
	t.Helper()
	l, err := NewLinks([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 3, 10, 2, 30, 0, time.UTC)}
	l.now = c.now
	return l, c
}

func TestSignedLinksOpenOneVariantOfOneObjectFor15Minutes(t *testing.T) {
	l, c := newTestLinks(t, testSecret)
	q := l.Sign(KindAttachment, 42, "original")
	if !l.Verify(KindAttachment, 42, "original", q) {
		t.Fatal("a fresh link is refused")
	}
	exp, _ := strconv.ParseInt(q.Get(ParamExpires), 10, 64)
	if left := time.Unix(exp, 0).Sub(c.t); left > LinkTTL || left < LinkTTL-linkStep {
		t.Fatalf("the link is valid %s, want between 10 and 15 minutes", left)
	}

	other, _ := newTestLinks(t, "another-secret-another-secret-another-1")
	tampered := url.Values{ParamExpires: {strconv.FormatInt(exp+300, 10)}, ParamSignature: q[ParamSignature]}
	sig := []byte(q.Get(ParamSignature))
	sig[0] = map[bool]byte{true: 'B', false: 'A'}[sig[0] == 'A']
	flipped := url.Values{ParamExpires: q[ParamExpires], ParamSignature: {string(sig)}}
	refused := []struct {
		name    string
		kind    string
		id      uint64
		variant string
		q       url.Values
	}{
		{"another attachment", KindAttachment, 43, "original", q},
		{"another variant of it", KindAttachment, 42, "thumb", q},
		{"the avatar of the user with that id", KindAvatar, 42, "original", q},
		{"a later expiry with the old signature", KindAttachment, 42, "original", tampered},
		{"a changed signature", KindAttachment, 42, "original", flipped},
		{"no signature", KindAttachment, 42, "original", url.Values{ParamExpires: q[ParamExpires]}},
		{"no expiry", KindAttachment, 42, "original", url.Values{ParamSignature: q[ParamSignature]}},
		{"a signature that is not base64", KindAttachment, 42, "original", url.Values{ParamExpires: q[ParamExpires], ParamSignature: {"%%%"}}},
		{"a short signature", KindAttachment, 42, "original", url.Values{ParamExpires: q[ParamExpires], ParamSignature: {q.Get(ParamSignature)[:20]}}},
		{"nothing", KindAttachment, 42, "original", url.Values{}},
	}
	for _, r := range refused {
		if l.Verify(r.kind, r.id, r.variant, r.q) {
			t.Errorf("%s: accepted", r.name)
		}
	}
	if other.Verify(KindAttachment, 42, "original", q) {
		t.Fatal("a server with another secret accepted the link")
	}

	// Still valid one second before its expiry, refused from the expiry on.
	c.t = time.Unix(exp-1, 0)
	if !l.Verify(KindAttachment, 42, "original", q) {
		t.Fatal("refused before its expiry")
	}
	c.t = time.Unix(exp, 0)
	if l.Verify(KindAttachment, 42, "original", q) {
		t.Fatal("accepted at its expiry")
	}
}

func TestLinksAreStableWithinTheirStepAndNeverLongLived(t *testing.T) {
	l, c := newTestLinks(t, testSecret)
	c.t = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	first := l.Sign(KindAttachment, 7, "thumb").Encode()
	c.t = c.t.Add(4*time.Minute + 59*time.Second)
	if again := l.Sign(KindAttachment, 7, "thumb").Encode(); again != first {
		t.Fatal("the same thumbnail viewed again within 5 minutes got another URL: the browser cache misses it")
	}
	c.t = c.t.Add(time.Second)
	if l.Sign(KindAttachment, 7, "thumb").Encode() == first {
		t.Fatal("the link never changes")
	}

	// A link claiming to expire in an hour (a signing node with a clock far
	// ahead, or a key reused with a longer TTL) is refused.
	ahead, ac := newTestLinks(t, testSecret)
	ac.t = c.t.Add(time.Hour)
	if l.Verify(KindAttachment, 7, "thumb", ahead.Sign(KindAttachment, 7, "thumb")) {
		t.Fatal("a link expiring an hour from now was accepted")
	}
	// ...but a node whose clock is 30 s ahead is tolerated.
	ac.t = c.t.Add(30 * time.Second)
	if !l.Verify(KindAttachment, 7, "thumb", ahead.Sign(KindAttachment, 7, "thumb")) {
		t.Fatal("a link from a node 30 s ahead was refused")
	}
}

func TestTheLinkKeyIsNeverPrinted(t *testing.T) {
	l, _ := newTestLinks(t, testSecret)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("links", "links", l)
	printed := fmt.Sprintf("%v %+v %#v %s", l, l, l, l) + logged.String()
	if !strings.Contains(printed, "redacted") {
		t.Fatalf("printed %q", printed)
	}
	for _, secret := range []string{testSecret, string(l.key), fmt.Sprintf("%x", l.key), fmt.Sprint(l.key)} {
		if strings.Contains(printed, secret) {
			t.Fatalf("the key shows in %q", printed)
		}
	}
	if bytes.Contains(l.key, []byte(testSecret)) || len(l.key) != 32 {
		t.Fatal("the link key is not derived")
	}
	if _, err := NewLinks(nil); err == nil {
		t.Fatal("links without a secret")
	}
}
