package tokens_test

import (
	"testing"
	"time"

	"workcomm/tokens"
)

func TestIssueVerify(t *testing.T) {
	m := tokens.NewManager([]byte("0123456789abcdef0123456789abcdef"), time.Minute)
	tok, err := m.Issue(42, 3)
	if err != nil {
		t.Fatal(err)
	}
	id, ver, err := m.Verify(tok)
	if err != nil || id != 42 || ver != 3 {
		t.Fatalf("Verify = %d, %d, %v", id, ver, err)
	}
	other := tokens.NewManager([]byte("another-secret-another-secret-00"), time.Minute)
	if _, _, err := other.Verify(tok); err == nil {
		t.Fatal("a token verified under another secret")
	}
	if _, _, err := m.Verify(tok + "x"); err == nil {
		t.Fatal("a tampered token verified")
	}
}

func TestRefreshTokensAreRandomAndHashed(t *testing.T) {
	a, b := tokens.NewRefreshToken(), tokens.NewRefreshToken()
	if a == b || len(a) < 40 {
		t.Fatalf("weak refresh tokens %q %q", a, b)
	}
	if h := tokens.HashRefreshToken(a); h == a || len(h) != 64 || h != tokens.HashRefreshToken(a) {
		t.Fatalf("hash %q", h)
	}
}

// BenchmarkVerify measures access-token verification, paid on every
// authenticated request and WebSocket handshake.
func BenchmarkVerify(b *testing.B) {
	m := tokens.NewManager([]byte("0123456789abcdef0123456789abcdef"), time.Minute)
	tok, _ := m.Issue(42, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssue measures signing one access token.
func BenchmarkIssue(b *testing.B) {
	m := tokens.NewManager([]byte("0123456789abcdef0123456789abcdef"), time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Issue(42, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyRemembersUntilExpiry: a token that verified is answered again
// from memory, with the same user and version, and refused once it expires
// as the parser would refuse it (past exp and the leeway); a token that did
// not verify is never remembered.
func TestVerifyRemembersUntilExpiry(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	m := tokens.NewManager([]byte("0123456789abcdef0123456789abcdef"), time.Minute)
	m.SetClock(func() time.Time { return now })
	tok, err := m.Issue(7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Remembers(tok) {
		t.Fatal("a token is remembered before it was verified")
	}
	for range 2 {
		if id, ver, err := m.Verify(tok); err != nil || id != 7 || ver != 2 {
			t.Fatalf("Verify = %d, %d, %v", id, ver, err)
		}
		if !m.Remembers(tok) {
			t.Fatal("a verified token is not remembered")
		}
	}
	bad := tok[:len(tok)-2] + "xx"
	if _, _, err := m.Verify(bad); err == nil || m.Remembers(bad) {
		t.Fatalf("a tampered token: err %v, remembered %v", err, m.Remembers(bad))
	}

	now = now.Add(time.Minute + 4*time.Second) // within the 5 s leeway: still valid
	if _, _, err := m.Verify(tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	now = now.Add(2 * time.Second) // past it
	if _, _, err := m.Verify(tok); err == nil {
		t.Fatal("an expired token verified from memory")
	}
	if m.Remembers(tok) {
		t.Fatal("an expired token is still remembered")
	}
	if _, _, err := m.Verify(tok); err == nil {
		t.Fatal("an expired token verified once forgotten")
	}
}
