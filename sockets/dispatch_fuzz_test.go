package sockets_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"workcomm/ratelimit"
	"workcomm/testenv"
)

// FuzzDispatch writes each input as one frame (text or binary) to a real
// socket of each kind, then a ping: whatever the frame, the socket stays open
// and answers the ping after it, and every error it answered is a client
// error of the contract, never `internal`. The rates are lifted so that the
// fuzzer reaches every handler instead of rate_limited.
func FuzzDispatch(f *testing.F) {
	env := testenv.New(f, testenv.SQLite)
	alice, bob := env.Register(f, "alice"), env.Register(f, "bob")
	env.Befriend(f, alice, bob)
	group := createGroup(f, env, alice, bob)
	lim := env.App.Services.Limits
	lim.Messages, lim.Typing, lim.SocketRequests = ratelimit.NewRate(1e6, 1e6), ratelimit.NewRate(1e6, 1e6), ratelimit.NewRate(1e6, 1e6)
	socks := map[bool]*wsConn{}
	for _, private := range []bool{true, false} {
		path := "/ws/group"
		if private {
			path = "/ws/private"
		}
		conn, _, err := dialRaw(env, path, http.Header{"Authorization": {"Bearer " + alice.AccessToken}})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { conn.Close() })
		socks[private] = &wsConn{name: path, conn: conn}
		socks[private].expect(f, "ready")
	}
	for _, seed := range []string{
		`{"type":"ping","id":1}`, `{"type":"ping","id":{"a":[1]}}`, `{"type":"message.send","id":"s","data":{"toUserId":%d,"body":"hi","clientMsgId":"c1"}}`,
		`{"type":"message.send","data":{"groupId":%d,"body":"hi"}}`, `{"type":"typing","data":{"groupId":%d}}`,
		`{"type":"read","data":{"toUserId":%d,"seq":99}}`, `{"type":"sync","id":"y","data":{"conversations":[{"groupId":%d,"afterSeq":0}]}}`,
		`{"type":"sync","data":{"conversations":[{"toUserId":%d,"afterSeq":18446744073709551615}]}}`,
		`{"type":"nope"}`, `{}`, `[]`, `null`, `{"type":"ping","data":` + strings.Repeat("[", 2000) + `}`, `not json`,
		`{"type":"message.send","data":{"groupId":1,"toUserId":1}}`, `{"type":"ping","id":"x","extra":true}`,
	} {
		if strings.Contains(seed, "%d") {
			seed = fmt.Sprintf(seed, map[bool]uint64{true: bob.ID, false: group}[strings.Contains(seed, "toUserId")])
		}
		f.Add([]byte(seed), strings.Contains(seed, "toUserId"), false)
	}
	f.Add([]byte{0xff, 0x00}, true, true)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, frame []byte, private, binary bool) {
		if len(frame) > 60<<10 {
			return // over the frame limit the socket closes with 1009 by design (tested elsewhere)
		}
		c := socks[private]
		typ := websocket.TextMessage
		if binary {
			typ = websocket.BinaryMessage
		}
		if err := c.conn.WriteMessage(typ, frame); err != nil {
			t.Fatalf("write: %v", err)
		}
		id := fmt.Sprintf("fuzz-%d", n.Add(1))
		c.send(t, "ping", id, nil)
		for {
			got := c.read(t)
			switch got.Type {
			case "pong":
				if string(got.ID) == `"`+id+`"` {
					return
				}
			case "error":
				var e struct{ Code string }
				decode(t, got.Data, &e)
				if e.Code == "internal" || e.Code == "" {
					t.Fatalf("frame %q answered %s", frame, got.Data)
				}
			case "":
				raw, _ := json.Marshal(got)
				t.Fatalf("a frame without a type: %s", raw)
			}
		}
	})
}
