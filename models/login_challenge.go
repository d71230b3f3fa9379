package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
)

// Bounds of the second login step.
const (
	// LoginChallengeTTL is how long a password-verified login waits for its
	// code: time to open an authenticator app, not to leave it lying around.
	LoginChallengeTTL = 5 * time.Minute
	// MaxLoginChallengeAttempts wrong codes end a challenge (a new password
	// login is needed), on top of the failed-login budget per account and IP.
	MaxLoginChallengeAttempts = 5
)

// LoginChallenge is the pending second step of one login: the password was
// right, a code is still due. Stored (its token's SHA-256 only) rather than
// signed, so that it is single use across nodes, counts its wrong codes, and
// dies with the user's token version (a password reset, a ban, a role change
// between the two steps ends it).
type LoginChallenge struct {
	ID           uint64 `gorm:"primaryKey"`
	UserID       uint64 `gorm:"not null;index"`
	User         *User  `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	TokenHash    string `gorm:"size:64;not null;uniqueIndex" json:"-"`
	TokenVersion int    `gorm:"not null"`
	Attempts     int    `gorm:"not null;default:0"`
	ExpiresAt    time.Time
	UsedAt       *time.Time
	CreatedAt    time.Time
}

// CreateLoginChallenge stores a challenge for a user at their current token
// version.
func CreateLoginChallenge(ctx context.Context, db *gorm.DB, userID uint64, tokenVersion int, tokenHash string, expiresAt time.Time) error {
	return db.WithContext(ctx).Create(&LoginChallenge{UserID: userID, TokenVersion: tokenVersion, TokenHash: tokenHash, ExpiresAt: expiresAt}).Error
}

// errChallengeInvalid is the one answer for a challenge that is unknown,
// expired, used, out of attempts or outdated: sign in again.
func errChallengeInvalid() error {
	return apperr.New(apperr.ErrUnauthorized, "this sign-in has expired; enter your password again")
}

// GetLoginChallenge loads a live challenge by its token's hash: unused,
// unexpired, with attempts left, and of a live, unbanned user whose token
// version has not moved. Anything else is 401 unauthorized.
func GetLoginChallenge(ctx context.Context, db *gorm.DB, tokenHash string, now time.Time) (*LoginChallenge, error) {
	var c LoginChallenge
	err := liveChallenges(db.WithContext(ctx), now).Where("token_hash = ?", tokenHash).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errChallengeInvalid()
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// liveChallenges scopes a query to challenges that can still be answered.
func liveChallenges(db *gorm.DB, now time.Time) *gorm.DB {
	return db.Model(&LoginChallenge{}).
		Where("used_at IS NULL AND expires_at > ? AND attempts < ?", now, MaxLoginChallengeAttempts).
		Where("EXISTS (SELECT 1 FROM users WHERE users.id = login_challenges.user_id AND users.deleted_at IS NULL AND users.banned = ? AND users.token_version = login_challenges.token_version)", false)
}

// FailLoginChallenge counts one wrong code against a challenge and returns
// how many attempts are left (0: the challenge is dead).
func FailLoginChallenge(ctx context.Context, db *gorm.DB, id uint64) (int, error) {
	db = db.WithContext(ctx)
	if err := db.Model(&LoginChallenge{}).Where("id = ? AND used_at IS NULL", id).
		Update("attempts", gorm.Expr("attempts + 1")).Error; err != nil {
		return 0, err
	}
	var c LoginChallenge
	if err := db.Select("attempts").Where("id = ?", id).First(&c).Error; err != nil {
		return 0, notFound(err, "login challenge")
	}
	return max(MaxLoginChallengeAttempts-c.Attempts, 0), nil
}

// ConsumeLoginChallenge spends a live challenge once its code was verified:
// true for the one caller that spends it, false when it was spent, expired,
// ran out of attempts or its user's token version moved meanwhile. Run it in
// the transaction that records the code's use (UseTOTPStep or
// UseRecoveryCode), so that a lost race spends neither.
func ConsumeLoginChallenge(ctx context.Context, db *gorm.DB, id uint64, now time.Time) (bool, error) {
	res := liveChallenges(db.WithContext(ctx), now).Where("id = ?", id).Update("used_at", now)
	return res.RowsAffected == 1, res.Error
}

// DeleteExpiredLoginChallenges prunes challenges past their expiry.
func DeleteExpiredLoginChallenges(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at < ?", now).Delete(&LoginChallenge{})
	return res.RowsAffected, res.Error
}
