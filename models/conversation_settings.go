package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ConversationSetting is one user's settings of one conversation, stored on
// the server so that every device agrees. A private conversation is named
// by the peer's user id (its row may not exist before the first message), a
// group by its id. No row means the defaults (not muted).
type ConversationSetting struct {
	UserID    uint64 `gorm:"primaryKey;autoIncrement:false"`
	User      *User  `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
	ConvType  string `gorm:"primaryKey;size:8"`
	TargetID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	Muted     bool   `gorm:"not null;default:false"`
	UpdatedAt time.Time
}

// SetMuted stores whether userID muted the conversation.
func SetMuted(ctx context.Context, db *gorm.DB, userID uint64, convType string, targetID uint64, muted bool, now time.Time) error {
	row := ConversationSetting{UserID: userID, ConvType: convType, TargetID: targetID, Muted: muted, UpdatedAt: now}
	return db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "conv_type"}, {Name: "target_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"muted", "updated_at"}),
	}).Create(&row).Error
}

// MutedTargets reports which of the conversations of one kind userID muted.
func MutedTargets(ctx context.Context, db *gorm.DB, userID uint64, convType string, targetIDs []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool)
	if len(targetIDs) == 0 {
		return out, nil
	}
	var ids []uint64
	err := db.WithContext(ctx).Model(&ConversationSetting{}).
		Where("user_id = ? AND conv_type = ? AND target_id IN ? AND muted", userID, convType, targetIDs).
		Pluck("target_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
