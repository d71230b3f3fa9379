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

// Manager signs and verifies access tokens with one HS256 secret.
type Manager struct {
	secret []byte
	ttl    time.Duration
	parser *jwt.Parser
	now    func() time.Time
}

// NewManager builds a Manager; ttl is the access-token lifetime.
func NewManager(secret []byte, ttl time.Duration) *Manager {
	return &Manager{
		secret: secret,
		ttl:    ttl,
		now:    time.Now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // algorithm pinned: no none, no RS/HS confusion
			jwt.WithIssuer(Issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
		),
	}
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
	var claims Claims
	tok, err := m.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return m.secret, nil })
	if err != nil || !tok.Valid {
		return 0, 0, ErrInvalid
	}
	id, err := strconv.ParseUint(claims.Subject, 10, 64)
	if err != nil || id == 0 {
		return 0, 0, ErrInvalid
	}
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
