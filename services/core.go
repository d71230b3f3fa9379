// Package services holds WorkComm's use cases, one type per domain, each in
// its own file: Auth (sessions and tokens), Users (profiles and people
// search), Friends, Chat (messages, history, read marks, typing; its group
// commit in committer.go), Groups, Payments, Admin and Presence. They share a
// Core (database, clock, configuration, logger, rate limits, who is online,
// and the Publisher that pushes events to every node's sockets).
//
// A controller or the socket layer makes one call to one of them and gets
// back what it shows: a views value, users and their presence included. The
// domains live in one package rather than one each because they share
// unexported rules (who may open a conversation, what a plan allows, how a
// session ends) that would otherwise become exported API.
package services

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"workcomm/configs"
	"workcomm/mail"
	"workcomm/models"
	"workcomm/presence"
	"workcomm/storage"
	"workcomm/twofactor"
	"workcomm/views"
)

// Core is what every domain shares. Its fields are set once, by app.Open.
type Core struct {
	Config *configs.Config
	DB     *gorm.DB
	Log    *slog.Logger
	Limits *Limits
	// Publisher pushes events to the sockets of every node (sockets.Delivery).
	Publisher Publisher
	// Tracker counts sockets per user on every node: who is online.
	Tracker presence.Tracker
	// Storage keeps uploaded files (attachments, avatars): a folder or an
	// S3 bucket that every node shares (STORAGE_URL).
	Storage *storage.Store
	// Links signs and checks the expiring links of stored files, for an
	// <img> that sends no Authorization header.
	Links *storage.Links
	// BcryptCost is the cost of new password hashes.
	BcryptCost int
	// Mailer is the mail transport (mail.Disabled when the server has none);
	// MailQueue sends through it in the background, so that no request waits
	// on SMTP.
	Mailer    mail.Mailer
	MailQueue *mail.Queue
	// TwoFactorKeys seal TOTP secrets and hash recovery codes.
	TwoFactorKeys *twofactor.Keys
	// Jobs runs work after a request has answered (services.Jobs).
	Jobs *Jobs
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// now is the clock, in UTC.
func (c *Core) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Clock is the current time in UTC, by the core's clock.
func (c *Core) Clock() time.Time { return c.now() }

// online reports which of ids have a socket open on any node. If presence
// cannot be read, nobody is shown online rather than failing the request.
func (c *Core) online(ctx context.Context, ids []uint64) map[uint64]bool {
	online, err := c.Tracker.Online(ctx, ids)
	if err != nil {
		c.Log.WarnContext(ctx, "presence unavailable", "err", err)
	}
	return online
}

// publicUser builds one user's public view with their presence.
func (c *Core) publicUser(ctx context.Context, u *models.User) views.PublicUser {
	v := views.NewPublicUser(u, c.online(ctx, []uint64{u.ID})[u.ID])
	v.AvatarURL = c.avatarURL(u)
	return v
}

// publicUsers builds the public views of users, in order, with one presence
// lookup for all.
func (c *Core) publicUsers(ctx context.Context, users []*models.User) []views.PublicUser {
	ids := make([]uint64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	online := c.online(ctx, ids)
	out := make([]views.PublicUser, len(users))
	for i, u := range users {
		out[i] = views.NewPublicUser(u, online[u.ID])
		out[i].AvatarURL = c.avatarURL(u)
	}
	return out
}

// publicUsersByID loads users (deleted ones too, shown as deleted) and builds
// their public views, keyed by id.
func (c *Core) publicUsersByID(ctx context.Context, ids []uint64) (map[uint64]views.PublicUser, error) {
	users, err := models.UsersByIDs(ctx, c.DB, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*models.User, 0, len(users))
	for _, u := range users {
		list = append(list, u)
	}
	out := make(map[uint64]views.PublicUser, len(list))
	for _, v := range c.publicUsers(ctx, list) {
		out[v.ID] = v
	}
	return out, nil
}

// Page is a decoded ?limit=&cursor= pair.
type Page struct {
	Limit int
	After views.Cursor
}

// keyset is the position of a list ordered by (time, id): a cursor of a list
// ordered by id alone is refused.
func (p Page) keyset() (models.Keyset, error) {
	if !p.After.IsZero() && p.After.At.IsZero() {
		return models.Keyset{}, views.ErrCursorKind
	}
	return models.Keyset{At: p.After.At, ID: p.After.ID}, nil
}
