package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Audit actions and target types. An action names what an administrator (or
// the create-admin command) did; the entry's Before/After hold the fields it
// changed.
const (
	AuditUserCreate  = "user.create"  // create-admin made a new admin account
	AuditUserPromote = "user.promote" // role user → admin
	AuditUserDemote  = "user.demote"  // role admin → user
	AuditUserBan     = "user.ban"
	AuditUserUnban   = "user.unban"
	AuditUserUpdate  = "user.update" // several fields at once (role and banned)
	AuditUserDelete  = "user.delete" // soft delete

	AuditTargetUser = "user"
)

// AuditEntry is one administrative action. Entries are append-only: no code
// path updates or deletes them, and a database trigger refuses it anyway. There
// is no foreign key to users so that an entry outlives anything it names.
type AuditEntry struct {
	ID uint64 `gorm:"primaryKey"`
	// ActorID is the administrator who acted; nil for the command line.
	ActorID    *uint64 `gorm:"index"`
	Action     string  `gorm:"size:32;not null;index"`
	TargetType string  `gorm:"size:32;not null;index:idx_audit_target"`
	TargetID   uint64  `gorm:"not null;index:idx_audit_target"`
	// RequestID ties the entry to the access log line of the request ("cli"
	// for the command line).
	RequestID string `gorm:"size:64;not null"`
	// Before and After are JSON objects holding the changed fields only.
	Before    string    `gorm:"type:text;not null"`
	After     string    `gorm:"type:text;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func init() {
	extraMigrations = append(extraMigrations, auditAppendOnly)
}

// auditAppendOnly installs triggers that refuse UPDATE and DELETE on
// audit_entries, so that not even a bug or a hand-typed query rewrites history.
func auditAppendOnly(db *gorm.DB) error {
	if IsPostgres(db) {
		for _, stmt := range []string{
			`CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS ` +
				`$$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$`,
			`DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries`,
			`CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries ` +
				`FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()`,
		} {
			if err := db.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return nil
	}
	for _, op := range []string{"UPDATE", "DELETE"} {
		stmt := `CREATE TRIGGER IF NOT EXISTS audit_entries_no_` + op + ` BEFORE ` + op + ` ON audit_entries ` +
			`BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END`
		if err := db.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// CreateAuditEntry appends e. Call it with the transaction that makes the
// change it records, so that both happen or neither.
func CreateAuditEntry(ctx context.Context, db *gorm.DB, e *AuditEntry) error {
	return db.WithContext(ctx).Create(e).Error
}

// AuditPage is a page of entries, newest first.
type AuditPage struct {
	Entries []AuditEntry
	NextID  uint64 // cursor: the last id of this page; 0 when there is no further page
}

// ListAuditEntries pages entries by descending id, newest first. beforeID (0:
// from the newest) is exclusive; paging by id keeps pages stable while new
// entries are written, as they only ever get higher ids.
func ListAuditEntries(ctx context.Context, db *gorm.DB, beforeID uint64, limit int) (*AuditPage, error) {
	q := db.WithContext(ctx).Order("id DESC").Limit(limit + 1)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var entries []AuditEntry
	if err := q.Find(&entries).Error; err != nil {
		return nil, err
	}
	page := &AuditPage{Entries: entries}
	if len(entries) > limit {
		page.Entries = entries[:limit]
		page.NextID = page.Entries[limit-1].ID
	}
	return page, nil
}
