package security_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/testenv"
	"workcomm/views"
	"workcomm/wsclient"
)

// sqlPayloads are the injection strings every search, filter and field gets.
// The pg_sleep ones would hold the request for 30 s if they ever ran.
var sqlPayloads = []string{
	`' OR '1'='1`, `' OR 1=1 --`, `'; DROP TABLE users; --`, `" OR ""="`, `1 OR 1=1`, `%' OR 1=1 --`,
	`\' OR 1=1 --`, `' UNION SELECT password_hash, email FROM users --`, `$1`, `?`, `%`, `_`, `\`, `%%`, `*`,
	`1; SELECT pg_sleep(30)`, `'||(SELECT pg_sleep(30))||'`, `admin'--`, `') OR ('a'='a`, "\x00' OR 1=1",
	`1e309`, `-1`, `0x7fffffff`, `ORDER BY 1--`, `(SELECT 1)`, `'; UPDATE users SET role='admin'; --`,
}

// xssPayloads must come back byte for byte, as data.
var xssPayloads = []string{
	`<script>alert(1)</script>`, `"><img src=x onerror=alert(document.cookie)>`, `javascript:alert(1)`,
	`<svg/onload=alert(1)>`, `{{constructor.constructor('alert(1)')()}}`, `<a href="javascript:alert(1)">x</a>`,
	`</script><script>alert(1)</script>`, `<iframe srcdoc="<script>alert(1)</script>">`, "\u202eevil\u202c", `${alert(1)}`,
}

// timely runs do and fails if it takes longer than waitTime: an executed
// pg_sleep(30) or a parser stuck on deep nesting shows up as a hang.
func timely(t *testing.T, do func() *testenv.Response) *testenv.Response {
	t.Helper()
	done := make(chan *testenv.Response, 1)
	go func() { done <- do() }()
	select {
	case r := <-done:
		return r
	case <-time.After(waitTime):
		t.Fatalf("no answer within %s", waitTime)
		return nil
	}
}

func TestSQLInjectionInEverySearchFilterAndField(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		stats := func() string {
			res := env.Get(t, "/api/v1/admin/stats", w.admin.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var s map[string]any
			res.JSON(t, &s)
			delete(s, "onlineNow")
			delete(s, "messages24h") // the field tests below add messages
			b, _ := json.Marshal(s)
			return string(b)
		}
		before := stats()

		t.Run("searches, filters, paging and sort parameters", func(t *testing.T) {
			for _, p := range sqlPayloads {
				q := url.QueryEscape(p)
				for _, tc := range []struct {
					path, token string
					want        []int
				}{
					{"/api/v1/users?q=" + q, m.AccessToken, []int{200}},
					// Message search: user syntax is words or nothing (400 when nothing is left), never SQL or FTS syntax.
					{"/api/v1/search/messages?q=" + q, m.AccessToken, []int{200, 400}},
					{"/api/v1/admin/users?q=" + q, w.admin.AccessToken, []int{200}},
					{"/api/v1/admin/payments?status=" + q, w.admin.AccessToken, []int{400}},
					{"/api/v1/users?limit=" + q, m.AccessToken, []int{200, 400}},
					{"/api/v1/users?cursor=" + q, m.AccessToken, []int{400}},
					{"/api/v1/admin/audit?cursor=" + q, w.admin.AccessToken, []int{400}},
					{fmt.Sprintf("/api/v1/chat/groups/%d/messages?before=%s", w.malloryGroup, q), m.AccessToken, []int{400}},
					{fmt.Sprintf("/api/v1/chat/private/%d/messages?after=%s", w.malloryFriend.ID, q), m.AccessToken, []int{400}},
					{"/api/v1/users?sort=" + q + "&order=" + q, m.AccessToken, []int{200}},
					{"/api/v1/payments?sort=" + q + "&status=" + q, m.AccessToken, []int{200}},
					{"/api/v1/users/" + url.PathEscape(p), m.AccessToken, []int{404}},
					{"/api/v1/chat/groups/" + url.PathEscape(p) + "/messages", m.AccessToken, []int{404}},
					{"/api/v1/payments/" + url.PathEscape(p), m.AccessToken, []int{404}},
				} {
					attacks.Add(1)
					res := timely(t, func() *testenv.Response { return env.Get(t, tc.path, tc.token) })
					ok := false
					for _, s := range tc.want {
						ok = ok || res.Status == s
					}
					if !ok {
						t.Fatalf("GET %s: %d %s, want one of %v", tc.path, res.Status, res.Body, tc.want)
					}
					if res.Status == 200 && strings.HasPrefix(tc.path, "/api/v1/users?q=") || strings.HasPrefix(tc.path, "/api/v1/admin/users?q=") {
						var list struct{ Items []json.RawMessage }
						res.JSON(t, &list)
						if len(list.Items) != 0 {
							t.Fatalf("GET %s matched %d users: %s", tc.path, len(list.Items), res.Body)
						}
					}
					if strings.Contains(string(res.Body), "$2a$") || strings.Contains(strings.ToLower(string(res.Body)), "syntax error") {
						t.Fatalf("GET %s leaks: %s", tc.path, res.Body)
					}
				}
			}
		})

		t.Run("login and register fields", func(t *testing.T) {
			for _, p := range sqlPayloads {
				attacks.Add(3)
				res := timely(t, func() *testenv.Response {
					return env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": p, "password": p})
				})
				if res.Status != http.StatusUnauthorized && res.Status != http.StatusTooManyRequests && res.Status != http.StatusBadRequest {
					t.Fatalf("login as %q: %d %s", p, res.Status, res.Body)
				}
				res = env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": w.alice.Username, "password": p})
				if res.Status == http.StatusOK {
					t.Fatalf("logged in as alice with %q", p)
				}
				res = env.Post(t, "/api/v1/auth/register", "", map[string]string{"username": p, "email": p, "password": "password-123"})
				if res.Status != http.StatusBadRequest {
					t.Fatalf("register as %q: %d %s", p, res.Status, res.Body)
				}
			}
		})

		t.Run("free-text fields keep the string as data", func(t *testing.T) {
			for i, p := range sqlPayloads {
				if strings.ContainsRune(p, 0) {
					continue // NUL is not text PostgreSQL stores; covered by the input tests below
				}
				attacks.Add(4)
				res := timely(t, func() *testenv.Response {
					return env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), m.AccessToken,
						map[string]any{"body": "x " + p, "clientMsgId": fmt.Sprintf("sqli-%d %s", i, p)})
				})
				testenv.Expect(t, res, http.StatusCreated)
				var msg struct {
					Body        string
					ClientMsgID string
				}
				res.JSON(t, &msg)
				if msg.Body != "x "+p || msg.ClientMsgID != fmt.Sprintf("sqli-%d %s", i, p) {
					t.Fatalf("stored %+v for %q", msg, p)
				}
				res = env.Patch(t, "/api/v1/users/me", m.AccessToken, map[string]any{"displayName": "x " + p})
				testenv.Expect(t, res, http.StatusOK)
				res = env.Patch(t, fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup), m.AccessToken, map[string]any{"name": "x " + p, "description": p})
				testenv.Expect(t, res, http.StatusOK)
				res = env.Do(t, testenv.Req{Method: http.MethodPost, Path: "/api/v1/payments/intent", Token: m.AccessToken,
					Body: map[string]any{"planId": p}, Header: map[string]string{"Idempotency-Key": "k" + p}})
				if res.Status != http.StatusBadRequest {
					t.Fatalf("planId %q: %d %s", p, res.Status, res.Body)
				}
			}
		})

		t.Run("NUL characters and invalid UTF-8 are refused or match nothing, never a 500", func(t *testing.T) {
			for _, q := range []string{"%00", "a%00b", "%FF", "%C3%28", "%ED%A0%80"} {
				for _, path := range []string{"/api/v1/users?q=" + q, "/api/v1/admin/users?q=" + q} {
					attacks.Add(1)
					res := env.Get(t, path, w.admin.AccessToken)
					testenv.Expect(t, res, http.StatusOK)
					if strings.Contains(string(res.Body), `"id"`) {
						t.Fatalf("GET %s matched: %s", path, res.Body)
					}
				}
			}
			for _, tc := range []struct {
				method, path, field string
				body                map[string]any
			}{
				{http.MethodPost, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), "body", map[string]any{"body": "a\x00b"}},
				{http.MethodPost, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), "clientMsgId", map[string]any{"body": "ok", "clientMsgId": "a\x00"}},
				{http.MethodPatch, "/api/v1/users/me", "displayName", map[string]any{"displayName": "a\x00"}},
				{http.MethodPatch, fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup), "name", map[string]any{"name": "a\x00"}},
				{http.MethodPatch, fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup), "description", map[string]any{"description": "\x00"}},
				{http.MethodPost, "/api/v1/chat/groups", "name", map[string]any{"name": "\x00"}},
				{http.MethodPost, "/api/v1/auth/login", "login", map[string]any{"login": "alice\x00", "password": "password-1"}},
				{http.MethodPost, "/api/v1/auth/register", "displayName", map[string]any{"username": "nulname", "email": "nul@example.com", "password": "password-1", "displayName": "\x00"}},
				{http.MethodPatch, fmt.Sprintf("/api/v1/chat/groups/messages/%d", w.malloryMsg), "body", map[string]any{"body": "\x00"}},
			} {
				attacks.Add(1)
				res := env.Do(t, testenv.Req{Method: tc.method, Path: tc.path, Token: m.AccessToken, Body: tc.body})
				expectRefused(t, res, http.StatusBadRequest, "validation_failed")
				if _, ok := res.ErrorFields()[tc.field]; !ok {
					t.Fatalf("%s %s: the error does not name %s: %s", tc.method, tc.path, tc.field, res.Body)
				}
			}
			c := dial(t, env, "/ws/group", m)
			for _, data := range []map[string]any{
				{"groupId": w.malloryGroup, "body": "a\x00b", "clientMsgId": "nul-1"},
				{"groupId": w.malloryGroup, "body": "ok", "clientMsgId": "nul\x00"},
			} {
				attacks.Add(1)
				if _, code := request(t, c, "message.send", data); code != "validation_failed" {
					t.Fatalf("message.send %q: %q, want validation_failed", data, code)
				}
			}
		})

		t.Run("over the socket", func(t *testing.T) {
			c := dial(t, env, "/ws/group", m)
			for _, p := range sqlPayloads {
				attacks.Add(2)
				if _, code := request(t, c, "sync", map[string]any{"conversations": []map[string]any{{"groupId": p, "afterSeq": 0}}}); code != "validation_failed" {
					t.Fatalf("sync with groupId %q: %q", p, code)
				}
				if _, code := request(t, c, "read", map[string]any{"groupId": w.malloryGroup, "seq": p}); code != "validation_failed" {
					t.Fatalf("read with seq %q: %q", p, code)
				}
			}
		})

		t.Run("no table was dropped or changed behind the API", func(t *testing.T) {
			if after := stats(); after != before {
				t.Fatalf("stats changed from %s to %s", before, after)
			}
			res := env.Get(t, "/api/v1/users/me", w.alice.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			if strings.Contains(string(res.Body), `"role":"admin"`) {
				t.Fatal("an injected UPDATE made alice an admin")
			}
		})
	})
}

func TestStoredXSSIsKeptAsData(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		listener := dial(t, env, "/ws/group", w.malloryFriend)
		for i, p := range xssPayloads {
			attacks.Add(4)
			res := env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup), m.AccessToken, map[string]any{"body": p, "clientMsgId": fmt.Sprintf("xss-%d", i)})
			testenv.Expect(t, res, http.StatusCreated)
			for name, want := range map[string]string{
				"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff",
			} {
				if got := res.Header.Get(name); got != want {
					t.Fatalf("%s: %q, want %q", name, got, want)
				}
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-eval") {
				t.Fatalf("CSP %q", csp)
			}
			var msg struct {
				ID   uint64
				Body string
			}
			res.JSON(t, &msg)
			if msg.Body != strings.TrimSpace(p) {
				t.Fatalf("REST answered %q for %q", msg.Body, p)
			}
			got := nextEvent(t, listener, "message.new", isMessage(msg.ID), nil)
			if m, _ := wsclient.DecodeMessage(got); m.Body != strings.TrimSpace(p) {
				t.Fatalf("the socket pushed %q for %q", m.Body, p)
			}
			res = env.Patch(t, "/api/v1/users/me", m.AccessToken, map[string]any{"displayName": p})
			testenv.Expect(t, res, http.StatusOK)
			res = env.Patch(t, fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup), m.AccessToken, map[string]any{"name": p, "description": p})
			testenv.Expect(t, res, http.StatusOK)
			var g struct{ Name, Description string }
			res.JSON(t, &g)
			if g.Name != strings.TrimSpace(p) || g.Description != p {
				t.Fatalf("group stored %+v for %q", g, p)
			}
			res = env.Get(t, fmt.Sprintf("/api/v1/users/%d", m.ID), w.malloryFriend.AccessToken)
			var pub struct{ DisplayName string }
			res.JSON(t, &pub)
			if pub.DisplayName != strings.TrimSpace(p) {
				t.Fatalf("display name %q for %q", pub.DisplayName, p)
			}
			// The raw JSON escapes markup, so a page that injected it as HTML by
			// mistake still would not see a tag.
			if strings.Contains(string(res.Body), "<script") {
				t.Fatalf("raw markup in JSON: %s", res.Body)
			}
		}
	})
}

func TestOversizeAndDeeplyNestedInput(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		post := func(path string, body io.Reader, length int64) *testenv.Response {
			req, err := http.NewRequest(http.MethodPost, env.Server.URL+path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = length
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+m.AccessToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			return &testenv.Response{Status: res.StatusCode, Header: res.Header, Body: raw}
		}
		ten := bytes.Repeat([]byte("a"), 10<<20)
		sendPath := fmt.Sprintf("/api/v1/chat/groups/%d/messages", w.malloryGroup)

		t.Run("a 10 MB body is 413, declared or streamed", func(t *testing.T) {
			attacks.Add(3)
			expectRefused(t, timely(t, func() *testenv.Response { return post(sendPath, bytes.NewReader(ten), int64(len(ten))) }), http.StatusRequestEntityTooLarge, "payload_too_large")
			expectRefused(t, timely(t, func() *testenv.Response { return post(sendPath, struct{ io.Reader }{bytes.NewReader(ten)}, -1) }), http.StatusRequestEntityTooLarge, "payload_too_large")
			res := timely(t, func() *testenv.Response {
				return post("/api/v1/payments/webhook", bytes.NewReader(ten), int64(len(ten)))
			})
			testenv.Expect(t, res, http.StatusRequestEntityTooLarge)
		})
		t.Run("deep nesting within the size limit is refused quickly", func(t *testing.T) {
			for _, body := range []string{
				`{"body":` + strings.Repeat("[", 500000) + `}`,
				strings.Repeat("[", 1000000),
				`{"body":"x","clientMsgId":` + strings.Repeat(`{"a":`, 100000) + `1` + strings.Repeat("}", 100000) + `}`,
				strings.Repeat(`{"a":`, 200000),
			} {
				attacks.Add(1)
				res := timely(t, func() *testenv.Response { return post(sendPath, strings.NewReader(body), int64(len(body))) })
				if res.Status != http.StatusBadRequest {
					t.Fatalf("nested body: %d %.200s", res.Status, res.Body)
				}
			}
		})
		t.Run("hostile values are validation errors, not crashes", func(t *testing.T) {
			for _, body := range []string{
				`{"body":"x","clientMsgId":"` + strings.Repeat("x", 65) + `"}`,
				`{"body":"` + strings.Repeat("é", 4001) + `"}`,
				`{"body":1e999}`, `{"body":null}`, `{"body":["x"]}`, `{"body":{"$gt":""}}`,
				"{\"body\":\"\xff\xfe\"}", `{"body":"x"}{"body":"y"}`, `{"body":"x",}`, `{"body":"\ud800"}`,
			} {
				attacks.Add(1)
				res := post(sendPath, strings.NewReader(body), int64(len(body)))
				if res.Status != http.StatusBadRequest && !(res.Status == http.StatusCreated && strings.Contains(body, `\ud800`)) {
					t.Fatalf("%.80q: %d %s", body, res.Status, res.Body)
				}
			}
			for _, body := range []string{`{"userId":-1}`, `{"userId":18446744073709551616}`, `{"userId":1.5}`, `{"userId":"1"}`, `{"userId":0}`} {
				attacks.Add(1)
				res := post("/api/v1/friends/requests", strings.NewReader(body), int64(len(body)))
				expectRefused(t, res, http.StatusBadRequest, "validation_failed")
			}
		})
		t.Run("the largest seq a client can write is a page or a no-op, not a 500", func(t *testing.T) {
			const top = "18446744073709551615" // 2^64-1: the drivers refuse it as a parameter
			base := fmt.Sprintf("/api/v1/chat/groups/%d", w.malloryGroup)
			for _, q := range []string{"?after=" + top, "?before=" + top} {
				attacks.Add(1)
				testenv.Expect(t, env.Get(t, base+"/messages"+q, m.AccessToken), http.StatusOK)
			}
			attacks.Add(2)
			res := post(base+"/read", strings.NewReader(`{"seq":`+top+`}`), -1)
			testenv.Expect(t, res, http.StatusNoContent)
			c := dial(t, env, "/ws/group", m)
			if _, code := request(t, c, "sync", map[string]any{"conversations": []map[string]any{{"groupId": w.malloryGroup, "afterSeq": uint64(1<<64 - 1)}}}); code != "" {
				t.Fatalf("sync after 2^64-1: %q", code)
			}
		})
		t.Run("a socket frame over 64 KiB closes with 1009; deep nesting inside it keeps the socket", func(t *testing.T) {
			c := dial(t, env, "/ws/group", m)
			for _, frame := range []string{
				`{"type":"ping","data":` + strings.Repeat("[", 60000) + `}`,
				strings.Repeat(`{"a":`, 12000),
				`{"type":"message.send","data":{"groupId":1e999}}`,
			} {
				attacks.Add(1)
				if err := c.WriteRaw([]byte(frame)); err != nil {
					t.Fatal(err)
				}
				nextEvent(t, c, "error", nil, nil)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTime)
			defer cancel()
			if _, err := c.Request(ctx, "ping", nil); err != nil {
				t.Fatalf("the socket did not survive: %v", err)
			}
			attacks.Add(1)
			if err := c.WriteRaw(bytes.Repeat([]byte("x"), 64<<10+1)); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Done:
				var ce *websocket.CloseError
				if ok := asCloseError(c.CloseErr, &ce); !ok || ce.Code != websocket.CloseMessageTooBig {
					t.Fatalf("closed with %v, want 1009", c.CloseErr)
				}
			case <-time.After(waitTime):
				t.Fatal("an oversize frame did not close the socket")
			}
		})
	})
}

func asCloseError(err error, target **websocket.CloseError) bool {
	ce, ok := err.(*websocket.CloseError)
	if ok {
		*target = ce
	}
	return ok
}

// TestIDsPastTheDatabaseRange: an id over 2^63-1 fits the API's unsigned ids
// but no database column, and the drivers refuse it as a query argument. In a
// body it is a validation error naming the field, in a cursor a bad cursor;
// paths and socket frames are walked by the BOLA tests (farIDs).
func TestIDsPastTheDatabaseRange(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env, m := w.env, w.mallory
		for _, id := range []uint64{math.MaxInt64 + 1, math.MaxUint64} {
			for _, c := range []struct {
				path, field string
				body        map[string]any
			}{
				{"/api/v1/friends/requests", "userId", map[string]any{"userId": id}},
				{"/api/v1/chat/groups", "memberIds[1]", map[string]any{"name": "far", "memberIds": []uint64{w.malloryFriend.ID, id}}},
				{fmt.Sprintf("/api/v1/chat/groups/%d/members", w.malloryGroup), "userId", map[string]any{"userId": id}},
			} {
				attacks.Add(1)
				res := env.Post(t, c.path, m.AccessToken, c.body)
				expectRefused(t, res, http.StatusBadRequest, "validation_failed")
				if msg := res.ErrorFields()[c.field]; !strings.Contains(msg, "must be an id") {
					t.Fatalf("POST %s with %s=%d: fields %v", c.path, c.field, id, res.ErrorFields())
				}
			}
			cursor := *views.IDCursor(id).Encode()
			for _, path := range []string{"/api/v1/payments", "/api/v1/users?q=a"} {
				attacks.Add(1)
				res := env.Get(t, path+sep(path)+"cursor="+cursor, m.AccessToken)
				expectRefused(t, res, http.StatusBadRequest, "validation_failed")
				if res.ErrorFields()["cursor"] == "" {
					t.Fatalf("GET %s with a cursor past %d: %s", path, id, res.Body)
				}
			}
			attacks.Add(1)
			res := env.Get(t, "/api/v1/admin/users?cursor="+cursor, w.admin.AccessToken)
			expectRefused(t, res, http.StatusBadRequest, "validation_failed")
		}
		// Nothing was made on the way.
		res := env.Get(t, "/api/v1/chat/groups", m.AccessToken)
		testenv.Expect(t, res, http.StatusOK)
		if strings.Contains(string(res.Body), `"far"`) {
			t.Fatalf("a group was made: %s", res.Body)
		}
	})
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}
