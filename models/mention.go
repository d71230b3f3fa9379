package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// MessageMention records that a message mentions a user (an @username of a
// participant, or @all in a group). The conversation and seq are copied from
// the message so that a conversation's unread mentions are counted from this
// table alone (seq past the user's read mark). Rows are written in the
// transaction that stores or edits the message and removed when it is deleted.
type MessageMention struct {
	MessageID uint64   `gorm:"primaryKey;autoIncrement:false;index:idx_mentions_user_msg,priority:2"`
	UserID    uint64   `gorm:"primaryKey;autoIncrement:false;index:idx_mentions_user_conv,priority:1;index:idx_mentions_user_msg,priority:1"`
	Message   *Message `gorm:"foreignKey:MessageID;constraint:OnDelete:CASCADE"`
	ConvType  string   `gorm:"size:8;not null;index:idx_mentions_user_conv,priority:2"`
	ConvID    uint64   `gorm:"not null;index:idx_mentions_user_conv,priority:3"`
	Seq       uint64   `gorm:"not null;index:idx_mentions_user_conv,priority:4"`
}

// MentionTarget is someone a message may mention: a participant's id and
// username, and for a group member their role (who may use @all).
type MentionTarget struct {
	UserID   uint64
	Username string
	Role     string
}

// InsertMentions stores the mentions of stored messages: users by message id.
func InsertMentions(ctx context.Context, tx *gorm.DB, msgs []*Message, users map[uint64][]uint64) error {
	var rows []MessageMention
	for _, m := range msgs {
		for _, u := range users[m.ID] {
			rows = append(rows, MessageMention{MessageID: m.ID, UserID: u, ConvType: m.ConvType, ConvID: m.ConvID, Seq: m.Seq})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.WithContext(ctx).Create(&rows).Error
}

// DeleteMentions removes every mention of a message (deleted, or about to be
// recomputed after an edit).
func DeleteMentions(ctx context.Context, tx *gorm.DB, messageID uint64) error {
	return tx.WithContext(ctx).Where("message_id = ?", messageID).Delete(&MessageMention{}).Error
}

// MentionsOf returns the users each of the messages mentions, by message id,
// in ascending user id: one query for a page of messages.
func MentionsOf(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64][]uint64, error) {
	out := make(map[uint64][]uint64)
	if len(ids) == 0 {
		return out, nil
	}
	var rows []MessageMention
	err := db.WithContext(ctx).Select("message_id, user_id").Where("message_id IN ?", ids).
		Order("message_id, user_id").Find(&rows).Error
	for _, r := range rows {
		out[r.MessageID] = append(out[r.MessageID], r.UserID)
	}
	return out, err
}

// GroupMentionTargets returns the members of each group with their
// usernames and roles (deleted accounts left out), by group id.
func GroupMentionTargets(ctx context.Context, db *gorm.DB, groupIDs []uint64) (map[uint64][]MentionTarget, error) {
	out := make(map[uint64][]MentionTarget)
	if len(groupIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		GroupID uint64
		MentionTarget
	}
	err := db.WithContext(ctx).Raw(`SELECT gm.group_id, gm.user_id, u.username, gm.role FROM group_members gm
JOIN users u ON u.id = gm.user_id AND u.deleted_at IS NULL
WHERE gm.group_id IN ?`, groupIDs).Scan(&rows).Error
	for _, r := range rows {
		out[r.GroupID] = append(out[r.GroupID], r.MentionTarget)
	}
	return out, err
}

// UserMentionTargets returns the live users among ids with their usernames.
func UserMentionTargets(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]MentionTarget, error) {
	out := make(map[uint64]MentionTarget)
	if len(ids) == 0 {
		return out, nil
	}
	var rows []MentionTarget
	err := db.WithContext(ctx).Raw("SELECT id AS user_id, username FROM users WHERE id IN ? AND deleted_at IS NULL", ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out, err
}

// ReadMark is a conversation's id and the viewer's read mark in it.
type ReadMark struct {
	ConvID, Seq uint64
}

// UnreadMentions counts, for each conversation of one kind, the messages
// past userID's read mark that mention them, by conversation id: one query
// for a page of a conversation list.
func UnreadMentions(ctx context.Context, db *gorm.DB, userID uint64, convType string, marks []ReadMark) (map[uint64]uint64, error) {
	out := make(map[uint64]uint64)
	if len(marks) == 0 {
		return out, nil
	}
	args := []any{}
	for _, m := range marks {
		args = append(args, m.ConvID, dbSeq(m.Seq))
	}
	args = append(args, userID, convType)
	var rows []struct{ ConvID, N uint64 }
	err := db.WithContext(ctx).Raw(`SELECT mm.conv_id, COUNT(*) AS n FROM (VALUES `+valuesRows("(CAST(? AS BIGINT), CAST(? AS BIGINT))", len(marks))+`) AS v
JOIN message_mentions mm ON mm.conv_id = v.column1 AND mm.seq > v.column2
WHERE mm.user_id = ? AND mm.conv_type = ?
GROUP BY mm.conv_id`, args...).Scan(&rows).Error
	for _, r := range rows {
		out[r.ConvID] = r.N
	}
	return out, err
}

// ListMentions pages the live messages that mention userID, newest first
// (by message id, below beforeID when it is not 0), in the conversations
// they may read now: groups they are still a member of (live ones), and
// private conversations with someone still their friend.
func ListMentions(ctx context.Context, db *gorm.DB, userID, beforeID uint64, limit int) ([]Message, bool, error) {
	q := db.WithContext(ctx).Table("message_mentions mm").
		Joins("JOIN messages m ON m.id = mm.message_id AND m.deleted_at IS NULL").
		Where("mm.user_id = ?", userID).
		Where(`(mm.conv_type = 'group' AND EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL
    WHERE gm.group_id = mm.conv_id AND gm.user_id = mm.user_id))
 OR (mm.conv_type = 'private' AND EXISTS (SELECT 1 FROM private_conversations pc JOIN friendships f ON f.user_a_id = pc.user_a_id AND f.user_b_id = pc.user_b_id
    WHERE pc.id = mm.conv_id))`)
	if beforeID > 0 {
		q = q.Where("mm.message_id < ?", dbSeq(beforeID))
	}
	q = q.Order("mm.message_id DESC").Limit(limit + 1).Select(MessageColumnsAs("m"))
	var out []Message
	if err := q.Scan(&out).Error; err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	return out[:min(len(out), limit)], more, nil
}

// GetMessagesByIDs loads messages by id, deleted or not, keyed by id.
func GetMessagesByIDs(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]*Message, error) {
	out := make(map[uint64]*Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var msgs []Message
	if err := db.WithContext(ctx).Where("id IN ?", ids).Find(&msgs).Error; err != nil {
		return nil, err
	}
	for i := range msgs {
		out[msgs[i].ID] = &msgs[i]
	}
	return out, nil
}

// Reader is a group member whose read mark is at or past a seq, and when
// that mark last moved.
type Reader struct {
	UserID uint64
	ReadAt *time.Time
}

// GroupReaders lists the members of a group whose read mark is at or past
// seq ("seen by"), earliest mark first.
func GroupReaders(ctx context.Context, db *gorm.DB, groupID, seq uint64) ([]Reader, error) {
	var out []Reader
	err := db.WithContext(ctx).Model(&GroupMember{}).Select("user_id, last_read_at AS read_at").
		Where("group_id = ? AND last_read_seq >= ?", groupID, dbSeq(seq)).
		Order("last_read_at, user_id").Scan(&out).Error
	return out, err
}
