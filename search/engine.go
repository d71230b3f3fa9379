package search

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"workcomm/models"
)

// Engine is a full-text index of the messages.
type Engine interface {
	// Migrate creates the index and what keeps it in step with the
	// messages table (idempotent; run after models.Migrate).
	Migrate(ctx context.Context, db *gorm.DB) error
	// Find returns a page of the live messages matching r, newest first,
	// and whether more follow.
	Find(ctx context.Context, db *gorm.DB, r Request) ([]models.Message, bool, error)
	// Tidy does, off the send path, the index work an engine would
	// otherwise leave to some send (PostgreSQL: merging GIN's pending list
	// into the index). Safe on several nodes at once; nothing is lost if it
	// never runs, sends only get slower now and then.
	Tidy(ctx context.Context, db *gorm.DB) error
}

// Request is one page of a search by a user.
type Request struct {
	Query  Query
	UserID uint64 // results only from conversations this user can read now
	// ConvType and ConvID narrow the search to one conversation (ConvID is a
	// private conversation's or a group's id; empty ConvType: all).
	ConvType string
	ConvID   uint64
	From     uint64 // a sender (0: anyone)
	BeforeID uint64 // the page starts below this message id (0: the newest)
	Limit    int
}

// For returns the engine of db's database.
func For(db *gorm.DB) Engine {
	if models.IsPostgres(db) {
		return postgresEngine{}
	}
	return sqliteEngine{}
}

// readable is the authorisation, inside the query: messages of live groups
// the user is a member of, and of private conversations of theirs with a
// friend (a friend who deleted their account stays readable, as in the
// conversation list). Three user id arguments.
const readable = `((m.conv_type = 'group' AND m.conv_id IN (SELECT gm.group_id FROM group_members gm
    JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL WHERE gm.user_id = ?))
 OR (m.conv_type = 'private' AND m.conv_id IN (SELECT pc.id FROM private_conversations pc
    JOIN friendships f ON f.user_a_id = pc.user_a_id AND f.user_b_id = pc.user_b_id
    WHERE pc.user_a_id = ? OR pc.user_b_id = ?)))`

// plan is an engine's part of a search query: from names the messages as m
// (joined to the index, or a subquery), match is the condition on them, id
// the message id column to order and page by (the index's own where it can
// walk it newest first and stop at the page's end, instead of sorting every
// match). Their placeholders take fromArgs, then matchArgs.
type plan struct {
	from      string
	fromArgs  []any
	match     string
	matchArgs []any
	id        string
}

// find runs a search on the engine's plan with the filters every engine shares.
func find(ctx context.Context, db *gorm.DB, r Request, p plan) ([]models.Message, bool, error) {
	from, match, id := p.from, p.match, p.id
	args := append(append(slices.Clone(p.fromArgs), p.matchArgs...), r.UserID, r.UserID, r.UserID)
	where := []string{match, "m.deleted_at IS NULL", readable}
	if r.ConvType != "" {
		where = append(where, "m.conv_type = ? AND m.conv_id = ?")
		args = append(args, r.ConvType, r.ConvID)
	}
	if r.From != 0 {
		where = append(where, "m.sender_id = ?")
		args = append(args, r.From)
	}
	if r.BeforeID != 0 {
		where = append(where, id+" < ?")
		args = append(args, r.BeforeID)
	}
	args = append(args, r.Limit+1)
	sql := "SELECT " + models.MessageColumnsAs("m") + " FROM " + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + id + " DESC LIMIT ?"
	msgs, err := models.ScanMessagesRaw(ctx, db, sql, args...)
	if err != nil {
		return nil, false, err
	}
	more := len(msgs) > r.Limit
	return msgs[:min(len(msgs), r.Limit)], more, nil
}
