package sockets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/controllers"
	"workcomm/models"
)

// Benchmarks of the delivery hot path, in benchstat form:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./sockets/ | tee new.txt
//	benchstat old.txt new.txt

// benchRoom is the group every benchmark socket is in.
const benchRoom = 7

// benchMessage is a typical chat message: a 100-character body and a client id.
func benchMessage() *models.Message {
	cid := "0f8fad5b-d9cb-469f-a165-70867728950e"
	return &models.Message{ID: 123456, ConvType: models.ConvGroup, ConvID: benchRoom, Seq: 98765, SenderID: 42,
		Body: strings.Repeat("lorem ipsum ", 8) + "dolor", ClientMsgID: &cid, CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

// BenchmarkEnvelopeEncode measures encoding one message.new frame, done once
// per message by the publishing node.
func BenchmarkEnvelopeEncode(b *testing.B) {
	m := benchMessage()
	b.ReportAllocs()
	for b.Loop() {
		_ = encodeFrame("message.new", nil, messageData{Message: controllers.NewMessageView(m)})
	}
}

// BenchmarkEnvelopeDecode measures reading one message.send request: the
// envelope, then its data decoded strictly.
func BenchmarkEnvelopeDecode(b *testing.B) {
	raw := []byte(`{"type":"message.send","id":"r17","data":{"groupId":7,"body":"` + strings.Repeat("lorem ipsum ", 8) +
		`","clientMsgId":"0f8fad5b-d9cb-469f-a165-70867728950e"}}`)
	b.ReportAllocs()
	for b.Loop() {
		var req frame
		if err := json.Unmarshal(raw, &req); err != nil {
			b.Fatal(err)
		}
		var in struct {
			target
			Body        string  `json:"body"`
			ClientMsgID *string `json:"clientMsgId"`
		}
		if err := decodeData(req.Data, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// groupEvent is the broker payload of one message.new to benchRoom.
func groupEvent() []byte {
	e := &event{op: opDeliver, hub: hubGroup, room: benchRoom,
		frame: encodeFrame("message.new", nil, messageData{Message: controllers.NewMessageView(benchMessage())})}
	return e.encode()
}

var fanOutSizes = []int{50, 500, 5000}

// BenchmarkHubDeliver measures one node taking a group message from the
// broker and queueing it for every socket in the room (no network): the
// per-message and per-recipient cost of the hub alone.
func BenchmarkHubDeliver(b *testing.B) {
	for _, n := range fanOutSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			srv := testServer()
			clients := make([]*client, n)
			for i := range clients {
				clients[i] = testClient(srv, srv.group, uint64(i+1))
				srv.group.add(clients[i])
				srv.group.ready(clients[i], []uint64{benchRoom}, func([]uint64) []byte { return nil })
				clients[i].takeAnswers()
			}
			payload := groupEvent()
			b.ReportAllocs()
			for b.Loop() {
				srv.receive(payload)
				for _, c := range clients {
					drainQueued(c)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// BenchmarkFanOut measures a group message reaching every one of N real
// WebSocket clients on loopback: hub, writers, the kernel and the clients'
// reads together. One op is one message delivered to all N.
func BenchmarkFanOut(b *testing.B) {
	for _, n := range fanOutSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			srv := testServer()
			var got atomic.Int64
			var ids atomic.Uint64
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := srv.upgrader.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				startBenchClient(srv, conn, ids.Add(1))
			}))
			defer ts.Close()
			url := "ws" + strings.TrimPrefix(ts.URL, "http")
			conns := make([]*websocket.Conn, n)
			done := make(chan struct{}, n)
			for i := range conns {
				c, _, err := websocket.DefaultDialer.Dial(url, nil)
				if err != nil {
					b.Fatalf("dial %d: %v", i, err)
				}
				conns[i] = c
				if _, _, err := c.ReadMessage(); err != nil { // ready
					b.Fatal(err)
				}
				go func() {
					for {
						if _, _, err := c.ReadMessage(); err != nil {
							return
						}
						if got.Add(1)%int64(n) == 0 {
							done <- struct{}{}
						}
					}
				}()
			}
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			payload := groupEvent()
			b.ReportAllocs()
			for b.Loop() {
				srv.receive(payload)
				<-done // every client has read it
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// startBenchClient serves conn as a group socket in benchRoom without the
// database: the parts of Server.serve that delivery exercises.
func startBenchClient(srv *Server, conn *websocket.Conn, userID uint64) {
	c := newClient(srv, srv.group, conn, &models.User{ID: userID})
	srv.group.add(c)
	srv.group.ready(c, []uint64{benchRoom}, func([]uint64) []byte { return []byte(`{"type":"ready"}`) })
	c.startWriting()
	go func() {
		_ = c.readLoop()
		c.close(websocket.CloseNormalClosure, "")
		srv.group.remove(c)
	}()
}

// drainQueued empties a queue-only client, as its writer would.
func drainQueued(c *client) { takeQueued(c) }
