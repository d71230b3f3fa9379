// Package twofactor is the core of two-factor sign-in: TOTP (RFC 6238 with
// github.com/pquerna/otp: SHA-1, 6 digits, 30 s steps, one step of clock
// drift either way), single-use recovery codes, and the encryption of TOTP
// secrets at rest. It keeps no state: the models store the pending or
// enabled factor, the last used time step and the recovery codes' hashes;
// services put the two together.
package twofactor

import (
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters. They are what every authenticator app assumes when an
// otpauth:// URL leaves them out, so any app works.
const (
	// Issuer names the account in authenticator apps.
	Issuer = "WorkComm"
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// Skew is how many steps before or after the current one are accepted:
	// one covers a phone clock 30 s off and a code typed as it turns.
	Skew = 1
	// secretBytes is the secret's size: 160 bits, the HMAC-SHA1 block
	// RFC 4226 recommends.
	secretBytes = 20
)

// ErrMalformedCode is a code that is not six digits: no need to check it.
var ErrMalformedCode = errors.New("a code is 6 digits")

// NewSecret makes a TOTP secret for an account and the otpauth:// URL that an
// authenticator app scans (the browser draws it as a QR code). The account
// shown in the app is the username: unlike the email it is never shown to
// other users' apps, and it is what people sign in with.
func NewSecret(account string) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      Issuer,
		AccountName: account,
		Period:      uint(Period / time.Second),
		SecretSize:  secretBytes,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// StepAt is the time step a moment falls in (Unix seconds / 30).
func StepAt(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Validate checks a code against a secret at now, accepting the current step
// and Skew steps either side, and returns the step it matched. The caller
// must still record the step (models.UseTOTPStep / EnableTwoFactor), which
// refuses a step at or before the last one used: that is what makes a code
// work once.
func Validate(secret, code string, now time.Time) (step int64, ok bool) {
	code, good := NormalizeCode(code)
	if !good {
		return 0, false
	}
	current := StepAt(now)
	// The current step first: it is the likeliest, and a code matching two
	// steps (one chance in a million) is then taken as the current one.
	for _, s := range []int64{current, current - 1, current + 1} {
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false // a secret that is not base32: nothing matches
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// NormalizeCode strips the spaces people type ("123 456") and reports
// whether what is left is six ASCII digits.
func NormalizeCode(code string) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits {
		return "", false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}
