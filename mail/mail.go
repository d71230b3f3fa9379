// Package mail sends WorkComm's transactional mail (password reset, security
// notices): a Mailer over SMTP, an outbox of .eml files for development
// without SMTP, and Disabled for production without SMTP, where the feature
// is refused with ErrUnavailable rather than silently dropped.
//
// Nothing a Mailer logs contains a message body: a reset mail carries a
// one-time token, and the body is the only place it appears.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"workcomm/apperr"
)

// Message is one mail to one recipient. Both bodies should be given: clients
// that show HTML pick it, the others (and filters) read the plain text.
type Message struct {
	To       string // one address, validated at registration
	Subject  string
	Text     string // text/plain part
	HTML     string // text/html alternative; "" sends plain text only
	Language string // Content-Language (en, fr)
}

// Mailer sends one Message. Send returns once the message was handed over (to
// the SMTP server or the outbox folder), or with the reason it was not.
type Mailer interface {
	Send(ctx context.Context, msg Message) error
}

// ErrUnavailable is what Disabled answers: mail is not configured in
// production, so the routes that need it answer 503 email_unavailable.
var ErrUnavailable = apperr.WithCode(apperr.ErrUnavailable, "email_unavailable", "sending email is not configured on this server")

// Disabled is the Mailer of a production server without SMTP_URL: every Send
// is refused with ErrUnavailable.
type Disabled struct{}

// Send refuses.
func (Disabled) Send(context.Context, Message) error { return ErrUnavailable }

// Available reports whether m can send at all. A service checks it before
// doing any work, so that a request is refused the same way whether or not
// the address it names exists.
func Available(m Mailer) bool {
	if m == nil {
		return false
	}
	_, off := m.(Disabled)
	return !off
}

// DefaultTimeout bounds one SMTP delivery (connect, TLS, auth, DATA) when
// SMTP_TIMEOUT is not set: long enough for a distant relay, short enough that
// a dead one does not hold a request or a shutdown.
const DefaultTimeout = 10 * time.Second

// Options select and configure the Mailer that New builds.
type Options struct {
	SMTPURL    string        // SMTP_URL; "" selects the outbox (or Disabled in production)
	From       string        // MAIL_FROM, an RFC 5322 address ("WorkComm <no-reply@example.com>")
	Timeout    time.Duration // bound of one SMTP delivery; 0 means DefaultTimeout
	OutboxDir  string        // where development writes .eml files without SMTP_URL
	Production bool          // without SMTP_URL, production refuses instead of writing files
	TLSConfig  *tls.Config   // optional (tests: a private CA); ServerName is set from the URL
	Log        *slog.Logger
}

// New builds the Mailer the options describe: SMTP when SMTPURL is set,
// otherwise Disabled in production and an Outbox elsewhere.
func New(o Options) (Mailer, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if _, err := mail.ParseAddress(o.From); err != nil {
		return nil, fmt.Errorf("mail: the sender %q is not an address: %w", o.From, err)
	}
	if o.SMTPURL == "" {
		if o.Production {
			return Disabled{}, nil
		}
		return NewOutbox(o.OutboxDir, o.From, o.Log), nil
	}
	s, err := ParseSMTPURL(o.SMTPURL)
	if err != nil {
		return nil, err
	}
	return NewSMTP(s, o.From, o.Timeout, o.TLSConfig, o.Log), nil
}

// compose builds the MIME message shared by the SMTP and outbox Mailers:
// multipart/alternative with the plain text first (RFC 2046: the last part is
// the preferred one), quoted-printable UTF-8, a Message-ID on the sender's
// domain, and Auto-Submitted (RFC 3834) so that vacation responders keep quiet.
func compose(from string, msg Message) (*gomail.Msg, error) {
	if msg.To == "" {
		return nil, errors.New("mail: no recipient")
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender: %w", err)
	}
	if err := m.To(msg.To); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	m.Subject(msg.Subject)
	m.SetDate()
	m.SetMessageIDWithValue(randomHex(16) + "@" + domainOf(from))
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	if msg.Language != "" {
		m.SetGenHeader(gomail.HeaderContentLang, msg.Language)
	}
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	return m, nil
}

func domainOf(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 && at < len(a.Address)-1 {
			return a.Address[at+1:]
		}
	}
	return "workcomm.invalid"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
