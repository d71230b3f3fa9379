// Package testenv builds WorkComm test applications exactly as main does, on
// SQLite and on PostgreSQL, each test in a fresh database (a temporary SQLite
// file, or a PostgreSQL schema of its own that is dropped afterwards).
//
// PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
// With WORKCOMM_REQUIRE_POSTGRES=1 (set by CI) an unreachable PostgreSQL fails
// the tests; otherwise its suite is skipped with a loud notice.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"workcomm/app"
	"workcomm/configs"
)

// DefaultPostgresURL is used when TEST_DATABASE_URL is empty.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Kinds of database a test runs on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

var (
	pgOnce      sync.Once
	pgReachable error
)

// PostgresURL is the base URL of the PostgreSQL test database.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// RequirePostgres reports whether the PostgreSQL suite must run (CI).
func RequirePostgres() bool { return os.Getenv("WORKCOMM_REQUIRE_POSTGRES") == "1" }

func checkPostgres() error {
	pgOnce.Do(func() {
		db, err := gorm.Open(postgres.Open(PostgresURL()), &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)})
		if err != nil {
			pgReachable = err
			return
		}
		sqlDB, _ := db.DB()
		defer sqlDB.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgReachable = sqlDB.PingContext(ctx)
		if pgReachable != nil && !RequirePostgres() {
			fmt.Fprintf(os.Stderr, "\n!!! PostgreSQL at %s is unreachable (%v): the PostgreSQL suite is SKIPPED. Only SQLite was tested. !!!\n\n", PostgresURL(), pgReachable)
		}
	})
	return pgReachable
}

// ForEachDB runs fn as a subtest on SQLite and on PostgreSQL.
func ForEachDB(t *testing.T, fn func(t *testing.T, kind string)) {
	t.Helper()
	for _, kind := range []string{SQLite, Postgres} {
		t.Run(kind, func(t *testing.T) {
			if kind == Postgres {
				RequirePostgresOrSkip(t)
			}
			fn(t, kind)
		})
	}
}

// RequirePostgresOrSkip skips (or, in CI, fails) when PostgreSQL is
// unreachable. Under -short (make test-quick) PostgreSQL runs only when
// TEST_DATABASE_URL names it.
func RequirePostgresOrSkip(t testing.TB) {
	t.Helper()
	if quickWithout("TEST_DATABASE_URL") && !RequirePostgres() {
		t.Skip("-short: PostgreSQL runs when TEST_DATABASE_URL is set")
	}
	if err := checkPostgres(); err != nil {
		if RequirePostgres() {
			t.Fatalf("PostgreSQL is required (WORKCOMM_REQUIRE_POSTGRES=1) but unreachable at %s: %v", PostgresURL(), err)
		}
		t.Skipf("PostgreSQL unreachable at %s: skipped", PostgresURL())
	}
}

// quickWithout reports a -short run whose environment does not name the
// service in envVar: the quick loop tests SQLite and one node by default.
func quickWithout(envVar string) bool {
	return testing.Short() && os.Getenv(envVar) == ""
}

// randomName returns a short random identifier.
func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// OpenDB opens a fresh, empty database of the given kind for one test, removed
// when the test ends. The schema is not migrated.
func OpenDB(t testing.TB, kind string) (*gorm.DB, string) {
	t.Helper()
	gcfg := &gorm.Config{Logger: logger.Default.LogMode(logger.Silent), TranslateError: true,
		NowFunc: func() time.Time { return time.Now().UTC() }}
	switch kind {
	case SQLite:
		path := filepath.Join(t.TempDir(), "test.db")
		db, err := configs.OpenSQLite(path, gcfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeDB(db) })
		return db, ""
	case Postgres:
		RequirePostgresOrSkip(t)
		schema := randomName("wct_")
		admin, err := gorm.Open(postgres.Open(PostgresURL()), gcfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
			t.Fatal(err)
		}
		url := withSearchPath(PostgresURL(), schema)
		db, err := gorm.Open(postgres.Open(url), gcfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			closeDB(db)
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			closeDB(admin)
		})
		return db, url
	}
	t.Fatalf("unknown database kind %q", kind)
	return nil, ""
}

func withSearchPath(url, schema string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}

// Config returns a test configuration; change it before passing to New.
func Config() *configs.Config {
	cfg, err := configs.LoadFrom(func(key string) string {
		switch key {
		case "APP_ENV":
			return configs.EnvTest
		case "JWT_SECRET":
			return "test-secret-test-secret-test-secret-0123"
		}
		return ""
	})
	if err != nil {
		panic(err)
	}
	return cfg
}

// defaultStorageURL is STORAGE_URL's default (storage.DefaultURL, not
// imported: the storage package's own tests use testenv).
const defaultStorageURL = "file://data/files"

// Env is one running test application.
type Env struct {
	T      testing.TB
	Kind   string
	App    *app.App
	Server *httptest.Server
	DBURL  string // PostgreSQL URL with this test's search_path ("" on SQLite)
}

// Option changes the configuration before the app is built.
type Option func(*configs.Config)

// New builds a migrated application on a fresh database and serves it.
func New(t testing.TB, kind string, opts ...Option) *Env {
	t.Helper()
	db, url := OpenDB(t, kind)
	cfg := Config()
	for _, o := range opts {
		o(cfg)
	}
	return NewOnDB(t, kind, db, url, cfg)
}

// NewOnDB builds an application on an existing database (a second node).
func NewOnDB(t testing.TB, kind string, db *gorm.DB, url string, cfg *configs.Config) *Env {
	t.Helper()
	// The SQLite file's folder also holds the development mail outbox
	// (configs.OutboxDir), on PostgreSQL too: a temporary one, never the
	// package's source folder.
	cfg.SQLitePath = filepath.Join(t.TempDir(), "unused.db")
	if cfg.StorageURL == defaultStorageURL {
		// Each node of a test its own folder, not data/files in the
		// package's source; nodes sharing files are given one URL.
		cfg.StorageURL = "file://" + t.TempDir()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TEST_LOG") == "1" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := app.Open(context.Background(), cfg, log, app.Options{DB: db, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Shutdown(ctx)
		srv.Close()
		a.Close()
	})
	return &Env{T: t, Kind: kind, App: a, Server: srv, DBURL: url}
}

// Response is an HTTP answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// ErrorCode returns the contract error code of the body ("" if none).
func (r *Response) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// ErrorFields returns the validation fields of the body.
func (r *Response) ErrorFields() map[string]string {
	var b struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Fields
}

// Req describes a request.
type Req struct {
	Method, Path, Token string
	Body                any // marshalled to JSON unless []byte or string
	Header              map[string]string
}

// Do sends a request to the test server.
func (e *Env) Do(t testing.TB, r Req) *Response {
	t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(r.Method, e.Server.URL+r.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// Get is Do with GET.
func (e *Env) Get(t testing.TB, path, token string) *Response {
	t.Helper()
	return e.Do(t, Req{Method: http.MethodGet, Path: path, Token: token})
}

// Post is Do with POST and a JSON body.
func (e *Env) Post(t testing.TB, path, token string, body any) *Response {
	t.Helper()
	return e.Do(t, Req{Method: http.MethodPost, Path: path, Token: token, Body: body})
}

// Patch is Do with PATCH and a JSON body.
func (e *Env) Patch(t testing.TB, path, token string, body any) *Response {
	t.Helper()
	return e.Do(t, Req{Method: http.MethodPatch, Path: path, Token: token, Body: body})
}

// Delete is Do with DELETE.
func (e *Env) Delete(t testing.TB, path, token string) *Response {
	t.Helper()
	return e.Do(t, Req{Method: http.MethodDelete, Path: path, Token: token})
}

// Expect fails the test unless the response has the status.
func Expect(t testing.TB, r *Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

// User is a registered test user with its tokens.
type User struct {
	ID           uint64
	Username     string
	Email        string
	Password     string
	AccessToken  string
	RefreshToken string
}

// Register creates a user with a unique name derived from prefix.
func (e *Env) Register(t testing.TB, prefix string) *User {
	t.Helper()
	name := randomName(prefix + "_")[:min(32, len(prefix)+1+12)]
	u := &User{Username: name, Email: name + "@example.com", Password: "password-" + name}
	res := e.Post(t, "/api/v1/auth/register", "", map[string]string{"username": u.Username, "email": u.Email, "password": u.Password})
	Expect(t, res, http.StatusCreated)
	var body struct {
		User struct {
			ID uint64 `json:"id"`
		} `json:"user"`
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}
	res.JSON(t, &body)
	u.ID, u.AccessToken, u.RefreshToken = body.User.ID, body.AccessToken, body.RefreshToken
	return u
}

// Befriend makes a and b friends through the API.
func (e *Env) Befriend(t testing.TB, a, b *User) {
	t.Helper()
	res := e.Post(t, "/api/v1/friends/requests", a.AccessToken, map[string]any{"userId": b.ID})
	Expect(t, res, http.StatusCreated)
	var req struct {
		ID uint64 `json:"id"`
	}
	res.JSON(t, &req)
	Expect(t, e.Post(t, fmt.Sprintf("/api/v1/friends/requests/%d/accept", req.ID), b.AccessToken, nil), http.StatusOK)
}

// AdminPassword passes create-admin's strength check. It is only checked: a
// promoted account keeps the password it registered with.
const AdminPassword = "Admin-Password-123!"

// RegisterAdmin registers a user and promotes them as `workcomm create-admin`
// does, then logs in again (a promotion ends the user's earlier sessions).
func (e *Env) RegisterAdmin(t testing.TB, prefix string) *User {
	t.Helper()
	u := e.Register(t, prefix)
	if _, _, err := e.App.Services.Admin.CreateAdmin(context.Background(), u.Email, "", AdminPassword); err != nil {
		t.Fatalf("promoting %s: %v", u.Username, err)
	}
	e.Relogin(t, u)
	return u
}

// Relogin replaces u's tokens with those of a fresh login.
func (e *Env) Relogin(t testing.TB, u *User) {
	t.Helper()
	res := e.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password})
	Expect(t, res, http.StatusOK)
	var s struct{ AccessToken, RefreshToken string }
	res.JSON(t, &s)
	u.AccessToken, u.RefreshToken = s.AccessToken, s.RefreshToken
}
