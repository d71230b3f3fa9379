package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// RefreshToken is one refresh token, stored only as its SHA-256. All tokens
// born of one login share a FamilyID: presenting a used token revokes the family.
type RefreshToken struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    uint64 `gorm:"not null;index"`
	User      *User  `gorm:"constraint:OnDelete:CASCADE"`
	FamilyID  string `gorm:"size:36;not null;index"`
	TokenHash string `gorm:"size:64;not null;uniqueIndex"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// CreateRefreshToken stores a new token.
func CreateRefreshToken(ctx context.Context, db *gorm.DB, t *RefreshToken) error {
	return db.WithContext(ctx).Create(t).Error
}

// FindRefreshToken finds a token by its hash.
func FindRefreshToken(ctx context.Context, db *gorm.DB, hash string) (*RefreshToken, error) {
	var t RefreshToken
	if err := db.WithContext(ctx).Where("token_hash = ?", hash).First(&t).Error; err != nil {
		return nil, notFound(err, "refresh token")
	}
	return &t, nil
}

// MarkRefreshTokenUsed marks a live token used, atomically: only one of two
// concurrent refreshes with the same token wins (false for the loser).
func MarkRefreshTokenUsed(ctx context.Context, db *gorm.DB, id uint64, at time.Time) (bool, error) {
	res := db.WithContext(ctx).Model(&RefreshToken{}).
		Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", id).
		Update("used_at", at)
	return res.RowsAffected == 1, res.Error
}

// RefreshFamilyRevoked reports whether any token of the login was revoked. A
// token issued by a refresh that raced a reuse detection was born after the
// family's rows were revoked, so it is judged by its family, not by its row.
func RefreshFamilyRevoked(ctx context.Context, db *gorm.DB, familyID string) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&RefreshToken{}).
		Where("family_id = ? AND revoked_at IS NOT NULL", familyID).Limit(1).Count(&n).Error
	return n > 0, err
}

// RevokeRefreshFamily revokes every token of one login.
func RevokeRefreshFamily(ctx context.Context, db *gorm.DB, familyID string, at time.Time) error {
	return db.WithContext(ctx).Model(&RefreshToken{}).
		Where("family_id = ? AND revoked_at IS NULL", familyID).
		Update("revoked_at", at).Error
}

// RevokeUserRefreshTokens revokes every token of a user (ban, delete, demotion).
func RevokeUserRefreshTokens(ctx context.Context, db *gorm.DB, userID uint64, at time.Time) error {
	return db.WithContext(ctx).Model(&RefreshToken{}).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", at).Error
}

// DeleteExpiredRefreshTokens prunes tokens past their expiry.
func DeleteExpiredRefreshTokens(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at < ?", now).Delete(&RefreshToken{})
	return res.RowsAffected, res.Error
}
