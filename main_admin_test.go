package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"workcomm/testenv"
)

// TestCreateAdminCommand runs `workcomm create-admin` as an operator would:
// flags, the password on stdin, the configuration from the environment.
func TestCreateAdminCommand(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		t.Setenv("APP_ENV", "test")
		t.Setenv("JWT_SECRET", "test-secret-test-secret-test-secret-0123")
		t.Setenv("REDIS_URL", "")
		t.Setenv("STORAGE_URL", "file://"+t.TempDir())
		if kind == testenv.SQLite {
			t.Setenv("DATABASE_URL", "")
			t.Setenv("SQLITE_PATH", filepath.Join(t.TempDir(), "cli.db"))
		} else {
			_, url := testenv.OpenDB(t, kind)
			t.Setenv("DATABASE_URL", url)
		}
		args := []string{"create-admin", "-email", "ops@example.com", "-username", "ops"}
		cases := []struct {
			story, stdin string
			wantErr      string // "" for success
			wantLog      string
		}{
			{"a weak password is refused, saying why", "password\n", "password: ", ""},
			{"no password at all is refused", "", "password: ", ""},
			{"a strong password creates the admin", "Str0ng-admin-password\n", "", "admin created"},
			{"running it again leaves the admin as is", "Str0ng-admin-password\r\n", "", "admin promoted"},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				var stderr bytes.Buffer
				err := run(args, strings.NewReader(tc.stdin), &stderr)
				switch {
				case tc.wantErr == "" && err != nil:
					t.Fatalf("err = %v; log: %s", err, stderr.String())
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if !strings.Contains(stderr.String(), tc.wantLog) {
					t.Fatalf("log %q lacks %q", stderr.String(), tc.wantLog)
				}
			})
		}
	})
}
