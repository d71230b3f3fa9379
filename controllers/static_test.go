package controllers_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"workcomm/configs"
	"workcomm/testenv"
)

func TestServesTheBuiltApp(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>WorkComm</title>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "main-ABCD1234.js"), []byte("console.log(1)"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "favicon.ico"), []byte("ico"), 0o644))
	env := testenv.New(t, testenv.SQLite, func(c *configs.Config) { c.StaticDir = dir })

	cases := []struct {
		name, method, path string
		status             int
		body, cache        string
	}{
		{"the root is the app, never cached", http.MethodGet, "/", 200, "<title>WorkComm</title>", "no-cache"},
		{"a deep link is the app", http.MethodGet, "/chat/private/42", 200, "<title>WorkComm</title>", "no-cache"},
		{"a hashed asset is cached for a year", http.MethodGet, "/main-ABCD1234.js", 200, "console.log(1)", "public, max-age=31536000, immutable"},
		{"an unhashed file is revalidated", http.MethodGet, "/favicon.ico", 200, "ico", "no-cache"},
		{"a missing asset is 404, not the app", http.MethodGet, "/main-00000000.js", 404, `"not_found"`, ""},
		{"an unknown API path is the contract's 404", http.MethodGet, "/api/v1/nothing", 404, `"not_found"`, ""},
		{"a POST to a page is 404", http.MethodPost, "/chat", 404, `"not_found"`, ""},
	}
	t.Run("a path escaping the folder never reads a file outside", func(t *testing.T) {
		for _, p := range []string{"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd"} {
			res := env.Do(t, testenv.Req{Method: http.MethodGet, Path: p})
			if strings.Contains(string(res.Body), "root:") {
				t.Fatalf("%s served a file outside STATIC_DIR", p)
			}
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := env.Do(t, testenv.Req{Method: tc.method, Path: tc.path})
			if res.Status != tc.status || !strings.Contains(string(res.Body), tc.body) {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.Status, res.Body)
			}
			if tc.cache != "" && res.Header.Get("Cache-Control") != tc.cache {
				t.Fatalf("Cache-Control %q, want %q", res.Header.Get("Cache-Control"), tc.cache)
			}
		})
	}
}
