package sockets

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// testClient is a client with queues and no connection: the hub only queues.
func testClient(srv *Server, h *hub, userID uint64) *client {
	return &client{srv: srv, hub: h, userID: userID,
		room: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		done: make(chan struct{}), writerDone: make(chan struct{})}
}

func testServer() *Server {
	return &Server{metrics: newMetrics(prometheus.NewRegistry()), private: newHub(hubPrivate), group: newHub(hubGroup)}
}

func prepared(t *testing.T, s string) []byte {
	t.Helper()
	return newWireFrame([]byte(s))
}

// takeQueued empties a queue-only client's pushed frames, as its writer
// would, and returns how many there were.
func takeQueued(c *client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.pushed)
	c.pushed = c.pushed[:0]
	return n
}

func TestSlowClientIsClosedWith1013AndNeverBlocksTheHub(t *testing.T) {
	srv := testServer()
	slow, fast := testClient(srv, srv.private, 1), testClient(srv, srv.private, 2)
	srv.private.add(slow)
	srv.private.add(fast)
	pm := prepared(t, `{"type":"message.new"}`)
	for i := 0; i <= sendQueue; i++ { // one more than the queue holds
		srv.private.deliverUsers([]uint64{1, 2}, 0, pm)
		takeQueued(fast) // the fast client keeps up; the slow one reads nothing
	}
	select {
	case <-slow.done:
	default:
		t.Fatal("a client with a full queue is still open")
	}
	if slow.closeCode != websocket.CloseTryAgainLater {
		t.Fatalf("closed with %d, want 1013", slow.closeCode)
	}
	if fast.closing.Load() {
		t.Fatal("a client that keeps up was closed")
	}
}

func TestMembershipChangesDuringLoadingAreReplayedInOrder(t *testing.T) {
	cases := []struct {
		story    string
		snapshot []uint64
		changes  []pendingChange
		want     []uint64
	}{
		{"added after the rooms were read", []uint64{1}, []pendingChange{{join: true, room: 2}}, []uint64{1, 2}},
		{"removed after the rooms were read", []uint64{1, 2}, []pendingChange{{join: false, room: 2}}, []uint64{1}},
		{"removed then added again", nil, []pendingChange{{join: false, room: 3}, {join: true, room: 3}}, []uint64{3}},
		{"added then removed", []uint64{3}, []pendingChange{{join: true, room: 3}, {join: false, room: 3}}, []uint64{}},
	}
	for _, tc := range cases {
		t.Run(tc.story, func(t *testing.T) {
			srv := testServer()
			c := testClient(srv, srv.group, 7)
			srv.group.add(c)
			for _, ch := range tc.changes {
				pm := prepared(t, `{"type":"group.joined"}`)
				if ch.join {
					srv.group.join([]uint64{7}, ch.room, pm)
				} else {
					srv.group.leave([]uint64{7}, ch.room, pm)
				}
			}
			if c.queued() != 0 {
				t.Fatal("a loading client was sent a membership frame before ready")
			}
			var ready []uint64
			srv.group.ready(c, tc.snapshot, func(rooms []uint64) []byte {
				ready = slices.Sorted(slices.Values(rooms))
				return []byte(`{"type":"ready"}`)
			})
			if fmt.Sprint(ready) != fmt.Sprint(tc.want) {
				t.Fatalf("ready rooms %v, want %v", ready, tc.want)
			}
			for _, r := range tc.want {
				if _, in := srv.group.rooms[r][c]; !in {
					t.Fatalf("not in room %d", r)
				}
			}
			if a := c.takeAnswers(); len(a) != 1 || string(a[0]) != `{"type":"ready"}` {
				t.Fatalf("answers %q, want the ready frame alone", a)
			}
		})
	}
}

func TestBrokerEventsSurviveTheWire(t *testing.T) {
	in := &event{op: opDeliver, hub: hubGroup, room: 42, exclude: 7, users: []uint64{1, 2, 1 << 40},
		frame: []byte(`{"type":"typing","data":{"userId":7}}`)}
	out, err := decodeEvent(in.encode())
	if err != nil {
		t.Fatal(err)
	}
	if out.op != in.op || out.hub != in.hub || out.room != in.room || out.exclude != in.exclude ||
		!slices.Equal(out.users, in.users) || string(out.frame) != string(in.frame) || !json.Valid(out.frame) {
		t.Fatalf("decoded %+v, want %+v", out, in)
	}
	lying := make([]byte, headerSize)
	binary.BigEndian.PutUint32(lying[18:], 1000) // claims 1000 users it does not carry
	for _, bad := range [][]byte{nil, in.encode()[:10], lying} {
		if _, err := decodeEvent(bad); err == nil {
			t.Fatalf("a truncated event decoded: %v", bad)
		}
	}
}

func TestWritersCoalesceOnlyWhenTheNodeIsBusy(t *testing.T) {
	cases := []struct {
		story string
		rate  float64
		want  time.Duration
	}{
		{"a quiet node writes at once", 1000, 0},
		{"up to the threshold nothing waits", coalesceFrom, 0},
		{"halfway, half the longest gap", (coalesceFrom + coalesceFull) / 2, maxFlushGap / 2},
		{"a saturated node waits the longest gap, no more", 10 * coalesceFull, maxFlushGap},
	}
	for _, tc := range cases {
		t.Run(tc.story, func(t *testing.T) {
			if got := flushGap(tc.rate); got != tc.want {
				t.Fatalf("flushGap(%.0f) = %v, want %v", tc.rate, got, tc.want)
			}
		})
	}
}
