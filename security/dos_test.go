package security_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"workcomm/configs"
	"workcomm/testenv"
	"workcomm/wsclient"
)

// An attacker (or a stalled database) who ties up every pooled connection
// must not hold other clients forever: their requests wait at most
// REQUEST_TIMEOUT, answer 503 unavailable, and the server recovers as soon as
// connections free up.
func TestExhaustedPoolAnswers503AndRecovers(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		const deadline = 500 * time.Millisecond
		env := testenv.New(t, kind, func(c *configs.Config) { c.RequestTimeout = deadline })
		u := env.Register(t, "victim")
		sqlDB, err := env.App.DB.DB()
		if err != nil {
			t.Fatal(err)
		}
		if kind == testenv.Postgres {
			sqlDB.SetMaxOpenConns(2) // SQLite has one connection already
		}
		ctx := context.Background()
		var held []*sql.Conn
		release := func() {
			for _, c := range held {
				c.Close()
			}
			held = nil
		}
		defer release()
		for range sqlDB.Stats().MaxOpenConnections {
			c, err := sqlDB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}

		t.Run("a request waits for the deadline, then answers 503 unavailable", func(t *testing.T) {
			res := within(t, waitTime, func() *testenv.Response { return env.Get(t, "/api/v1/users/me", u.AccessToken) })
			expectRefused(t, res, http.StatusServiceUnavailable, "unavailable")
		})
		t.Run("a write answers the same and changes nothing", func(t *testing.T) {
			res := within(t, waitTime, func() *testenv.Response {
				return env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]any{"displayName": "changed under load"})
			})
			expectRefused(t, res, http.StatusServiceUnavailable, "unavailable")
		})
		t.Run("a socket handshake answers 503 the same way", func(t *testing.T) {
			done := make(chan [2]any, 1)
			go func() {
				status, code := handshake(t, env, "/ws/private", http.Header{"Authorization": {"Bearer " + u.AccessToken}})
				done <- [2]any{status, code}
			}()
			select {
			case got := <-done:
				if got[0] != http.StatusServiceUnavailable || got[1] != "unavailable" {
					t.Fatalf("handshake answered %v %v", got[0], got[1])
				}
			case <-time.After(waitTime):
				t.Fatalf("the handshake did not answer within %s", waitTime)
			}
		})
		t.Run("/healthz needs no database and stays 200", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/healthz", ""), http.StatusOK)
		})
		t.Run("/readyz says the database is unavailable", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/readyz", ""), http.StatusServiceUnavailable)
		})

		release()
		t.Run("once connections free up the same requests succeed", func(t *testing.T) {
			res := env.Get(t, "/api/v1/users/me", u.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var me struct{ DisplayName string }
			res.JSON(t, &me)
			if me.DisplayName == "changed under load" {
				t.Fatal("the write that answered 503 was applied")
			}
			testenv.Expect(t, env.Get(t, "/readyz", ""), http.StatusOK)
		})
	})
}

// within runs a request and fails the test if it has not answered in d (a
// hang is the failure being tested for, so it must not hang the suite).
func within(t *testing.T, d time.Duration, do func() *testenv.Response) *testenv.Response {
	t.Helper()
	done := make(chan *testenv.Response, 1)
	go func() { done <- do() }()
	select {
	case res := <-done:
		return res
	case <-time.After(d):
		t.Fatalf("no answer within %s", d)
		return nil
	}
}

// A member flooding their group socket with requests that cost the server
// work (read marks, which fan out to every member, and syncs, which read the
// database) is throttled after a burst, cheaply, while the other members'
// sockets carry on.
func TestSocketRequestFloodIsThrottled(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		w := newWorld(t, kind)
		env := w.env
		flooder := dial(t, env, "/ws/group", w.malloryFriend)
		victim := dial(t, env, "/ws/group", w.mallory)
		const frames = 1000
		start := time.Now()
		for i := range frames {
			typ, data := "read", map[string]any{"groupId": w.malloryGroup, "seq": 1}
			if i%2 == 1 {
				typ, data = "sync", map[string]any{"conversations": []map[string]any{{"groupId": w.malloryGroup, "afterSeq": 0}}}
			}
			raw, _ := json.Marshal(map[string]any{"type": typ, "id": fmt.Sprintf("f%d", i), "data": data})
			if err := flooder.WriteRaw(raw); err != nil {
				t.Fatal(err)
			}
		}
		// A last ping marks the end: answers come in request order.
		if err := flooder.WriteRaw([]byte(`{"type":"ping","id":"end"}`)); err != nil {
			t.Fatal(err)
		}
		limited := 0
		deadline := time.After(waitTime)
		for done := false; !done; {
			select {
			case e := <-flooder.Events:
				if e.Type == "error" {
					var body struct{ Code string }
					_ = json.Unmarshal(e.Data, &body)
					if body.Code != "rate_limited" {
						t.Fatalf("the flood was answered %s", e.Data)
					}
					limited++
				}
				done = e.ID == `"end"` || e.ID == "end"
			case <-deadline:
				t.Fatalf("the flood's answers stopped after %d refusals", limited)
			}
		}
		elapsed := time.Since(start)
		allowed := frames + 1 - limited
		attacks.Add(frames)
		// 100 at once, then 50 a second; a little slack for the clock.
		if max := 100 + int(50*elapsed.Seconds()) + 10; allowed > max {
			t.Fatalf("%d of %d flood requests were served in %s (at most %d allowed)", allowed, frames, elapsed, max)
		}
		t.Logf("flood: %d served, %d refused in %s", allowed, limited, elapsed)

		t.Run("the other member's socket still works", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTime)
			defer cancel()
			m, err := victim.SendMessage(ctx, wsclient.Target{GroupID: w.malloryGroup}, "still here", "after-flood")
			if err != nil {
				t.Fatalf("the victim's send: %v", err)
			}
			nextEvent(t, flooder, "message.new", isMessage(m.ID), nil)
		})
	})
}
