package storage

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"time"
)

// LinkTTL is how long a signed link works at most: the contract's 15
// minutes. A message view carries fresh links, so a page left open longer
// fetches its list again to show images.
const LinkTTL = 15 * time.Minute

// linkStep is the grid link expiries are rounded down to, so that the same
// file viewed again within 5 minutes gets the same URL and the browser's
// cache serves it; a link is then valid between 10 and 15 minutes.
const linkStep = 5 * time.Minute

// clockSkew is how far ahead of this node's clock another node's may be: a
// link that expires later than LinkTTL from now is refused, but for this.
const clockSkew = time.Minute

// linkKeyLabel separates the link key from every other key derived from the
// JWT secret (HKDF's info): a token signature can never be a link
// signature, nor the reverse.
const linkKeyLabel = "workcomm storage link v1"

// Kinds of object a link names: an attachment by its id, an avatar by its
// user's id. The kind is signed, so an attachment link never opens the
// avatar of the user with the same number.
const (
	KindAttachment = "a"
	KindAvatar     = "u"
)

// Query parameters of a signed link.
const (
	ParamExpires   = "e"
	ParamSignature = "s"
)

// Links signs and checks the expiring links of stored files (for an <img>,
// which sends no Authorization header): HMAC-SHA256 over (kind, id, variant,
// expiry) with a key derived from the JWT secret. The key is never logged
// or printed.
type Links struct {
	key []byte
	now func() time.Time
}

// NewLinks derives the link key from the server's JWT secret with HKDF
// (SHA-256, RFC 5869) and its own label. Every node of a deployment shares
// the secret, so a link signed by one opens on any other.
func NewLinks(jwtSecret []byte) (*Links, error) {
	if len(jwtSecret) == 0 {
		return nil, errors.New("storage: links need the JWT secret")
	}
	key, err := hkdf.Key(sha256.New, jwtSecret, nil, linkKeyLabel, sha256.Size)
	if err != nil {
		return nil, err
	}
	return &Links{key: key, now: time.Now}, nil
}

// NewLinksClock is NewLinks reading the time from now: a test signs with a
// clock in the past to hold an expired link.
func NewLinksClock(jwtSecret []byte, now func() time.Time) (*Links, error) {
	l, err := NewLinks(jwtSecret)
	if err != nil {
		return nil, err
	}
	l.now = now
	return l, nil
}

// String keeps the key out of any print.
func (l *Links) String() string { return "storage.Links{key: redacted}" }

// GoString keeps the key out of %#v.
func (l *Links) GoString() string { return l.String() }

// LogValue keeps the key out of any log.
func (l *Links) LogValue() slog.Value { return slog.StringValue("storage.Links{key: redacted}") }

// Expiry is the expiry of a link signed now: now + LinkTTL rounded down to
// the 5-minute grid.
func (l *Links) Expiry() time.Time {
	return l.now().Add(LinkTTL).Truncate(linkStep)
}

// Sign returns the query (e=expiry, s=signature) that lets the holder read
// one variant ("original", "thumb", "256"...) of one object until Expiry.
func (l *Links) Sign(kind string, id uint64, variant string) url.Values {
	exp := l.Expiry().Unix()
	return url.Values{
		ParamExpires:   {strconv.FormatInt(exp, 10)},
		ParamSignature: {base64.RawURLEncoding.EncodeToString(l.mac(kind, id, variant, exp))},
	}
}

// Verify reports whether q signs that variant of that object and has not
// expired. The comparison takes constant time. A false answer is a 404 to
// the client, like a file that does not exist.
func (l *Links) Verify(kind string, id uint64, variant string, q url.Values) bool {
	exp, err := strconv.ParseInt(q.Get(ParamExpires), 10, 64)
	if err != nil {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get(ParamSignature))
	if err != nil || len(sig) != sha256.Size {
		return false
	}
	// hmac.Equal first, so that the time taken does not say whether the
	// expiry alone was wrong.
	ok := hmac.Equal(sig, l.mac(kind, id, variant, exp))
	now := l.now().Unix()
	return ok && now < exp && exp <= now+int64((LinkTTL+clockSkew)/time.Second)
}

// mac is HMAC-SHA256 over the fields, each length-prefixed so that no two
// different tuples share an encoding.
func (l *Links) mac(kind string, id uint64, variant string, exp int64) []byte {
	m := hmac.New(sha256.New, l.key)
	var buf []byte
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(kind)))
	buf = append(buf, kind...)
	buf = binary.BigEndian.AppendUint64(buf, id)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(variant)))
	buf = append(buf, variant...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(exp))
	m.Write(buf)
	return m.Sum(nil)
}
