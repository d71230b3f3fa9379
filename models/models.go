// Package models holds WorkComm's GORM models and the query functions that use
// them. It is the only package that touches GORM: every function takes a ctx and
// a *gorm.DB (which may be a transaction) first.
package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
)

// MaxID is the largest id a row can have: ids are signed 64-bit in both
// databases, and the drivers refuse a uint64 argument above it (a 500 if it
// reached a query). A larger id from a client names nothing; every boundary
// that reads one (paths, cursors, bodies, socket frames) says so first.
const MaxID = math.MaxInt64

// All lists every model, in dependency order, for AutoMigrate. Each feature adds
// its models here.
func All() []any {
	return []any{
		&User{}, &RefreshToken{}, &FriendRequest{}, &Friendship{},
		&Payment{}, &StripeEvent{},
		&PrivateConversation{}, &Group{}, &GroupMember{}, &Message{},
		&AuditEntry{}, &Attachment{}, &Reaction{},
		&PasswordResetToken{}, &TwoFactor{}, &RecoveryCode{}, &LoginChallenge{},
		&MessageMention{}, &ConversationSetting{},
	}
}

// extraMigrations run after AutoMigrate: things GORM tags cannot express.
var extraMigrations []func(*gorm.DB) error

// Migrate brings the schema up to date, then runs extra (schema that other
// packages own, such as the search index). It is safe to run on every start
// and from several nodes at once on PostgreSQL (an advisory lock serialises
// them).
func Migrate(ctx context.Context, db *gorm.DB, extra ...func(*gorm.DB) error) error {
	db = db.WithContext(ctx)
	run := func(tx *gorm.DB) error {
		if err := tx.AutoMigrate(All()...); err != nil {
			return fmt.Errorf("auto-migrate: %w", err)
		}
		for _, m := range append(slices.Clone(extraMigrations), extra...) {
			if err := m(tx); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
		}
		return nil
	}
	if db.Dialector.Name() != "postgres" {
		return run(db)
	}
	// A session-level advisory lock on one connection keeps two replicas
	// starting together from racing on CREATE TABLE.
	return db.Connection(func(conn *gorm.DB) error {
		const lockKey = 0x776f726b636f6d // "workcom"
		if err := conn.Exec("SELECT pg_advisory_lock(?)", lockKey).Error; err != nil {
			return err
		}
		defer conn.Exec("SELECT pg_advisory_unlock(?)", lockKey)
		return run(conn)
	})
}

// Keyset is a position in a list ordered by (time, id): a page after it
// starts past the item with this sort time and id, in the list's direction.
// The zero Keyset is the start of the list.
type Keyset struct {
	At time.Time
	ID uint64
}

// IsZero reports the start of the list.
func (k Keyset) IsZero() bool { return k.ID == 0 }

// valuesRows is n copies of row, comma-separated: the body of a VALUES list
// whose placeholders the caller's args fill row by row.
func valuesRows(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// notFound maps gorm's record-not-found to the vocabulary's not_found.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.New(apperr.ErrNotFound, what+" not found")
	}
	return err
}

// IsUniqueViolation reports a duplicate-key error (TranslateError is on).
func IsUniqueViolation(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// IsPostgres reports whether db talks to PostgreSQL.
func IsPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }
