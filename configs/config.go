// Package configs loads WorkComm's one typed configuration from the environment
// and opens the database it names (the Go home of the original dbConnect.mjs).
package configs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	wcmail "workcomm/mail"
)

// Environments accepted in APP_ENV.
const (
	EnvDevelopment = "development"
	EnvTest        = "test"
	EnvProduction  = "production"
)

// minSecretBytes is the shortest JWT_SECRET accepted in production: HS256 keys
// shorter than the hash output (32 bytes) weaken the MAC.
const minSecretBytes = 32

// Config is every setting of the process, read once at start and passed down.
type Config struct {
	Env      string // APP_ENV: development (default), test or production
	Addr     string // ADDR: listen address, default 127.0.0.1:8080
	LogLevel slog.Level

	DatabaseURL string // DATABASE_URL: PostgreSQL DSN; empty selects SQLite
	SQLitePath  string // SQLITE_PATH: default data/workcomm.db
	RedisURL    string // REDIS_URL: empty means one node with in-process fan-out
	RedisPrefix string // REDIS_PREFIX: default workcomm; starts every Redis key and channel, so deployments can share a Redis

	JWTSecret []byte // JWT_SECRET: required in production; generated and kept in the data folder otherwise

	// StorageURL (STORAGE_URL, default file://data/files) is where uploaded
	// files go: a folder (created at start) for one node, or an
	// S3-compatible bucket that several nodes share,
	// s3://bucket?endpoint=https://...&region=...&use_path_style=true, with
	// the usual AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
	StorageURL string

	AllowedOrigins []string       // ALLOWED_ORIGINS: comma-separated, for CORS and the WebSocket Origin check
	TrustedProxies []netip.Prefix // TRUSTED_PROXIES: addresses or CIDRs whose X-Forwarded-For is believed

	StripeSecretKey      string // STRIPE_SECRET_KEY
	StripePublishableKey string // STRIPE_PUBLISHABLE_KEY
	StripeWebhookSecret  string // STRIPE_WEBHOOK_SECRET
	StripeAPIURL         string // STRIPE_API_URL: points stripe-go at stripe-mock

	// SMTPURL (SMTP_URL) is the mail relay: smtp://user:pass@host:port
	// (STARTTLS when offered, port 587 by default) or smtps://… (implicit TLS,
	// 465). Empty: development writes mails under OutboxDir(); production
	// answers the routes that send mail with 503 email_unavailable.
	SMTPURL     string
	SMTPTimeout time.Duration // SMTP_TIMEOUT: bound of one delivery, default 10s
	MailFrom    string        // MAIL_FROM: sender address, default "WorkComm <no-reply@localhost>"; required with SMTP_URL in production
	// AppURL (APP_URL) is the browser app's base URL, for links in mails.
	// Default: the first ALLOWED_ORIGINS entry, else http://ADDR.
	AppURL string

	StaticDir string // STATIC_DIR: built frontend to serve; empty serves none
	PprofAddr string // PPROF_ADDR: address of a separate debug listener serving net/http/pprof; empty (default) serves none

	RegisterPerHour   int           // RATE_LIMIT_REGISTER_PER_HOUR: default 100 per client IP
	LoginFailures     int           // RATE_LIMIT_LOGIN_FAILURES: default 10 per account and per IP ...
	LoginWindow       time.Duration // ... in RATE_LIMIT_LOGIN_WINDOW, default 15m
	WritesPerMinute   int           // RATE_LIMIT_WRITES_PER_MINUTE: REST writes per user, default 600
	AccessTokenTTL    time.Duration // ACCESS_TOKEN_TTL: default 15m, never more (the contract's bound)
	RefreshTokenTTL   time.Duration // REFRESH_TOKEN_TTL: default 30 days
	ShutdownTimeout   time.Duration // SHUTDOWN_TIMEOUT: default 20s for in-flight requests to finish
	ReadinessDrainGap time.Duration // READINESS_DRAIN: default 0; time /readyz answers 503 before the listener closes
	// RequestTimeout (REQUEST_TIMEOUT, default 30s) bounds one REST request,
	// waiting for a database connection included: an exhausted pool or a
	// stalled database answers 503 instead of holding the client forever. It
	// is longer than one Stripe call (20 s), so a slow PaymentIntent completes.
	RequestTimeout time.Duration
	// PresenceWindow (PRESENCE_WINDOW, default 200ms) is how long presence
	// changes are gathered before they are announced together: a burst of
	// connects (a node restart) costs one write and one publish per window
	// instead of one per user, and a user who drops and comes back within it
	// announces nothing. 0 announces each change at once.
	PresenceWindow time.Duration
	// SearchConcurrency (SEARCH_CONCURRENCY, default 4) is how many message
	// searches query the database at once on a node; more wait their turn
	// (until their request's deadline), so that searches never hold the
	// whole pool that sends need.
	SearchConcurrency int
}

// DefaultSearchConcurrency is SEARCH_CONCURRENCY when unset.
const DefaultSearchConcurrency = 4

// Production reports APP_ENV=production.
func (c *Config) Production() bool { return c.Env == EnvProduction }

// PaymentsEnabled reports whether Stripe keys are configured.
func (c *Config) PaymentsEnabled() bool {
	return c.StripeSecretKey != "" && c.StripeWebhookSecret != ""
}

// UsesPostgres reports whether DATABASE_URL is set.
func (c *Config) UsesPostgres() bool { return c.DatabaseURL != "" }

// Load reads the configuration from the environment and validates it. Every
// error names the variable at fault.
func Load() (*Config, error) { return LoadFrom(os.Getenv) }

// LoadFrom is Load with a custom lookup, for tests.
func LoadFrom(getenv func(string) string) (*Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	c := &Config{
		Env:                  get("APP_ENV", EnvDevelopment),
		Addr:                 get("ADDR", "127.0.0.1:8080"),
		DatabaseURL:          get("DATABASE_URL", ""),
		SQLitePath:           get("SQLITE_PATH", "data/workcomm.db"),
		RedisURL:             get("REDIS_URL", ""),
		RedisPrefix:          get("REDIS_PREFIX", "workcomm"),
		StripeSecretKey:      get("STRIPE_SECRET_KEY", ""),
		StripePublishableKey: get("STRIPE_PUBLISHABLE_KEY", ""),
		StripeWebhookSecret:  get("STRIPE_WEBHOOK_SECRET", ""),
		StripeAPIURL:         get("STRIPE_API_URL", ""),
		SMTPURL:              get("SMTP_URL", ""),
		MailFrom:             get("MAIL_FROM", defaultMailFrom),
		StorageURL:           get("STORAGE_URL", "file://data/files"),
		StaticDir:            get("STATIC_DIR", ""),
		PprofAddr:            get("PPROF_ADDR", ""),
	}
	switch c.Env {
	case EnvDevelopment, EnvTest, EnvProduction:
	default:
		errs = append(errs, fmt.Errorf("APP_ENV: %q is not one of development, test, production", c.Env))
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: %w", err))
	}
	intVar := func(key string, def int, dst *int) {
		n, err := strconv.Atoi(get(key, strconv.Itoa(def)))
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive integer", key))
			return
		}
		*dst = n
	}
	durVar := func(key string, def time.Duration, dst *time.Duration) {
		d, err := time.ParseDuration(get(key, def.String()))
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: want a duration such as 15m", key))
			return
		}
		*dst = d
	}
	intVar("RATE_LIMIT_REGISTER_PER_HOUR", 100, &c.RegisterPerHour)
	intVar("RATE_LIMIT_LOGIN_FAILURES", 10, &c.LoginFailures)
	intVar("RATE_LIMIT_WRITES_PER_MINUTE", 600, &c.WritesPerMinute)
	intVar("SEARCH_CONCURRENCY", DefaultSearchConcurrency, &c.SearchConcurrency)
	durVar("RATE_LIMIT_LOGIN_WINDOW", 15*time.Minute, &c.LoginWindow)
	durVar("ACCESS_TOKEN_TTL", 15*time.Minute, &c.AccessTokenTTL)
	durVar("REFRESH_TOKEN_TTL", 30*24*time.Hour, &c.RefreshTokenTTL)
	durVar("SHUTDOWN_TIMEOUT", 20*time.Second, &c.ShutdownTimeout)
	durVar("READINESS_DRAIN", 0, &c.ReadinessDrainGap)
	durVar("REQUEST_TIMEOUT", 30*time.Second, &c.RequestTimeout)
	durVar("PRESENCE_WINDOW", 200*time.Millisecond, &c.PresenceWindow)
	durVar("SMTP_TIMEOUT", wcmail.DefaultTimeout, &c.SMTPTimeout)
	if c.RequestTimeout == 0 {
		errs = append(errs, errors.New("REQUEST_TIMEOUT: must be more than 0"))
	}
	if c.AccessTokenTTL == 0 || c.AccessTokenTTL > 15*time.Minute {
		errs = append(errs, errors.New("ACCESS_TOKEN_TTL: must be between 1s and 15m"))
	}

	for _, o := range splitList(getenv("ALLOWED_ORIGINS")) {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			errs = append(errs, fmt.Errorf("ALLOWED_ORIGINS: %q must start with http:// or https://", o))
			continue
		}
		c.AllowedOrigins = append(c.AllowedOrigins, strings.TrimRight(o, "/"))
	}
	for _, p := range splitList(getenv("TRUSTED_PROXIES")) {
		prefix, err := parsePrefix(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is not an IP address or CIDR", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}

	if err := checkStorageURL(c.StorageURL); err != nil {
		errs = append(errs, err)
	}

	secret := getenv("JWT_SECRET")
	switch {
	case secret != "" && len(secret) < minSecretBytes && c.Production():
		errs = append(errs, fmt.Errorf("JWT_SECRET: must be at least %d bytes in production", minSecretBytes))
	case secret != "":
		c.JWTSecret = []byte(secret)
	case c.Production():
		errs = append(errs, errors.New("JWT_SECRET: required when APP_ENV=production (32 bytes or more)"))
	}
	if c.Production() && len(c.AllowedOrigins) == 0 {
		errs = append(errs, errors.New("ALLOWED_ORIGINS: required when APP_ENV=production"))
	}
	errs = append(errs, c.loadMail(getenv)...)
	if (c.StripeSecretKey == "") != (c.StripeWebhookSecret == "") {
		errs = append(errs, errors.New("STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// defaultMailFrom is the development sender; relays refuse it, hence MAIL_FROM
// is required with SMTP_URL in production.
const defaultMailFrom = "WorkComm <no-reply@localhost>"

// loadMail checks SMTP_URL, SMTP_TIMEOUT, MAIL_FROM and APP_URL (after
// ALLOWED_ORIGINS and ADDR, which APP_URL defaults from).
func (c *Config) loadMail(getenv func(string) string) []error {
	var errs []error
	if c.SMTPURL != "" {
		// ParseSMTPURL never quotes the URL: it may hold a password.
		if _, err := wcmail.ParseSMTPURL(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("SMTP_URL: %w", err))
		}
	}
	if c.SMTPTimeout == 0 {
		errs = append(errs, errors.New("SMTP_TIMEOUT: must be more than 0"))
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, fmt.Errorf("MAIL_FROM: %q is not an address such as \"WorkComm <no-reply@example.com>\"", c.MailFrom))
	}
	if c.Production() && c.SMTPURL != "" && strings.TrimSpace(getenv("MAIL_FROM")) == "" {
		errs = append(errs, errors.New("MAIL_FROM: required with SMTP_URL when APP_ENV=production"))
	}
	c.AppURL = strings.TrimRight(strings.TrimSpace(getenv("APP_URL")), "/")
	if c.AppURL == "" {
		c.AppURL = "http://" + c.Addr
		if len(c.AllowedOrigins) > 0 {
			c.AppURL = c.AllowedOrigins[0]
		}
		return errs
	}
	if u, err := url.Parse(c.AppURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("APP_URL: %q must be an http:// or https:// base URL such as https://chat.example.com", c.AppURL))
	}
	return errs
}

// MailEnabled reports whether mail can go out: through SMTP_URL, or into the
// outbox outside production.
func (c *Config) MailEnabled() bool { return c.SMTPURL != "" || !c.Production() }

// OutboxDir is where mails are written without SMTP_URL outside production:
// outbox/ beside the SQLite file, data/outbox/ by default (as the JWT secret
// is kept there, so a test's temporary SQLite folder holds its own outbox).
func (c *Config) OutboxDir() string { return filepath.Join(filepath.Dir(c.SQLitePath), "outbox") }

// EnsureJWTSecret fills JWTSecret outside production when none was given: a
// random one is generated once and kept beside the SQLite file (or under
// data/) so tokens survive a restart.
func (c *Config) EnsureJWTSecret() error {
	if len(c.JWTSecret) > 0 {
		return nil
	}
	path := filepath.Join(filepath.Dir(c.SQLitePath), "jwt-secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= minSecretBytes {
		c.JWTSecret = []byte(strings.TrimSpace(string(b)))
		return nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	secret := hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("JWT_SECRET: cannot create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return fmt.Errorf("JWT_SECRET: cannot keep the generated secret in %s: %w", path, err)
	}
	c.JWTSecret = []byte(secret)
	return nil
}

// checkStorageURL refuses a STORAGE_URL the storage package cannot open,
// at start rather than at the first upload.
func checkStorageURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("STORAGE_URL: %v", err)
	case u.Scheme == "file" && u.Host+u.Path == "":
		return errors.New("STORAGE_URL: a file:// URL names a folder, e.g. file://data/files")
	case u.Scheme == "s3" && u.Host == "":
		return errors.New("STORAGE_URL: an s3:// URL names its bucket, e.g. s3://workcomm?endpoint=https://...")
	case u.Scheme != "file" && u.Scheme != "s3":
		return fmt.Errorf("STORAGE_URL: scheme %q is not file or s3", u.Scheme)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// TrustedProxyStrings returns TRUSTED_PROXIES as CIDR strings (nil: trust none).
func (c *Config) TrustedProxyStrings() []string {
	if len(c.TrustedProxies) == 0 {
		return nil
	}
	out := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		out[i] = p.String()
	}
	return out
}

// NewLogger returns the process logger: JSON in production, text elsewhere.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.Production() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
