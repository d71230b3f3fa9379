package models

import (
	"context"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
)

// PasswordResetTTL is how long a reset link works: long enough to reach a
// mailbox and act, short enough that an old mail in a mailbox is harmless.
const PasswordResetTTL = time.Hour

// PasswordResetToken is one reset link, stored only as the SHA-256 of its
// token (tokens.NewOneTimeToken). It works once, until ExpiresAt; using one
// spends every other unused link of the same user.
type PasswordResetToken struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    uint64 `gorm:"not null;index"`
	User      *User  `gorm:"constraint:OnDelete:CASCADE"`
	TokenHash string `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// errResetTokenInvalid is the one answer for a reset token that is unknown,
// expired or already used: telling them apart helps only an attacker.
func errResetTokenInvalid() error {
	return apperr.Field("token", "this reset link is invalid or has expired; ask for a new one")
}

// CreatePasswordResetToken stores a new reset token for a user.
func CreatePasswordResetToken(ctx context.Context, db *gorm.DB, userID uint64, tokenHash string, expiresAt time.Time) error {
	return db.WithContext(ctx).Create(&PasswordResetToken{UserID: userID, TokenHash: tokenHash, ExpiresAt: expiresAt}).Error
}

// ConsumePasswordResetToken spends a live token and returns its user; every
// other unused token of that user is spent with it. Of two concurrent calls
// with the same token exactly one wins: the spend is one conditional UPDATE
// (used_at IS NULL), which PostgreSQL row locks and SQLite's single writer
// serialise. Run it in the transaction that changes the password, so that a
// failure there leaves the token usable. An unknown, expired or used token is
// a validation error on `token`.
func ConsumePasswordResetToken(ctx context.Context, db *gorm.DB, tokenHash string, now time.Time) (uint64, error) {
	db = db.WithContext(ctx)
	res := db.Model(&PasswordResetToken{}).
		Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, now).
		Update("used_at", now)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected != 1 {
		return 0, errResetTokenInvalid()
	}
	var t PasswordResetToken
	if err := db.Select("user_id").Where("token_hash = ?", tokenHash).First(&t).Error; err != nil {
		return 0, err
	}
	if err := db.Model(&PasswordResetToken{}).Where("user_id = ? AND used_at IS NULL", t.UserID).
		Update("used_at", now).Error; err != nil {
		return 0, err
	}
	return t.UserID, nil
}

// CountPasswordResetTokensSince counts the reset tokens issued to a user since
// a time: a per-address bound that holds across nodes and restarts.
func CountPasswordResetTokensSince(ctx context.Context, db *gorm.DB, userID uint64, since time.Time) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&PasswordResetToken{}).
		Where("user_id = ? AND created_at > ?", userID, since).Count(&n).Error
	return n, err
}

// DeleteExpiredPasswordResetTokens prunes tokens past their expiry.
func DeleteExpiredPasswordResetTokens(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at < ?", now).Delete(&PasswordResetToken{})
	return res.RowsAffected, res.Error
}
