package twofactor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
)

// HKDF labels: each use of the server secret gets its own key, so no key
// serves two purposes (and none is the JWT key itself). A "v1" lets a later
// scheme live beside this one.
const (
	labelSecretKey   = "workcomm two-factor secret encryption v1"
	labelRecoveryKey = "workcomm two-factor recovery code hash v1"
	sealedPrefix     = "v1."
)

// ErrSealed is any sealed secret that does not open: wrong key, wrong user,
// altered or truncated. Its details are not told.
var ErrSealed = errors.New("two-factor secret does not decrypt")

// Keys holds the keys derived from the server secret (JWT_SECRET): one to
// encrypt TOTP secrets at rest, one to hash recovery codes. Rotating
// JWT_SECRET therefore invalidates every TOTP secret and recovery code along
// with the sessions: plan such a rotation (or give two-factor a secret of its
// own first).
type Keys struct {
	aead        cipher.AEAD
	recoveryKey []byte
}

// NewKeys derives the keys from the server secret.
func NewKeys(serverSecret []byte) (*Keys, error) {
	if len(serverSecret) < 16 {
		return nil, errors.New("twofactor: the server secret is too short")
	}
	encKey, err := hkdf.Key(sha256.New, serverSecret, nil, labelSecretKey, 32)
	if err != nil {
		return nil, err
	}
	recKey, err := hkdf.Key(sha256.New, serverSecret, nil, labelRecoveryKey, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, recoveryKey: recKey}, nil
}

// additionalData binds a sealed secret to its user: copied onto another
// user's row (by someone who can write the table), it does not open.
func additionalData(userID uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("workcomm totp secret for user "), userID)
}

// SealSecret encrypts a TOTP secret for storage (AES-256-GCM, a random 96-bit
// nonce, the user id as additional data): "v1." + base64url(nonce|ciphertext).
func (k *Keys) SealSecret(userID uint64, secret string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.aead.Seal(nonce, nonce, []byte(secret), additionalData(userID))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// OpenSecret decrypts what SealSecret made for the same user; anything else
// is ErrSealed.
func (k *Keys) OpenSecret(userID uint64, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrSealed
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrSealed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], additionalData(userID))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// HashRecoveryCode is the stored form of a recovery code: HMAC-SHA256 under
// a key derived from the server secret, over the user id and the normalised
// code. Keyed, because a code has 50 bits: a plain hash of so short a value
// could be reversed by brute force from a copy of the table; without the
// server secret it cannot. ok is false for input that is no recovery code.
func (k *Keys) HashRecoveryCode(userID uint64, code string) (hash string, ok bool) {
	norm, ok := NormalizeRecoveryCode(code)
	if !ok {
		return "", false
	}
	mac := hmac.New(sha256.New, k.recoveryKey)
	mac.Write(binary.BigEndian.AppendUint64(nil, userID))
	mac.Write([]byte(norm))
	return hex.EncodeToString(mac.Sum(nil)), true
}
