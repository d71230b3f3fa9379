package sockets_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/testenv"
)

// waitTime bounds every wait for a frame. Events arrive in milliseconds; this
// is only how long a test waits before it fails, never a sleep.
const waitTime = 10 * time.Second

// wsFrame is a server frame as a client reads it.
type wsFrame struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id"`
	Data json.RawMessage `json:"data"`
}

// wsMessage is the contract's Message inside message.* and ack frames.
type wsMessage struct {
	ID           uint64 `json:"id"`
	Conversation struct {
		Type string `json:"type"`
		ID   uint64 `json:"id"`
	} `json:"conversation"`
	Seq      uint64 `json:"seq"`
	SenderID uint64 `json:"senderId"`
	Body     string `json:"body"`
	Deleted  bool   `json:"deleted"`
}

// wsConn is a test client on a real WebSocket. Its methods take the calling
// test, so that a failure inside a subtest fails that subtest.
type wsConn struct {
	name string
	conn *websocket.Conn
}

func wsURL(env *testenv.Env, path string) string {
	return "ws" + strings.TrimPrefix(env.Server.URL, "http") + path
}

// dialRaw opens a socket with the given headers and returns what the
// handshake answered.
func dialRaw(env *testenv.Env, path string, header http.Header) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: waitTime}
	return d.Dial(wsURL(env, path), header)
}

// connect opens path as u and reads the ready frame, which must come first.
func connect(t testing.TB, env *testenv.Env, path string, u *testenv.User) (*wsConn, wsFrame) {
	t.Helper()
	conn, res, err := dialRaw(env, path, http.Header{"Authorization": {"Bearer " + u.AccessToken}})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial %s as %s: %v (status %d)", path, u.Username, err, status)
	}
	c := &wsConn{name: u.Username + path, conn: conn}
	t.Cleanup(func() { conn.Close() })
	ready := c.read(t)
	if ready.Type != "ready" {
		t.Fatalf("%s: first frame %q, want ready", c.name, ready.Type)
	}
	return c, ready
}

// send writes one request frame.
func (c *wsConn) send(t testing.TB, typ, id string, data any) {
	t.Helper()
	f := map[string]any{"type": typ}
	if id != "" {
		f["id"] = id
	}
	if data != nil {
		f["data"] = data
	}
	if err := c.conn.WriteJSON(f); err != nil {
		t.Fatalf("%s: send %s: %v", c.name, typ, err)
	}
}

// read returns the next frame, failing after waitTime.
func (c *wsConn) read(t testing.TB) wsFrame {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTime))
	var f wsFrame
	if err := c.conn.ReadJSON(&f); err != nil {
		t.Fatalf("%s: read: %v", c.name, err)
	}
	return f
}

// expect reads until a frame of type typ, skipping only the frame types in
// skip; any other frame fails the test. Presence frames arrive whenever
// someone connects, so most callers skip them.
func (c *wsConn) expect(t testing.TB, typ string, skip ...string) wsFrame {
	t.Helper()
	for {
		f := c.read(t)
		if f.Type == typ {
			return f
		}
		if !slices.Contains(skip, f.Type) {
			t.Fatalf("%s: got %s %s while waiting for %s", c.name, f.Type, f.Data, typ)
		}
	}
}

// expectMessage reads the next message frame of type typ (presence skipped).
func (c *wsConn) expectMessage(t testing.TB, typ string) wsMessage {
	t.Helper()
	var d struct {
		Message wsMessage `json:"message"`
	}
	decode(t, c.expect(t, typ, "presence").Data, &d)
	return d.Message
}

// expectError reads the next frame, which must be an error with the code and id.
func (c *wsConn) expectError(t testing.TB, code, id string) {
	t.Helper()
	f := c.expect(t, "error", "presence")
	var d struct {
		Code string `json:"code"`
	}
	decode(t, f.Data, &d)
	if d.Code != code || (id != "" && string(f.ID) != `"`+id+`"`) {
		t.Fatalf("%s: error %s id %s, want %s id %q", c.name, f.Data, f.ID, code, id)
	}
}

// expectClose reads until the server closes the socket and checks the code.
func (c *wsConn) expectClose(t testing.TB, code int) {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTime))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Fatalf("%s: closed with %v, want close code %d", c.name, err, code)
		}
		return
	}
}

// roundTrip sends a ping and waits for its pong: the socket is open and has
// answered everything sent before it.
func (c *wsConn) roundTrip(t testing.TB, id string) {
	t.Helper()
	c.send(t, "ping", id, nil)
	f := c.expect(t, "pong", "presence")
	if string(f.ID) != `"`+id+`"` {
		t.Fatalf("%s: pong id %s, want %q", c.name, f.ID, id)
	}
}

func decode(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// friends registers users and makes each pair friends.
func friends(t testing.TB, env *testenv.Env, names ...string) []*testenv.User {
	t.Helper()
	users := make([]*testenv.User, len(names))
	for i, n := range names {
		users[i] = env.Register(t, n)
	}
	for i, a := range users {
		for _, b := range users[i+1:] {
			env.Befriend(t, a, b)
		}
	}
	return users
}

// restSend posts a message through REST and returns it.
func restSend(t testing.TB, env *testenv.Env, path, token, body string) wsMessage {
	t.Helper()
	res := env.Post(t, path, token, map[string]any{"body": body})
	testenv.Expect(t, res, http.StatusCreated)
	var m wsMessage
	res.JSON(t, &m)
	return m
}

func privateMessages(to *testenv.User) string {
	return fmt.Sprintf("/api/v1/chat/private/%d/messages", to.ID)
}

func groupMessages(groupID uint64) string {
	return fmt.Sprintf("/api/v1/chat/groups/%d/messages", groupID)
}

// createGroup makes a group owned by owner and returns its id.
func createGroup(t testing.TB, env *testenv.Env, owner *testenv.User, members ...*testenv.User) uint64 {
	t.Helper()
	ids := make([]uint64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": "room", "memberIds": ids})
	testenv.Expect(t, res, http.StatusCreated)
	var g struct {
		ID uint64 `json:"id"`
	}
	res.JSON(t, &g)
	return g.ID
}
