package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Default ports when SMTP_URL names none: submission (587, RFC 6409) for
// smtp://, implicit TLS submission (465, RFC 8314) for smtps://.
const (
	defaultSubmissionPort  = 587
	defaultImplicitTLSPort = 465
)

// SMTPSettings is SMTP_URL parsed: smtp://user:pass@host:port (STARTTLS when
// the server offers it) or smtps://user:pass@host:port (TLS from the first
// byte). The password is never part of an error or a log line.
type SMTPSettings struct {
	Host        string
	Port        int
	ImplicitTLS bool
	Username    string
	Password    string
}

// errBadSMTPURL is the one error ParseSMTPURL gives for an unparseable URL:
// url.Parse's own error quotes the URL, password included, and configuration
// errors are printed at start.
var errBadSMTPURL = errors.New("want smtp://user:pass@host:port or smtps://user:pass@host:port")

// ParseSMTPURL parses SMTP_URL. Its errors never quote the URL.
func ParseSMTPURL(raw string) (SMTPSettings, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPSettings{}, errBadSMTPURL
	}
	var s SMTPSettings
	switch u.Scheme {
	case "smtp":
		s.Port = defaultSubmissionPort
	case "smtps":
		s.ImplicitTLS, s.Port = true, defaultImplicitTLSPort
	default:
		return SMTPSettings{}, errBadSMTPURL
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return SMTPSettings{}, errBadSMTPURL
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return SMTPSettings{}, fmt.Errorf("no host: %w", errBadSMTPURL)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPSettings{}, fmt.Errorf("bad port: %w", errBadSMTPURL)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// Addr is host:port.
func (s SMTPSettings) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// SMTP sends through one SMTP server, a new connection per message: reset and
// security mails are rare, and a pooled connection would need keep-alives and
// reconnects for no gain.
type SMTP struct {
	settings SMTPSettings
	from     string
	timeout  time.Duration
	tls      *tls.Config
	log      *slog.Logger
}

// NewSMTP builds the SMTP Mailer. timeout 0 means DefaultTimeout; tlsConfig
// may be nil (the system roots, TLS 1.2 or later).
func NewSMTP(s SMTPSettings, from string, timeout time.Duration, tlsConfig *tls.Config, log *slog.Logger) *SMTP {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var conf *tls.Config
	if tlsConfig != nil {
		conf = tlsConfig.Clone()
	} else {
		conf = &tls.Config{}
	}
	conf.ServerName = s.Host
	if conf.MinVersion < tls.VersionTLS12 {
		conf.MinVersion = tls.VersionTLS12
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SMTP{settings: s, from: from, timeout: timeout, tls: conf, log: log}
}

// Send delivers msg within the timeout, or ctx's deadline if sooner. go-mail
// watches the context only while dialling; after that its connection deadline
// is what bounds a silent server, so the deadline is folded into it.
func (s *SMTP) Send(ctx context.Context, msg Message) error {
	m, err := compose(s.from, msg)
	if err != nil {
		return err
	}
	timeout := s.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if timeout <= 0 {
		return fmt.Errorf("mail: sending through %s: %w", s.settings.Addr(), context.DeadlineExceeded)
	}
	opts := []gomail.Option{
		gomail.WithPort(s.settings.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tls),
	}
	if s.settings.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		// STARTTLS whenever the server offers it. A relay that offers none
		// (a local one, Mailpit in the tests) still gets the mail; use
		// smtps:// to require TLS.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.settings.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers and
		// never a plain-text one (PLAIN, LOGIN) on an unencrypted connection.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.settings.Username), gomail.WithPassword(s.settings.Password))
	}
	c, err := gomail.NewClient(s.settings.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: SMTP client for %s: %w", s.settings.Addr(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("mail: sending through %s: %w", s.settings.Addr(), err)
	}
	s.log.Debug("mail sent", "server", s.settings.Addr(), "subject", msg.Subject, "took", time.Since(start))
	return nil
}
