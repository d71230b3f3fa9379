package tokens

import (
	"encoding/base64"
	"testing"
)

func TestOneTimeTokens(t *testing.T) {
	a, ha := NewOneTimeToken()
	b, hb := NewOneTimeToken()
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes (%v), want 32 URL-safe", a, len(raw), err)
	}
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if HashOneTimeToken(a) != ha || len(ha) != 64 || ha == a {
		t.Fatalf("hash %q of %q", ha, a)
	}
}
