package routes_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"workcomm/docs"
	"workcomm/testenv"
)

var ginParam = regexp.MustCompile(`:([A-Za-z]+)`)

// TestOpenAPICoversEveryRoute keeps docs/openapi.json true: every route the
// router registers is documented, and every documented operation exists.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range env.App.Handler.Routes() {
		if strings.HasPrefix(r.Path, "/assets") || r.Path == "/" || strings.Contains(r.Path, "*") {
			continue // the SPA's static files are not API
		}
		registered[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var undocumented, missing []string
	for k := range registered {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(missing)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from docs/openapi.json:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(missing) > 0 {
		t.Errorf("documented operations the router lacks:\n  %s", strings.Join(missing, "\n  "))
	}
}
