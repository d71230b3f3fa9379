package sockets

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestSlowClientIsClosedWith1013AndNeverBlocksTheHub(t *testing.T) {
	d := testDelivery(t)
	slow, _ := hubClient(t, d, d.private, 1) // its peer never reads
	fast, fastPeer := hubClient(t, d, d.private, 2)
	slow.out.start()
	fast.out.start()
	for i := 0; i <= 2*sendQueue; i++ { // past what the slow one's queue holds
		f := newWireFrame(fmt.Appendf(nil, `{"type":"message.new","n":%d}`, i))
		if n := d.private.deliverUsers([]uint64{1, 2}, 0, f); n != 2 {
			t.Fatalf("delivered to %d sockets, want 2", n)
		}
		// The fast client keeps up: each frame reaches its peer before the next.
		if got := readRFCFrame(t, fastPeer); string(got.payload) != string(f[2:]) {
			t.Fatalf("fast client read %q, want frame %d", got.payload, i)
		}
	}
	within(t, slow.out.done, "the slow client to be closed")
	if slow.out.closeCode != closeTryAgainLater {
		t.Fatalf("closed with %d, want 1013", slow.out.closeCode)
	}
	if fast.out.isClosing() {
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
			d := testDelivery(t)
			c, peer := hubClient(t, d, d.group, 7)
			for _, ch := range tc.changes {
				f := newWireFrame([]byte(`{"type":"group.joined"}`))
				if ch.join {
					d.group.join([]uint64{7}, ch.room, f)
				} else {
					d.group.leave([]uint64{7}, ch.room, f)
				}
			}
			ready := slices.Sorted(slices.Values(d.group.ready(c, tc.snapshot)))
			if fmt.Sprint(ready) != fmt.Sprint(tc.want) {
				t.Fatalf("ready rooms %v, want %v", ready, tc.want)
			}
			for _, r := range tc.want {
				if _, in := d.group.rooms[r][c]; !in {
					t.Fatalf("not in room %d", r)
				}
			}
			// As Server.serve does: the ready frame, then the writer starts.
			c.out.answerNow([]byte(`{"type":"ready"}`))
			c.out.start()
			d.group.deliverUsers([]uint64{7}, 0, newWireFrame([]byte(`{"type":"after"}`)))
			for _, want := range []string{`{"type":"ready"}`, `{"type":"after"}`} {
				if f := readRFCFrame(t, peer); string(f.payload) != want {
					t.Fatalf("read %q, want %q: a loading client is sent no membership frame", f.payload, want)
				}
			}
		})
	}
}

func TestBrokerEventsSurviveTheWire(t *testing.T) {
	in := &brokerEvent{op: opDeliver, hub: hubGroup, room: 42, exclude: 7, users: []uint64{1, 2, 1 << 40},
		envelope: []byte(`{"type":"typing","data":{"userId":7}}`)}
	out, err := decodeBrokerEvent(in.encode())
	if err != nil {
		t.Fatal(err)
	}
	if out.op != in.op || out.hub != in.hub || out.room != in.room || out.exclude != in.exclude ||
		!slices.Equal(out.users, in.users) || string(out.envelope) != string(in.envelope) || !json.Valid(out.envelope) {
		t.Fatalf("decoded %+v, want %+v", out, in)
	}
	lying := make([]byte, headerSize)
	binary.BigEndian.PutUint32(lying[18:], 1000) // claims 1000 users it does not carry
	for _, bad := range [][]byte{nil, in.encode()[:10], lying} {
		if _, err := decodeBrokerEvent(bad); err == nil {
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
