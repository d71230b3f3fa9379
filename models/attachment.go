package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// MaxAttachmentsPerMessage is the contract's bound on attachmentIds.
const MaxAttachmentsPerMessage = 10

// OrphanAge is how long an upload may wait to be attached to a message
// before the orphan job removes it (the contract's 24 hours).
const OrphanAge = 24 * time.Hour

// orphanClaimTTL is how long a node owns the attachments it claimed for
// removal: long enough to delete their bytes, short enough that another
// node finishes the work soon after the first one dies.
const orphanClaimTTL = 10 * time.Minute

// Attachment is an uploaded file: first an upload of its owner, then, once
// attached, part of one message, readable by that conversation's
// participants.
//
// The row is created before the bytes are streamed (ReserveUpload), with
// Size holding the most the upload may take: concurrent uploads of one user
// then count against the quota together, and an upload interrupted by a
// crash leaves a row that the orphan job finds (a file written before its
// row could be lost). FinishUpload records what was stored.
//
// Removal is two-step so that no file outlives its row: RemovedAt hides the
// attachment at once (a deleted message's files are gone for readers and
// quota), the bytes are deleted, then the row. Whoever dies in between, the
// orphan job repeats the last steps.
type Attachment struct {
	ID      uint64 `gorm:"primaryKey"`
	OwnerID uint64 `gorm:"not null;index"`
	Owner   *User  `gorm:"foreignKey:OwnerID;constraint:OnDelete:CASCADE"`
	// MessageID is set once, by AttachUploads.
	MessageID *uint64  `gorm:"index"`
	Message   *Message `gorm:"foreignKey:MessageID"`
	// Name is the client's file name, cleaned (media.CleanName).
	Name string `gorm:"size:255;not null"`
	// Size is the original's bytes; while uploading, the reservation.
	Size int64 `gorm:"not null"`
	// ContentType is sniffed from the bytes, never the client's.
	ContentType string `gorm:"size:255;not null;default:''"`
	// Width and Height are an image's, as shown; nil for other files and
	// for images too large to decode.
	Width  *int
	Height *int
	// StorageKey is the prefix of the attachment's objects: "<key>/original"
	// and, for an image, "<key>/thumb". It is random, so a key never says
	// whose file it is or how many there are.
	StorageKey string `gorm:"size:100;not null;uniqueIndex"`
	// ThumbSize is the thumbnail's bytes; 0 when there is none.
	ThumbSize  int64 `gorm:"not null;default:0"`
	CreatedAt  time.Time
	UploadedAt *time.Time // nil while the bytes are being stored
	AttachedAt *time.Time
	RemovedAt  *time.Time `gorm:"index"`
	// ClaimedUntil marks an attachment a node is removing (ClaimOrphans).
	ClaimedUntil *time.Time
}

// Variant names of an attachment's objects.
const (
	VariantOriginal = "original"
	VariantThumb    = "thumb"
)

// ObjectKey is the storage key of one variant of the attachment.
func (a *Attachment) ObjectKey(variant string) string { return a.StorageKey + "/" + variant }

// HasThumb reports whether a thumbnail was stored.
func (a *Attachment) HasThumb() bool { return a.ThumbSize > 0 }

// StoredBytes is what the attachment takes in storage.
func (a *Attachment) StoredBytes() int64 { return a.Size + a.ThumbSize }

// NewStorageKey returns a fresh random key under prefix ("att", "avatar"):
// 128 random bits, so keys never collide and cannot be guessed.
func NewStorageKey(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + "/" + hex.EncodeToString(b)
}

// ReserveUpload inserts a (its OwnerID, Name, StorageKey and Size, the most
// the upload may take, set by the caller) if the owner's uploads, counted
// with their reservations, leave room for Size under quota; otherwise it is
// 403 plan_limit. The owner's row is locked meanwhile (PostgreSQL; SQLite's
// single writer serialises the transaction), so concurrent uploads cannot
// all pass the check against the same total.
func ReserveUpload(ctx context.Context, db *gorm.DB, a *Attachment, quota int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := LockUser(ctx, tx, a.OwnerID); err != nil {
			return err
		}
		used, err := OwnerStorageBytes(ctx, tx, a.OwnerID)
		if err != nil {
			return err
		}
		if used+a.Size > quota {
			return apperr.New(apperr.ErrPlanLimit, "your files would exceed your plan's storage")
		}
		a.ID, a.UploadedAt, a.MessageID, a.AttachedAt, a.RemovedAt, a.ClaimedUntil = 0, nil, nil, nil, nil, nil
		return tx.Create(a).Error
	})
}

// UploadResult is what was stored for an upload.
type UploadResult struct {
	Size          int64
	ContentType   string
	Width, Height *int
	ThumbSize     int64
}

// FinishUpload records what was stored for the owner's reserved upload id
// and returns the attachment. Not found if the reservation is gone (removed
// by the orphan job after a very long upload).
func FinishUpload(ctx context.Context, db *gorm.DB, id, ownerID uint64, r UploadResult, now time.Time) (*Attachment, error) {
	now = now.UTC() // SQLite compares times as text: one zone
	res := db.WithContext(ctx).Model(&Attachment{}).
		Where("id = ? AND owner_id = ? AND uploaded_at IS NULL AND removed_at IS NULL AND claimed_until IS NULL", id, ownerID).
		Updates(map[string]any{"size": r.Size, "content_type": r.ContentType, "width": r.Width, "height": r.Height,
			"thumb_size": r.ThumbSize, "uploaded_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.ErrNotFound, "upload not found")
	}
	return GetAttachment(ctx, db, id)
}

// GetAttachment loads an attachment that is not removed, with its message
// (nil until attached), for the read checks: an attached one is readable by
// its message's conversation while the message is not deleted, an upload
// only by its owner.
func GetAttachment(ctx context.Context, db *gorm.DB, id uint64) (*Attachment, error) {
	var a Attachment
	if err := db.WithContext(ctx).Preload("Message").Where("removed_at IS NULL").First(&a, id).Error; err != nil {
		return nil, notFound(err, "attachment")
	}
	return &a, nil
}

// AttachUploads attaches the owner's uploads ids (at most
// MaxAttachmentsPerMessage, duplicates ignored) to the message, all or none:
// each must be the owner's, stored, and not yet attached, removed or being
// removed; otherwise nothing changes and the error is a validation error on
// attachmentIds. Call it in the transaction that stores the message, so that
// a refused attachment refuses the message. Two messages racing for one
// upload: the row lock lets one through, the other sees it attached.
func AttachUploads(ctx context.Context, db *gorm.DB, ownerID, messageID uint64, ids []uint64, now time.Time) error {
	now = now.UTC() // SQLite compares times as text: one zone
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > MaxAttachmentsPerMessage {
		return apperr.Field("attachmentIds", "at most 10 attachments a message")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Attachment{}).
			Where("id IN ? AND owner_id = ? AND message_id IS NULL AND uploaded_at IS NOT NULL AND removed_at IS NULL AND claimed_until IS NULL", ids, ownerID).
			Updates(map[string]any{"message_id": messageID, "attached_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(ids)) {
			return apperr.Field("attachmentIds", "each must be one of your uploads, not yet attached")
		}
		return nil
	})
}

func uniqueIDs(ids []uint64) []uint64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// MessageAttachments returns the attachments of the messages, by message id
// and in upload order, in one query (a history page's worth of messages).
func MessageAttachments(ctx context.Context, db *gorm.DB, messageIDs []uint64) (map[uint64][]Attachment, error) {
	out := make(map[uint64][]Attachment)
	if len(messageIDs) == 0 {
		return out, nil
	}
	var rows []Attachment
	err := db.WithContext(ctx).Where("message_id IN ? AND removed_at IS NULL", uniqueIDs(messageIDs)).
		Order("message_id, id").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[*a.MessageID] = append(out[*a.MessageID], a)
	}
	return out, nil
}

// OwnerStorageBytes is what counts against the owner's quota: the originals
// of every upload and attachment not removed, reservations included.
func OwnerStorageBytes(ctx context.Context, db *gorm.DB, ownerID uint64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Attachment{}).Where("owner_id = ? AND removed_at IS NULL", ownerID).
		Select("COALESCE(SUM(size), 0)").Scan(&n).Error
	return n, err
}

// StorageBytes is what every attachment takes in storage, thumbnails and
// files awaiting deletion included (GET /admin/stats): one query, where
// listing a bucket would take a request per thousand objects.
func StorageBytes(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Attachment{}).Select("COALESCE(SUM(size + thumb_size), 0)").Scan(&n).Error
	return n, err
}

// RemoveMessageAttachments hides the attachments of deleted messages at once
// (readers get 404, the owner's quota frees) and returns them, so the caller
// deletes their bytes and then the rows (DeleteAttachmentRows). A crash in
// between leaves them to the orphan job.
func RemoveMessageAttachments(ctx context.Context, db *gorm.DB, messageIDs []uint64, now time.Time) ([]Attachment, error) {
	now = now.UTC() // SQLite compares times as text: one zone
	var rows []Attachment
	if len(messageIDs) == 0 {
		return rows, nil
	}
	err := db.WithContext(ctx).Model(&rows).Clauses(clause.Returning{}).
		Where("message_id IN ? AND removed_at IS NULL", uniqueIDs(messageIDs)).
		Update("removed_at", now).Error
	return rows, err
}

// RemoveUpload hides the owner's upload that is not attached (a failed or
// cancelled upload, or one the owner discards) and returns it, for the same
// two further steps. Not found if it is not such an upload.
func RemoveUpload(ctx context.Context, db *gorm.DB, id, ownerID uint64, now time.Time) (*Attachment, error) {
	now = now.UTC() // SQLite compares times as text: one zone
	var rows []Attachment
	err := db.WithContext(ctx).Model(&rows).Clauses(clause.Returning{}).
		Where("id = ? AND owner_id = ? AND message_id IS NULL AND removed_at IS NULL AND claimed_until IS NULL", id, ownerID).
		Update("removed_at", now).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.ErrNotFound, "upload not found")
	}
	return &rows[0], nil
}

// ClaimOrphans claims up to limit attachments to remove for this node:
// uploads never attached for OrphanAge, and removed attachments whose
// removal was not finished (their remover is late by orphanClaimTTL). A
// claim lasts orphanClaimTTL; the caller deletes the bytes, then the rows
// (DeleteAttachmentRows). Several nodes may run the job at once: on
// PostgreSQL each takes the rows no other holds (FOR UPDATE SKIP LOCKED)
// and marks them claimed in the same statement; SQLite has one writer. An
// upload being attached at that moment is either attached first (and not
// claimed) or claimed first (and its attachment refused): both statements
// take the row lock and re-check their conditions.
func ClaimOrphans(ctx context.Context, db *gorm.DB, now time.Time, limit int) ([]Attachment, error) {
	now = now.UTC() // SQLite compares times as text: one zone
	lock := ""
	if IsPostgres(db) {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []Attachment
	err := db.WithContext(ctx).Raw("UPDATE attachments SET claimed_until = ? WHERE id IN ("+
		"SELECT id FROM attachments WHERE (claimed_until IS NULL OR claimed_until < ?) AND ("+
		"(message_id IS NULL AND removed_at IS NULL AND created_at < ?) OR removed_at < ?"+
		") ORDER BY id LIMIT ?"+lock+") RETURNING *",
		now.Add(orphanClaimTTL), now, now.Add(-OrphanAge), now.Add(-orphanClaimTTL), limit).Scan(&rows).Error
	return rows, err
}

// DeleteAttachmentRows deletes the rows of attachments whose bytes are gone:
// removed ones, or unattached ones this node claimed. An attachment that was
// attached meanwhile is kept.
func DeleteAttachmentRows(ctx context.Context, db *gorm.DB, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.WithContext(ctx).Where("id IN ? AND (removed_at IS NOT NULL OR message_id IS NULL)", uniqueIDs(ids)).
		Delete(&Attachment{}).Error
}

// ConversationMessagesWithFiles returns the ids of a conversation's messages
// that still have attachments (a deleted group's files are removed).
func ConversationMessagesWithFiles(ctx context.Context, db *gorm.DB, convType string, convID uint64) ([]uint64, error) {
	var ids []uint64
	err := db.WithContext(ctx).Model(&Attachment{}).
		Joins("JOIN messages ON messages.id = attachments.message_id").
		Where("messages.conv_type = ? AND messages.conv_id = ? AND attachments.removed_at IS NULL", convType, convID).
		Distinct().Pluck("attachments.message_id", &ids).Error
	return ids, err
}
