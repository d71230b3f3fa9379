package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// MaxDistinctReactions is the contract's bound on the different emoji of
// one message.
const MaxDistinctReactions = 20

// ErrTooManyReactions refuses a new emoji on a message that already has
// MaxDistinctReactions different ones (adding one of those is still fine).
var ErrTooManyReactions = apperr.WithCode(apperr.ErrConflict, "too_many_reactions",
	"this message already has 20 different reactions")

// Reaction is one user's emoji on one message. The primary key (message,
// user, emoji) is the unique key that makes adding a reaction idempotent on
// every node; Emoji is the RGI form (emoji.Normalize), so two spellings of
// one emoji are one reaction.
type Reaction struct {
	MessageID uint64   `gorm:"primaryKey;autoIncrement:false"`
	Message   *Message `gorm:"foreignKey:MessageID;constraint:OnDelete:CASCADE"`
	UserID    uint64   `gorm:"primaryKey;autoIncrement:false;index"`
	User      *User    `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
	// Emoji: the longest RGI sequence (a kiss with two skin tones) is 35
	// bytes of UTF-8; 64 leaves room for later Unicode versions.
	Emoji     string `gorm:"primaryKey;size:64"`
	CreatedAt time.Time
}

// AddReaction records the user's emoji on a live message and reports
// whether it is new (false: it was already there, which is not an error). A
// new emoji on a message with MaxDistinctReactions different ones is
// ErrTooManyReactions; a missing or deleted message is not found. The
// message row is locked meanwhile (PostgreSQL; SQLite has one writer), so
// two users adding a 20th and a 21st emoji at once cannot both pass.
func AddReaction(ctx context.Context, db *gorm.DB, messageID, userID uint64, emoji string, now time.Time) (bool, error) {
	added := false
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&Message{}).Select("id").Where("id = ? AND deleted_at IS NULL", messageID)
		if IsPostgres(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var ids []uint64
		if err := q.Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return apperr.New(apperr.ErrNotFound, "message not found")
		}
		var mine, onMessage int64
		if err := tx.Model(&Reaction{}).Where("message_id = ? AND user_id = ? AND emoji = ?", messageID, userID, emoji).Count(&mine).Error; err != nil {
			return err
		}
		if mine > 0 {
			return nil // again: no duplicate
		}
		if err := tx.Model(&Reaction{}).Where("message_id = ? AND emoji = ?", messageID, emoji).Count(&onMessage).Error; err != nil {
			return err
		}
		if onMessage == 0 {
			n, err := CountDistinctEmoji(ctx, tx, messageID)
			if err != nil {
				return err
			}
			if n >= MaxDistinctReactions {
				return ErrTooManyReactions
			}
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&Reaction{MessageID: messageID, UserID: userID, Emoji: emoji, CreatedAt: now.UTC()})
		added = res.RowsAffected == 1
		return res.Error
	})
	return added && err == nil, err
}

// RemoveReaction deletes the user's emoji on the message and reports whether
// there was one.
func RemoveReaction(ctx context.Context, db *gorm.DB, messageID, userID uint64, emoji string) (bool, error) {
	res := db.WithContext(ctx).Where("message_id = ? AND user_id = ? AND emoji = ?", messageID, userID, emoji).
		Delete(&Reaction{})
	return res.RowsAffected > 0, res.Error
}

// RemoveMessageReactions deletes every reaction of the messages (deleted
// messages take none and show none).
func RemoveMessageReactions(ctx context.Context, db *gorm.DB, messageIDs []uint64) error {
	if len(messageIDs) == 0 {
		return nil
	}
	return db.WithContext(ctx).Where("message_id IN ?", uniqueIDs(messageIDs)).Delete(&Reaction{}).Error
}

// CountDistinctEmoji counts the different emoji on a message.
func CountDistinctEmoji(ctx context.Context, db *gorm.DB, messageID uint64) (int, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Reaction{}).Where("message_id = ?", messageID).
		Distinct("emoji").Count(&n).Error
	return int(n), err
}

// ReactionSummary is one emoji of a message as a viewer sees it.
type ReactionSummary struct {
	Emoji string
	Count int
	Me    bool // the viewer is among those who reacted with it
}

// ReactionSummaries returns, for each of the messages that has reactions,
// its emoji with their counts and whether viewerID used each, in one query.
// Emoji come in the order they were first used on the message, so a
// reaction bar does not reshuffle when counts change.
func ReactionSummaries(ctx context.Context, db *gorm.DB, messageIDs []uint64, viewerID uint64) (map[uint64][]ReactionSummary, error) {
	out := make(map[uint64][]ReactionSummary)
	if len(messageIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		MessageID uint64
		Emoji     string
		Count     int
		Me        int
	}
	err := db.WithContext(ctx).Model(&Reaction{}).
		Select("message_id, emoji, COUNT(*) AS count, MAX(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS me", viewerID).
		Where("message_id IN ?", uniqueIDs(messageIDs)).
		Group("message_id, emoji").
		Order("message_id, MIN(created_at), emoji").
		Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.MessageID] = append(out[r.MessageID], ReactionSummary{Emoji: r.Emoji, Count: r.Count, Me: r.Me == 1})
	}
	return out, nil
}

// MessageReactions lists who reacted with what on one message, oldest first
// (the "who reacted" of a hover or a tap).
func MessageReactions(ctx context.Context, db *gorm.DB, messageID uint64) ([]Reaction, error) {
	var rows []Reaction
	err := db.WithContext(ctx).Where("message_id = ?", messageID).Order("created_at, user_id").Find(&rows).Error
	return rows, err
}
