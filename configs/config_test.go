package configs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"workcomm/configs"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		vars    map[string]string
		wantErr string // substring naming the variable; "" means it loads
	}{
		{"defaults load in development", map[string]string{}, ""},
		{"production without JWT_SECRET refuses to start", map[string]string{"APP_ENV": "production", "ALLOWED_ORIGINS": "https://chat.example.com"}, "JWT_SECRET"},
		{"production with a short JWT_SECRET refuses to start", map[string]string{"APP_ENV": "production", "JWT_SECRET": "short", "ALLOWED_ORIGINS": "https://chat.example.com"}, "JWT_SECRET"},
		{"production without ALLOWED_ORIGINS refuses to start", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32)}, "ALLOWED_ORIGINS"},
		{"production with both starts", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "ALLOWED_ORIGINS": "https://chat.example.com"}, ""},
		{"an unknown APP_ENV is named", map[string]string{"APP_ENV": "staging"}, "APP_ENV"},
		{"a bad TRUSTED_PROXIES entry is named", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,nonsense"}, "TRUSTED_PROXIES"},
		{"a bad origin is named", map[string]string{"ALLOWED_ORIGINS": "chat.example.com"}, "ALLOWED_ORIGINS"},
		{"a bad number is named", map[string]string{"RATE_LIMIT_REGISTER_PER_HOUR": "lots"}, "RATE_LIMIT_REGISTER_PER_HOUR"},
		{"an access token TTL over 15 minutes is refused", map[string]string{"ACCESS_TOKEN_TTL": "1h"}, "ACCESS_TOKEN_TTL"},
		{"a Stripe key without its webhook secret is refused", map[string]string{"STRIPE_SECRET_KEY": "sk_test_x"}, "STRIPE_WEBHOOK_SECRET"},
		{"a zero REQUEST_TIMEOUT is refused", map[string]string{"REQUEST_TIMEOUT": "0s"}, "REQUEST_TIMEOUT"},
		{"an S3 bucket loads", map[string]string{"STORAGE_URL": "s3://files?endpoint=http://127.0.0.1:8333&region=us-east-1&use_path_style=true"}, ""},
		{"an absolute folder loads", map[string]string{"STORAGE_URL": "file:///srv/workcomm/files"}, ""},
		{"an unknown storage scheme is named", map[string]string{"STORAGE_URL": "gs://files"}, "STORAGE_URL"},
		{"an s3 URL without a bucket is named", map[string]string{"STORAGE_URL": "s3://?endpoint=http://127.0.0.1:8333"}, "STORAGE_URL"},
		{"a file URL without a folder is named", map[string]string{"STORAGE_URL": "file://"}, "STORAGE_URL"},
		{"a storage path without a scheme is named", map[string]string{"STORAGE_URL": "data/files"}, "STORAGE_URL"},
		{"an SMTP_URL of another scheme is named", map[string]string{"SMTP_URL": "http://mail.example.com"}, "SMTP_URL"},
		{"an SMTP_URL without a host is named", map[string]string{"SMTP_URL": "smtp://:25"}, "SMTP_URL"},
		{"an SMTP_URL with a bad port is named", map[string]string{"SMTP_URL": "smtps://u:p@mail.example.com:99999"}, "SMTP_URL"},
		{"a zero SMTP_TIMEOUT is refused", map[string]string{"SMTP_TIMEOUT": "0s"}, "SMTP_TIMEOUT"},
		{"a MAIL_FROM that is no address is named", map[string]string{"MAIL_FROM": "WorkComm"}, "MAIL_FROM"},
		{"production with SMTP_URL needs its own MAIL_FROM", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "ALLOWED_ORIGINS": "https://chat.example.com", "SMTP_URL": "smtps://u:p@mail.example.com"}, "MAIL_FROM"},
		{"production with SMTP_URL and MAIL_FROM starts", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "ALLOWED_ORIGINS": "https://chat.example.com", "SMTP_URL": "smtps://u:p@mail.example.com", "MAIL_FROM": "WorkComm <no-reply@example.com>"}, ""},
		{"an APP_URL that is not http(s) is named", map[string]string{"APP_URL": "chat.example.com"}, "APP_URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := configs.LoadFrom(env(tc.vars))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one naming %s (cfg %+v)", err, tc.wantErr, cfg)
			}
		})
	}
}

func TestLoadParsesValues(t *testing.T) {
	cfg, err := configs.LoadFrom(env(map[string]string{
		"ADDR": "0.0.0.0:9000", "ALLOWED_ORIGINS": "https://a.example.com/, http://localhost:4200",
		"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7", "RATE_LIMIT_REGISTER_PER_HOUR": "7", "LOG_LEVEL": "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:9000" || cfg.RegisterPerHour != 7 || cfg.SQLitePath != "data/workcomm.db" || cfg.StorageURL != "file://data/files" {
		t.Fatalf("cfg %+v", cfg)
	}
	if got := strings.Join(cfg.AllowedOrigins, " "); got != "https://a.example.com http://localhost:4200" {
		t.Fatalf("origins %q", got)
	}
	if got := strings.Join(cfg.TrustedProxyStrings(), " "); got != "10.0.0.0/8 192.168.1.7/32" {
		t.Fatalf("proxies %q", got)
	}
}

func TestMailSettings(t *testing.T) {
	t.Run("an unparseable SMTP_URL is named without its password", func(t *testing.T) {
		_, err := configs.LoadFrom(env(map[string]string{"SMTP_URL": "smtp://user:s3cr3t-pw@mail.example.com:x/%zz"}))
		if err == nil || !strings.Contains(err.Error(), "SMTP_URL") {
			t.Fatalf("error %v, want one naming SMTP_URL", err)
		}
		if strings.Contains(err.Error(), "s3cr3t-pw") {
			t.Fatalf("the error shows the password: %v", err)
		}
	})
	t.Run("defaults: no SMTP, the outbox beside the SQLite file, links to ADDR", func(t *testing.T) {
		cfg, err := configs.LoadFrom(env(map[string]string{"SQLITE_PATH": "/srv/wc/w.db", "ADDR": "127.0.0.1:9000"}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SMTPURL != "" || !cfg.MailEnabled() || cfg.OutboxDir() != "/srv/wc/outbox" || cfg.AppURL != "http://127.0.0.1:9000" ||
			cfg.MailFrom != "WorkComm <no-reply@localhost>" || cfg.SMTPTimeout != 10*time.Second {
			t.Fatalf("cfg %+v (outbox %s)", cfg, cfg.OutboxDir())
		}
	})
	t.Run("APP_URL defaults to the first allowed origin and loses its trailing slash", func(t *testing.T) {
		cfg, err := configs.LoadFrom(env(map[string]string{"ALLOWED_ORIGINS": "https://chat.example.com/,https://b.example.com"}))
		if err != nil || cfg.AppURL != "https://chat.example.com" {
			t.Fatalf("AppURL %q, err %v", cfg.AppURL, err)
		}
		cfg, err = configs.LoadFrom(env(map[string]string{"APP_URL": "https://app.example.com/", "SMTP_TIMEOUT": "3s"}))
		if err != nil || cfg.AppURL != "https://app.example.com" || cfg.SMTPTimeout != 3*time.Second {
			t.Fatalf("cfg %+v, err %v", cfg, err)
		}
	})
	t.Run("production without SMTP_URL has no mail", func(t *testing.T) {
		cfg, err := configs.LoadFrom(env(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("k", 32), "ALLOWED_ORIGINS": "https://chat.example.com"}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MailEnabled() {
			t.Fatal("production without SMTP_URL reports mail enabled")
		}
	})
}

func TestDevelopmentSecretIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	load := func() []byte {
		cfg, err := configs.LoadFrom(env(map[string]string{"SQLITE_PATH": filepath.Join(dir, "db", "w.db")}))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.EnsureJWTSecret(); err != nil {
			t.Fatal(err)
		}
		return cfg.JWTSecret
	}
	first, second := load(), load()
	if len(first) < 32 || string(first) != string(second) {
		t.Fatalf("secret not kept: %q then %q", first, second)
	}
	info, err := os.Stat(filepath.Join(dir, "db", "jwt-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", info, err)
	}
}

func TestDBConnectCreatesTheSQLiteFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "w.db")
	cfg, err := configs.LoadFrom(env(map[string]string{"SQLITE_PATH": path}))
	if err != nil {
		t.Fatal(err)
	}
	db, err := configs.DBConnect(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	var fk int
	db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode=%s foreign_keys=%d", mode, fk)
	}
}
