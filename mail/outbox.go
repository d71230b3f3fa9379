package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Outbox is the development Mailer: each message becomes an .eml file (open it
// with any mail client, or read it as text) in one folder, data/outbox/ by
// default. Files are private to the server's user: a reset mail holds a live
// token.
type Outbox struct {
	dir  string
	from string
	log  *slog.Logger
}

// NewOutbox writes into dir (created on first Send).
func NewOutbox(dir, from string, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{dir: dir, from: from, log: log}
}

// Dir is the folder the files go to.
func (o *Outbox) Dir() string { return o.dir }

// Send writes msg as <time>-<random>.eml; the name sorts by creation. The
// file appears whole (written aside, then renamed), so a reader polling the
// folder never sees half a message.
func (o *Outbox) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m, err := compose(o.from, msg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return fmt.Errorf("mail: outbox %s: %w", o.dir, err)
	}
	name := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + randomHex(4) + ".eml"
	tmp, err := os.CreateTemp(o.dir, ".writing-*")
	if err != nil {
		return fmt.Errorf("mail: outbox %s: %w", o.dir, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("mail: outbox: writing: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail: outbox: writing: %w", err)
	}
	path := filepath.Join(o.dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	o.log.Info("mail written to the outbox (no SMTP_URL)", "path", path, "subject", msg.Subject)
	return nil
}
