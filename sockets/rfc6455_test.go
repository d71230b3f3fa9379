package sockets

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"workcomm/broker"
)

// rfcFrame is one frame as RFC 6455 section 5.2 lays it out, read by
// readRFCFrame, a decoder that shares no code with the writer.
type rfcFrame struct {
	header  []byte // the bytes before the payload
	fin     bool
	rsv     byte
	opcode  byte
	masked  bool
	payload []byte
}

// readRFCFrame reads one frame from r, failing the test on a frame a server
// must not send: masked, with reserved bits, or with a length not in its
// shortest form.
func readRFCFrame(t testing.TB, r io.Reader) rfcFrame {
	t.Helper()
	var f rfcFrame
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatalf("reading a frame header: %v", err)
	}
	f.fin, f.rsv, f.opcode = head[0]&0x80 != 0, head[0]&0x70, head[0]&0x0f
	f.masked = head[1]&0x80 != 0
	n := uint64(head[1] & 0x7f)
	f.header = head
	switch n {
	case 126:
		ext := make([]byte, 2)
		if _, err := io.ReadFull(r, ext); err != nil {
			t.Fatal(err)
		}
		f.header = append(f.header, ext...)
		if n = uint64(binary.BigEndian.Uint16(ext)); n < 126 {
			t.Fatalf("length %d in the 16-bit form: not the shortest", n)
		}
	case 127:
		ext := make([]byte, 8)
		if _, err := io.ReadFull(r, ext); err != nil {
			t.Fatal(err)
		}
		f.header = append(f.header, ext...)
		if n = binary.BigEndian.Uint64(ext); n <= 0xffff || n>>63 != 0 {
			t.Fatalf("length %d in the 64-bit form: not the shortest, or the top bit set", n)
		}
	}
	if f.masked {
		t.Fatalf("a server frame is masked (header % x)", f.header)
	}
	if f.rsv != 0 {
		t.Fatalf("reserved bits set (header % x)", f.header)
	}
	if f.opcode >= opClose && (n > maxControlPayload || !f.fin) {
		t.Fatalf("control frame %#x of %d bytes, fin=%v", f.opcode, n, f.fin)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		t.Fatalf("reading a payload of %d bytes: %v", n, err)
	}
	return f
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// testDelivery is a node's delivery on an in-process broker.
func testDelivery(t testing.TB) *Delivery {
	t.Helper()
	d, err := NewDelivery(context.Background(), broker.NewInProcess(), prometheus.NewRegistry(), quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// pipeWriter is a writer on one end of a net.Pipe; the test reads the other
// end, frame by frame (the pipe holds nothing: a write waits for the read).
func pipeWriter(t testing.TB, d *Delivery) (*writer, net.Conn) {
	t.Helper()
	server, peer := net.Pipe()
	t.Cleanup(func() { server.Close(); peer.Close() })
	w := new(writer)
	w.attach(server, d.pacer, d.metrics.slowCloses)
	return w, peer
}

// hubClient is a socket of userID in h whose writer writes to a pipe; only
// the hub and the writer are exercised (nothing reads from the client).
func hubClient(t testing.TB, d *Delivery, h *hub, userID uint64) (*client, net.Conn) {
	t.Helper()
	server, peer := net.Pipe()
	t.Cleanup(func() { server.Close(); peer.Close() })
	c := &client{hub: h, userID: userID}
	c.out.attach(server, d.pacer, d.metrics.slowCloses)
	h.add(c)
	return c, peer
}

// within fails the test unless done closes before the deadline.
func within(t testing.TB, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
