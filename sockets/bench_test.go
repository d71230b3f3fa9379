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

	"workcomm/models"
	"workcomm/views"
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
		_ = encodeEnvelope("message.new", nil, views.MessageEvent{Message: views.NewMessage(m)})
	}
}

// BenchmarkEnvelopeDecode measures reading one message.send request: the
// envelope, then its data decoded strictly.
func BenchmarkEnvelopeDecode(b *testing.B) {
	raw := []byte(`{"type":"message.send","id":"r17","data":{"groupId":7,"body":"` + strings.Repeat("lorem ipsum ", 8) +
		`","clientMsgId":"0f8fad5b-d9cb-469f-a165-70867728950e"}}`)
	b.ReportAllocs()
	for b.Loop() {
		var req envelope
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
	e := &brokerEvent{op: opDeliver, hub: hubGroup, room: benchRoom,
		envelope: encodeEnvelope("message.new", nil, views.MessageEvent{Message: views.NewMessage(benchMessage())})}
	return e.encode()
}

var fanOutSizes = []int{50, 500, 5000}

// BenchmarkHubDeliver measures one node taking a group message from the
// broker and queueing it for every socket in the room (no network): the
// per-message and per-recipient cost of the hub alone.
func BenchmarkHubDeliver(b *testing.B) {
	for _, n := range fanOutSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			d := testDelivery(b)
			clients := make([]*client, n)
			for i := range clients {
				// Writers held (never started): the frames stay queued,
				// and the loop empties the queues as a writer would.
				clients[i], _ = hubClient(b, d, d.group, uint64(i+1))
				d.group.ready(clients[i], []uint64{benchRoom})
			}
			payload := groupEvent()
			b.ReportAllocs()
			for b.Loop() {
				d.receive(payload)
				for _, c := range clients {
					drainPushed(c)
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
			d := testDelivery(b)
			// One message at a time, each written at once: the pacer (whose
			// gap would grow with this rate) is the load tool's to measure.
			d.stop()
			var got atomic.Int64
			var ids atomic.Uint64
			var upgrader websocket.Upgrader
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := upgrader.Upgrade(w, r, nil)
				if err != nil {
					return
				}
				startBenchClient(d, conn, ids.Add(1))
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
				d.receive(payload)
				<-done // every client has read it
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// startBenchClient serves conn as a group socket in benchRoom without the
// database: the parts of Server.serve that delivery exercises.
func startBenchClient(d *Delivery, conn *websocket.Conn, userID uint64) {
	c := newClient(d.group, conn, d.pacer, d.metrics.slowCloses, &models.User{ID: userID})
	d.group.add(c)
	d.group.ready(c, []uint64{benchRoom})
	c.out.answerNow([]byte(`{"type":"ready"}`))
	c.out.start()
	go func() {
		_ = c.readLoop(func(int, []byte) {})
		c.out.close(websocket.CloseNormalClosure, "")
		d.group.remove(c)
	}()
}

// drainPushed empties a held writer's queue, as its goroutine would (the
// frame is the same every time: nothing to let go of).
func drainPushed(c *client) {
	c.out.mu.Lock()
	c.out.pushed = c.out.pushed[:0]
	c.out.mu.Unlock()
}
