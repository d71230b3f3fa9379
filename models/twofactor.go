package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// TwoFactor is a user's TOTP second factor, one row per user. Setup stores a
// pending secret (Enabled false); enabling with a valid code turns it on and
// creates the recovery codes; disabling deletes the row and the codes.
//
// SecretSealed is the TOTP secret encrypted by twofactor.Keys (AES-GCM, bound
// to the user id): a copy of the table alone gives no secret. It has no JSON
// name so that no view can ever carry it.
type TwoFactor struct {
	UserID       uint64 `gorm:"primaryKey;autoIncrement:false"`
	User         *User  `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	SecretSealed string `gorm:"size:255;not null" json:"-"`
	Enabled      bool   `gorm:"not null;default:false"`
	// LastUsedStep is the TOTP time step (Unix time / 30 s) of the last code
	// accepted; a code of that step or an earlier one is refused, so a code
	// works once even within its ±30 s window.
	LastUsedStep int64 `gorm:"not null;default:0"`
	EnabledAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// RecoveryCode is one single-use recovery code, stored as its keyed hash
// (twofactor.Keys.HashRecoveryCode).
type RecoveryCode struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    uint64 `gorm:"not null;uniqueIndex:idx_recovery_codes_user_code"`
	User      *User  `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	CodeHash  string `gorm:"size:64;not null;uniqueIndex:idx_recovery_codes_user_code" json:"-"`
	UsedAt    *time.Time
	CreatedAt time.Time
}

// SetupTwoFactor stores a new pending secret for a user, replacing an earlier
// pending one. It refuses (409 conflict) while two-factor is on: a second
// setup must not swap the secret of an enabled factor. One statement (an
// upsert whose update is conditional), so two concurrent setups cannot both
// pass a check and then overwrite an enabled row.
func SetupTwoFactor(ctx context.Context, db *gorm.DB, userID uint64, secretSealed string) error {
	res := db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"secret_sealed", "updated_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Eq{Column: clause.Column{Table: "two_factors", Name: "enabled"}, Value: false}}},
	}).Create(&TwoFactor{UserID: userID, SecretSealed: secretSealed})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errTwoFactorAlreadyOn()
	}
	return nil
}

func errTwoFactorAlreadyOn() error {
	return apperr.New(apperr.ErrConflict, "two-factor sign-in is already on; turn it off first")
}

// GetTwoFactor loads a user's second factor, pending or enabled (not_found if
// none was set up).
func GetTwoFactor(ctx context.Context, db *gorm.DB, userID uint64) (*TwoFactor, error) {
	var tf TwoFactor
	if err := db.WithContext(ctx).Where("user_id = ?", userID).First(&tf).Error; err != nil {
		return nil, notFound(err, "two-factor setup")
	}
	return &tf, nil
}

// EnableTwoFactor turns a pending factor on with the time step of the valid
// code that confirmed it (which is thereby used), and replaces the recovery
// codes with codeHashes. A factor already on, no setup, or a step not after
// the last used one is a conflict; nothing is changed then.
func EnableTwoFactor(ctx context.Context, db *gorm.DB, userID uint64, step int64, codeHashes []string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&TwoFactor{}).
			Where("user_id = ? AND enabled = ? AND last_used_step < ?", userID, false, step).
			Updates(map[string]any{"enabled": true, "last_used_step": step, "enabled_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.ErrConflict, "no two-factor setup is waiting for a code, or this code was already used")
		}
		return replaceRecoveryCodes(tx, userID, codeHashes, now)
	})
}

// ReplaceRecoveryCodes spends every earlier code of an enabled factor and
// stores new ones (the user asked for a fresh set).
func ReplaceRecoveryCodes(ctx context.Context, db *gorm.DB, userID uint64, codeHashes []string, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&TwoFactor{}).Where("user_id = ? AND enabled = ?", userID, true).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.ErrConflict, "two-factor sign-in is off")
		}
		return replaceRecoveryCodes(tx, userID, codeHashes, now)
	})
}

func replaceRecoveryCodes(tx *gorm.DB, userID uint64, codeHashes []string, now time.Time) error {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return err
	}
	if len(codeHashes) == 0 {
		return nil
	}
	rows := make([]RecoveryCode, len(codeHashes))
	for i, h := range codeHashes {
		rows[i] = RecoveryCode{UserID: userID, CodeHash: h, CreatedAt: now}
	}
	return tx.Create(&rows).Error
}

// UseTOTPStep records that a valid code of this time step was used, if no
// code of this step or a later one was: true when it was recorded (the code
// is good), false when it is a replay. One conditional UPDATE, so of two
// concurrent logins with the same code exactly one gets true.
func UseTOTPStep(ctx context.Context, db *gorm.DB, userID uint64, step int64) (bool, error) {
	res := db.WithContext(ctx).Model(&TwoFactor{}).
		Where("user_id = ? AND enabled = ? AND last_used_step < ?", userID, true, step).
		Update("last_used_step", step)
	return res.RowsAffected == 1, res.Error
}

// UseRecoveryCode spends one unused recovery code of an enabled factor: true
// when it was there and is now spent, false otherwise (wrong, used, or
// two-factor off). Atomic like UseTOTPStep.
func UseRecoveryCode(ctx context.Context, db *gorm.DB, userID uint64, codeHash string, now time.Time) (bool, error) {
	res := db.WithContext(ctx).Model(&RecoveryCode{}).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, codeHash).
		Where("EXISTS (SELECT 1 FROM two_factors WHERE two_factors.user_id = recovery_codes.user_id AND two_factors.enabled = ?)", true).
		Update("used_at", now)
	return res.RowsAffected == 1, res.Error
}

// RemainingRecoveryCodes counts a user's unused recovery codes.
func RemainingRecoveryCodes(ctx context.Context, db *gorm.DB, userID uint64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, err
}

// DisableTwoFactor removes a user's factor, pending or enabled, and every
// recovery code; it reports whether one was on.
func DisableTwoFactor(ctx context.Context, db *gorm.DB, userID uint64) (wasOn bool, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&TwoFactor{}).Where("user_id = ? AND enabled = ?", userID, true).Count(&n).Error; err != nil {
			return err
		}
		wasOn = n > 0
		if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", userID).Delete(&TwoFactor{}).Error
	})
	return wasOn, err
}

// TwoFactorEnabled reports whether a user has two-factor on (the self view's
// twoFactorEnabled; login asks for the second step).
func TwoFactorEnabled(ctx context.Context, db *gorm.DB, userID uint64) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&TwoFactor{}).Where("user_id = ? AND enabled = ?", userID, true).Count(&n).Error
	return n > 0, err
}

// TwoFactorEnabledAmong returns which of ids have two-factor on, in one query
// (the admin users list).
func TwoFactorEnabledAmong(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var on []uint64
	if err := db.WithContext(ctx).Model(&TwoFactor{}).Where("user_id IN ? AND enabled = ?", ids, true).
		Pluck("user_id", &on).Error; err != nil {
		return nil, err
	}
	for _, id := range on {
		out[id] = true
	}
	return out, nil
}
