package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"workcomm/mail"
	"workcomm/testenv"
)

func TestQueueSendsInTheBackgroundAndDrainsOnClose(t *testing.T) {
	mp := testenv.StartMailpit(t)
	m, err := mail.New(mail.Options{SMTPURL: mp.SMTPURL("smtp", ""), From: from, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	q := mail.NewQueue(m, 0, nil)
	for i := range 5 {
		msg, err := mail.PasswordResetMessage(mail.English, "queued"+string(rune('a'+i))+"@example.com",
			mail.PasswordReset{Name: "Q", Link: mail.ResetLink("https://chat.example.com", newToken(t)), ValidFor: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if !q.Enqueue(msg) {
			t.Fatal("the queue refused a mail")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(mp.Search(t, `subject:"Reset your WorkComm password"`)); n != 5 {
		t.Fatalf("%d mails arrived after Close, want 5", n)
	}
	if q.Enqueue(mail.Message{To: "late@example.com", Subject: "s", Text: "t"}) {
		t.Fatal("a closed queue took a mail")
	}
}

// blockingMailer holds every Send until released.
type blockingMailer struct {
	entered chan struct{} // one token per Send started
	release chan struct{}
	mu      sync.Mutex
	sent    int
}

func (b *blockingMailer) Send(ctx context.Context, _ mail.Message) error {
	b.entered <- struct{}{}
	<-b.release
	b.mu.Lock()
	b.sent++
	b.mu.Unlock()
	return nil
}

func TestQueueFullDropsAndCloseHonoursItsDeadline(t *testing.T) {
	b := &blockingMailer{entered: make(chan struct{}, 10), release: make(chan struct{})}
	var logs bytes.Buffer
	q := mail.NewQueue(b, 2, slog.New(slog.NewTextHandler(&logs, nil)))
	msg := mail.Message{To: "x@example.com", Subject: "s", Text: "t"}
	// One is taken by the sender (blocked), two wait, the fourth is dropped.
	accepted := 0
	for i := range 4 {
		if q.Enqueue(msg) {
			accepted++
		}
		if i == 0 {
			<-b.entered
		}
	}
	if accepted != 3 || !strings.Contains(logs.String(), "queue is full") {
		t.Fatalf("accepted %d of 4 (want 3); logs:\n%s", accepted, logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); err == nil {
		t.Fatal("Close returned before the stuck sends finished")
	}
	close(b.release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.sent != 3 {
		t.Fatalf("%d sent, want the 3 accepted", b.sent)
	}
}

func TestQueueLogsAFailureWithoutTheBody(t *testing.T) {
	var logs syncBuffer
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	m, err := mail.New(mail.Options{SMTPURL: "smtp://" + addr, From: from, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	q := mail.NewQueue(m, 0, slog.New(slog.NewTextHandler(&logs, nil)))
	token := newToken(t)
	msg, _ := mail.PasswordResetMessage(mail.English, "y@example.com", mail.PasswordReset{Name: "Y", Link: mail.ResetLink("https://chat.example.com", token), ValidFor: time.Hour})
	q.Enqueue(msg)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "mail not sent") || strings.Contains(logs.String(), token) {
		t.Fatalf("want the failure logged without the token:\n%s", logs.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
