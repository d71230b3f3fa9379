package twofactor_test

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"workcomm/twofactor"
)

// at is a fixed moment in the middle of a 30 s step (step 59 266 666).
var at = time.Date(2026, 5, 1, 12, 0, 15, 0, time.UTC)

func newSecret(t *testing.T) string {
	t.Helper()
	secret, _, err := twofactor.NewSecret("alice")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func code(t *testing.T, secret string, when time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, when)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewSecretAndItsURL(t *testing.T) {
	secret, raw, err := twofactor.NewSecret("alice.martin")
	if err != nil {
		t.Fatal(err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(key) != 20 {
		t.Fatalf("secret %q decodes to %d bytes (%v), want 20", secret, len(key), err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/WorkComm:alice.martin" {
		t.Errorf("URL %s: want otpauth://totp/WorkComm:alice.martin", raw)
	}
	if q.Get("secret") != secret || q.Get("issuer") != "WorkComm" || q.Get("algorithm") != "SHA1" ||
		q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URL parameters %v", q)
	}
	other, _, _ := twofactor.NewSecret("alice.martin")
	if other == secret {
		t.Fatal("two secrets are equal")
	}
}

func TestValidate(t *testing.T) {
	secret := newSecret(t)
	step := twofactor.StepAt(at)
	cases := []struct {
		name     string
		codeAt   time.Time
		wantOK   bool
		wantStep int64
	}{
		{"the current code is accepted with its step", at, true, step},
		{"the previous step's code is accepted (one step of drift)", at.Add(-30 * time.Second), true, step - 1},
		{"the next step's code is accepted (one step of drift)", at.Add(30 * time.Second), true, step + 1},
		{"a code two steps old is refused", at.Add(-60 * time.Second), false, 0},
		{"a code two steps ahead is refused", at.Add(60 * time.Second), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := twofactor.Validate(secret, code(t, secret, c.codeAt), at)
			if ok != c.wantOK || got != c.wantStep {
				t.Fatalf("Validate = (%d, %v), want (%d, %v)", got, ok, c.wantStep, c.wantOK)
			}
		})
	}
	t.Run("the same code gives the same step twice (the model refuses the second)", func(t *testing.T) {
		c := code(t, secret, at)
		s1, ok1 := twofactor.Validate(secret, c, at)
		s2, ok2 := twofactor.Validate(secret, c, at.Add(10*time.Second))
		if !ok1 || !ok2 || s1 != s2 {
			t.Fatalf("(%d, %v) then (%d, %v): want one step", s1, ok1, s2, ok2)
		}
	})
	t.Run("a wrong code, another secret's code, and malformed input are refused", func(t *testing.T) {
		right := code(t, secret, at)
		wrong := []byte(right)
		wrong[5] = '0' + (wrong[5]-'0'+1)%10
		for _, c := range []string{string(wrong), code(t, newSecret(t), at), "", "12345", "1234567", "12a456", "１２３４５６"} {
			if s, ok := twofactor.Validate(secret, c, at); ok {
				t.Errorf("%q accepted (step %d)", c, s)
			}
		}
	})
	t.Run("spaces people type are ignored", func(t *testing.T) {
		c := code(t, secret, at)
		if _, ok := twofactor.Validate(secret, " "+c[:3]+" "+c[3:]+" ", at); !ok {
			t.Fatal("a code typed as '123 456' was refused")
		}
	})
	t.Run("a secret that is not base32 matches nothing", func(t *testing.T) {
		if _, ok := twofactor.Validate("not base32!", "123456", at); ok {
			t.Fatal("accepted")
		}
	})
}

// TestRFC6238Vector checks against the RFC's own SHA-1 test vector (secret
// "12345678901234567890"; the RFC's 8-digit codes, last 6 digits), so that the
// parameters are the standard ones and not only consistent with themselves.
func TestRFC6238Vector(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		step, ok := twofactor.Validate(secret, want, time.Unix(unix, 0))
		if !ok || step != unix/30 {
			t.Errorf("T=%d: code %s gives (%d, %v), want (%d, true)", unix, want, step, ok, unix/30)
		}
	}
}

func TestSecretEncryption(t *testing.T) {
	keys, err := twofactor.NewKeys([]byte("server-secret-server-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	secret := newSecret(t)
	sealed, err := keys.SealSecret(7, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("round trip", func(t *testing.T) {
		got, err := keys.OpenSecret(7, sealed)
		if err != nil || got != secret {
			t.Fatalf("OpenSecret = %q, %v", got, err)
		}
		if strings.Contains(sealed, secret) || len(sealed) > 255 {
			t.Fatalf("sealed %q shows the secret or does not fit the column", sealed)
		}
		again, _ := keys.SealSecret(7, secret)
		if again == sealed {
			t.Fatal("two seals of one secret are equal: the nonce is not fresh")
		}
	})
	t.Run("another user's row does not open it", func(t *testing.T) {
		if _, err := keys.OpenSecret(8, sealed); err != twofactor.ErrSealed {
			t.Fatalf("err %v, want ErrSealed", err)
		}
	})
	t.Run("another server secret does not open it", func(t *testing.T) {
		other, _ := twofactor.NewKeys([]byte("another-secret-another-secret-01"))
		if _, err := other.OpenSecret(7, sealed); err != twofactor.ErrSealed {
			t.Fatalf("err %v, want ErrSealed", err)
		}
	})
	t.Run("any altered byte is detected", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "v1."))
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			bad := bytes.Clone(raw)
			bad[i] ^= 0x01
			if _, err := keys.OpenSecret(7, "v1."+base64.RawURLEncoding.EncodeToString(bad)); err != twofactor.ErrSealed {
				t.Fatalf("byte %d flipped: err %v, want ErrSealed", i, err)
			}
		}
		for _, s := range []string{"", "v1.", "v2." + strings.TrimPrefix(sealed, "v1."), sealed[:len(sealed)-4], secret, "v1.!!!"} {
			if _, err := keys.OpenSecret(7, s); err != twofactor.ErrSealed {
				t.Errorf("%q: err %v, want ErrSealed", s, err)
			}
		}
	})
	t.Run("a short server secret is refused", func(t *testing.T) {
		if _, err := twofactor.NewKeys([]byte("short")); err == nil {
			t.Fatal("accepted")
		}
	})
}

var codeRE = regexp.MustCompile(`^[0-9abcdefghjkmnpqrstvwxyz]{5}-[0-9abcdefghjkmnpqrstvwxyz]{5}$`)

func TestRecoveryCodes(t *testing.T) {
	keys, err := twofactor.NewKeys([]byte("server-secret-server-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	codes := twofactor.NewRecoveryCodes()
	t.Run("ten readable, distinct codes of 50 bits", func(t *testing.T) {
		if len(codes) != 10 {
			t.Fatalf("%d codes", len(codes))
		}
		seen := map[string]bool{}
		for _, c := range codes {
			// 10 characters from a 32-letter alphabet: 10 × 5 = 50 bits.
			if !codeRE.MatchString(c) {
				t.Errorf("%q is not xxxxx-xxxxx in Crockford base32", c)
			}
			if seen[c] {
				t.Errorf("%q twice", c)
			}
			seen[c] = true
		}
	})
	t.Run("a code reads back however it is typed", func(t *testing.T) {
		c := codes[0]
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c[:5] + " " + c[6:] + " "} {
			if got, ok := twofactor.NormalizeRecoveryCode(typed); !ok || got != c {
				t.Errorf("%q reads as (%q, %v), want %q", typed, got, ok, c)
			}
		}
		if got, ok := twofactor.NormalizeRecoveryCode("O1IL0-abcde"); !ok || got != "0111"+"0-abcde" {
			t.Errorf("Crockford reading of O, I, L: (%q, %v)", got, ok)
		}
		for _, bad := range []string{"", "abcd-efgh", "abcde-fghjkm", "abcde-fghju", "abcde_fghjk", "abcdé-fghjk"} {
			if got, ok := twofactor.NormalizeRecoveryCode(bad); ok {
				t.Errorf("%q accepted as %q", bad, got)
			}
		}
	})
	t.Run("the hash is keyed, per user, and the same for any typing", func(t *testing.T) {
		h, ok := keys.HashRecoveryCode(1, codes[0])
		if !ok || len(h) != 64 {
			t.Fatalf("hash %q, %v", h, ok)
		}
		if h2, _ := keys.HashRecoveryCode(1, strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))); h2 != h {
			t.Error("the same code typed differently hashes differently")
		}
		if h3, _ := keys.HashRecoveryCode(2, codes[0]); h3 == h {
			t.Error("the same code hashes the same for two users")
		}
		other, _ := twofactor.NewKeys([]byte("another-secret-another-secret-01"))
		if h4, _ := other.HashRecoveryCode(1, codes[0]); h4 == h {
			t.Error("the hash does not depend on the server secret")
		}
		if h5, _ := keys.HashRecoveryCode(1, codes[1]); h5 == h {
			t.Error("two codes hash the same")
		}
		if _, ok := keys.HashRecoveryCode(1, "nonsense"); ok {
			t.Error("a malformed code was hashed")
		}
	})
}
