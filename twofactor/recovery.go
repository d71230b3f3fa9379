package twofactor

import (
	"crypto/rand"
	"strings"
)

// Recovery codes: RecoveryCodeCount of them, each two groups of five
// characters ("7hq2m-x0k4p") from Crockford's base32 alphabet (no i, l, o, u:
// nothing to misread), 5 bits a character, 50 bits a code.
const (
	RecoveryCodeCount = 10
	recoveryGroup     = 5
	recoveryLen       = 2 * recoveryGroup
	crockford         = "0123456789abcdefghjkmnpqrstvwxyz"
)

// NewRecoveryCodes makes a fresh set of codes, to show the user once.
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, recoveryLen)
		_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
		for j := range b {
			b[j] = crockford[b[j]&31] // 256 is a multiple of 32: uniform
		}
		codes[i] = string(b[:recoveryGroup]) + "-" + string(b[recoveryGroup:])
	}
	return codes
}

// NormalizeRecoveryCode reads a code as typed (any case, with or without the
// hyphen or spaces, o for 0 and i or l for 1 as Crockford's decoding allows)
// and returns it in the form it was issued, or false if it is none.
func NormalizeRecoveryCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch r {
		case '-', ' ', '\t':
			continue
		case 'o':
			r = '0'
		case 'i', 'l':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(crockford, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(s) != recoveryLen {
		return "", false
	}
	return s[:recoveryGroup] + "-" + s[recoveryGroup:], true
}
