// Package tokens issues and verifies WorkComm's access tokens (JWT HS256) and
// makes the opaque refresh tokens.
package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Issuer and audience every access token carries and every check requires.
const (
	Issuer   = "workcomm"
	Audience = "workcomm-api"
)

// leeway tolerates small clock differences between nodes.
const leeway = 5 * time.Second

// ErrInvalid is returned for any token that does not verify; the reason is
// never told to the client.
var ErrInvalid = errors.New("invalid token")

// Claims are an access token's claims: the registered ones plus the user's
// token version at issue time.
type Claims struct {
	jwt.RegisteredClaims
	Ver int `json:"ver"`
}

// verifiedSize bounds the tokens Verify remembers: about 100 bytes each.
const verifiedSize = 16384

// Manager signs and verifies access tokens with one HS256 secret.
type Manager struct {
	secret []byte
	ttl    time.Duration
	parser *jwt.Parser
	now    func() time.Time

	// verified remembers the tokens that verified, by their SHA-256, until
	// they expire: a client presents the same token with every request and
	// on every reconnect (5,000 at once after a node restart), and parsing
	// it again (base64, HMAC, JSON: 13 % of the server's CPU while sockets
	// connect, measured) can only give the same answer while the secret is
	// the same. Only a token that verified is remembered; its user's checks
	// (deleted, banned, token version) are the caller's and are made each
	// time.
	verified *lru.Cache[[sha256.Size]byte, verifiedToken]
}

// verifiedToken is what Verify found in a token.
type verifiedToken struct {
	userID  uint64
	version int
	expires time.Time
}

// NewManager builds a Manager; ttl is the access-token lifetime.
func NewManager(secret []byte, ttl time.Duration) *Manager {
	verified, err := lru.New[[sha256.Size]byte, verifiedToken](verifiedSize)
	if err != nil {
		panic(err) // only for a size ≤ 0
	}
	m := &Manager{
		secret:   secret,
		ttl:      ttl,
		now:      time.Now,
		verified: verified,
	}
	m.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // algorithm pinned: no none, no RS/HS confusion
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return m.now() }),
	)
	return m
}

// TTL is the access-token lifetime.
func (m *Manager) TTL() time.Duration { return m.ttl }

// Issue signs an access token for a user at a token version.
func (m *Manager) Issue(userID uint64, version int) (string, error) {
	now := m.now()
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatUint(userID, 10),
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(m.ttl)),
			ID:        randomID(),
		},
		Ver: version,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.secret)
}

// Verify checks a token's signature, algorithm, issuer, audience and expiry
// and returns the user id and token version it names.
func (m *Manager) Verify(raw string) (userID uint64, version int, err error) {
	key := sha256.Sum256([]byte(raw))
	if v, ok := m.verified.Get(key); ok {
		if m.now().After(v.expires.Add(leeway)) { // as the parser checks exp
			m.verified.Remove(key)
			return 0, 0, ErrInvalid
		}
		return v.userID, v.version, nil
	}
	var claims Claims
	tok, err := m.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return m.secret, nil })
	if err != nil || !tok.Valid {
		return 0, 0, ErrInvalid
	}
	id, err := strconv.ParseUint(claims.Subject, 10, 64)
	if err != nil || id == 0 {
		return 0, 0, ErrInvalid
	}
	m.verified.Add(key, verifiedToken{userID: id, version: claims.Ver, expires: claims.ExpiresAt.Time})
	return id, claims.Ver, nil
}

// NewRefreshToken returns a fresh opaque refresh token (256 random bits).
func NewRefreshToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashRefreshToken is what the database stores: a leak of the table gives no
// usable token.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewFamilyID names the token family of one login.
func NewFamilyID() string { return randomID() }

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
