package sockets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// payloadOf is n bytes of text, different at each position.
func payloadOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// The lengths at the edges of RFC 6455's three length encodings.
var edgeLengths = []int{0, 1, 125, 126, 127, 65535, 65536, 70000}

func TestWriterFramesEveryLengthInItsShortestForm(t *testing.T) {
	d := testDelivery(t)
	for _, n := range edgeLengths {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			w, peer := pipeWriter(t, d)
			payload := payloadOf(n)
			w.push(newWireFrame(payload))
			w.answerNow(payload)
			w.start()
			var want []byte
			switch {
			case n <= 125:
				want = []byte{0x81, byte(n)}
			case n <= 65535:
				want = []byte{0x81, 126, byte(n >> 8), byte(n)}
			default:
				want = binary.BigEndian.AppendUint64([]byte{0x81, 127}, uint64(n))
			}
			for _, kind := range []string{"the answer", "the pushed frame"} {
				f := readRFCFrame(t, peer)
				if !bytes.Equal(f.header, want) || !f.fin || f.opcode != opText || !bytes.Equal(f.payload, payload) {
					t.Fatalf("%s: header % x (want % x), %d payload bytes", kind, f.header, want, len(f.payload))
				}
			}
		})
	}
}

func TestWriterControlFrames(t *testing.T) {
	d := testDelivery(t)
	long := strings.Repeat("r", 200)
	cases := []struct {
		story  string
		do     func(w *writer)
		opcode byte
		want   []byte
	}{
		{"a ping has no payload", func(w *writer) { w.ping() }, opPing, []byte{}},
		{"a pong echoes the ping's payload", func(w *writer) { w.pongTo([]byte("abc")) }, opPong, []byte("abc")},
		{"a close carries its code and reason", func(w *writer) { w.close(1000, "bye") }, opClose, []byte{0x03, 0xe8, 'b', 'y', 'e'}},
		{"a close without status (1005) carries nothing", func(w *writer) { w.close(closeNoStatus, "") }, opClose, []byte{}},
		{"a close reason is cut to fit 125 bytes", func(w *writer) { w.close(1001, long) }, opClose,
			append([]byte{0x03, 0xe9}, long[:123]...)},
	}
	for _, tc := range cases {
		t.Run(tc.story, func(t *testing.T) {
			w, peer := pipeWriter(t, d)
			w.start()
			tc.do(w)
			f := readRFCFrame(t, peer)
			if f.opcode != tc.opcode || !f.fin || !bytes.Equal(f.payload, tc.want) {
				t.Fatalf("opcode %#x payload %q, want %#x %q", f.opcode, f.payload, tc.opcode, tc.want)
			}
		})
	}
}

func TestWriterSendsAnswersFirstAndNothingAfterTheCloseFrame(t *testing.T) {
	d := testDelivery(t)
	w, peer := pipeWriter(t, d)
	w.push(newWireFrame([]byte(`{"type":"message.new"}`)))
	w.answerNow([]byte(`{"type":"ready"}`)) // queued second, written first
	w.start()
	for _, want := range []string{`{"type":"ready"}`, `{"type":"message.new"}`} {
		if f := readRFCFrame(t, peer); string(f.payload) != want {
			t.Fatalf("read %q, want %q", f.payload, want)
		}
	}
	w.close(1000, "")
	w.push(newWireFrame([]byte(`{"type":"late"}`)))
	if f := readRFCFrame(t, peer); f.opcode != opClose {
		t.Fatalf("read opcode %#x %q, want the close frame", f.opcode, f.payload)
	}
	within(t, w.finished(), "the writer to end after its close frame")
	w.ping() // a writer that ended writes nothing more
	_ = peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := peer.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("read %d bytes after the close frame (%v)", n, err)
	}
}

func TestWriterEndsItsGoroutineWhenIdleAndStartsAgain(t *testing.T) {
	d := testDelivery(t)
	w, peer := pipeWriter(t, d)
	w.start()
	w.push(newWireFrame([]byte(`{"n":1}`)))
	readRFCFrame(t, peer)
	deadline := time.Now().Add(writerLinger + 3*time.Second)
	for running := true; running; time.Sleep(20 * time.Millisecond) {
		w.mu.Lock()
		running = w.running
		w.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("an idle writer still runs after its linger")
		}
	}
	w.push(newWireFrame([]byte(`{"n":2}`)))
	if f := readRFCFrame(t, peer); string(f.payload) != `{"n":2}` {
		t.Fatalf("after idling, read %q", f.payload)
	}
}

// A real WebSocket client (gorilla's) reads what the writer wrote, over TCP:
// every length form in order, then the close frame with its code and reason.
func TestWriterIsReadByAWebSocketClient(t *testing.T) {
	d := testDelivery(t)
	var upgrader websocket.Upgrader
	allRead, serverDone := make(chan struct{}), make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(rw, r, nil)
		if err != nil {
			return
		}
		defer close(serverDone)
		defer conn.Close()
		w := new(writer)
		w.attach(conn.NetConn(), d.pacer, d.metrics.slowCloses)
		for _, n := range edgeLengths {
			w.push(newWireFrame(payloadOf(n)))
		}
		w.answerNow([]byte("first"))
		w.start()
		<-allRead
		w.close(websocket.CloseGoingAway, "server shutting down")
		<-w.finished()
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, _ = conn.ReadMessage() // the client's answering close frame
	}))
	defer ts.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	want := [][]byte{[]byte("first")}
	for _, n := range edgeLengths {
		want = append(want, payloadOf(n))
	}
	for i, w := range want {
		typ, data, err := conn.ReadMessage()
		if err != nil || typ != websocket.TextMessage || !bytes.Equal(data, w) {
			t.Fatalf("message %d: type %d, %d bytes (want %d), %v", i, typ, len(data), len(w), err)
		}
	}
	close(allRead)
	_, _, err = conn.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway || ce.Text != "server shutting down" {
		t.Fatalf("after the messages: %v, want close 1001 with its reason", err)
	}
	within(t, serverDone, "the server side")
}
