package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// PrivateConversation is the conversation of two users, stored once per pair
// with UserAID < UserBID. Its row holds the last seq (locked to number each new
// message) and each side's read mark; unread is LastSeq minus the mark.
type PrivateConversation struct {
	ID            uint64 `gorm:"primaryKey"`
	UserAID       uint64 `gorm:"not null;uniqueIndex:idx_private_conv_pair,priority:1"`
	UserBID       uint64 `gorm:"not null;uniqueIndex:idx_private_conv_pair,priority:2;index"`
	UserA         *User  `gorm:"foreignKey:UserAID;constraint:OnDelete:CASCADE"`
	UserB         *User  `gorm:"foreignKey:UserBID;constraint:OnDelete:CASCADE"`
	LastSeq       uint64 `gorm:"not null;default:0"`
	ReadSeqA      uint64 `gorm:"not null;default:0"`
	ReadSeqB      uint64 `gorm:"not null;default:0"`
	LastMessageAt *time.Time
	CreatedAt     time.Time
}

// Peer returns the participant who is not userID.
func (c *PrivateConversation) Peer(userID uint64) uint64 {
	if c.UserAID == userID {
		return c.UserBID
	}
	return c.UserAID
}

// ReadSeq returns userID's read mark.
func (c *PrivateConversation) ReadSeq(userID uint64) uint64 {
	if c.UserAID == userID {
		return c.ReadSeqA
	}
	return c.ReadSeqB
}

// Has reports whether userID takes part in the conversation.
func (c *PrivateConversation) Has(userID uint64) bool {
	return c.UserAID == userID || c.UserBID == userID
}

// FindPrivateConversation loads the conversation of a and b, if any.
func FindPrivateConversation(ctx context.Context, db *gorm.DB, a, b uint64) (*PrivateConversation, error) {
	lo, hi := orderPair(a, b)
	var c PrivateConversation
	if err := db.WithContext(ctx).Where("user_a_id = ? AND user_b_id = ?", lo, hi).First(&c).Error; err != nil {
		return nil, notFound(err, "conversation")
	}
	return &c, nil
}

// GetPrivateConversation loads a conversation by id.
func GetPrivateConversation(ctx context.Context, db *gorm.DB, id uint64) (*PrivateConversation, error) {
	var c PrivateConversation
	if err := db.WithContext(ctx).First(&c, id).Error; err != nil {
		return nil, notFound(err, "conversation")
	}
	return &c, nil
}

// EnsurePrivateConversation returns the conversation of a and b, creating it
// if needed. Two first messages racing both land on the one row: the insert
// does nothing on conflict and the row is read back.
func EnsurePrivateConversation(ctx context.Context, db *gorm.DB, a, b uint64) (*PrivateConversation, error) {
	if c, err := FindPrivateConversation(ctx, db, a, b); err == nil {
		return c, nil
	}
	lo, hi := orderPair(a, b)
	c := &PrivateConversation{UserAID: lo, UserBID: hi}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(c).Error; err != nil {
		return nil, err
	}
	return FindPrivateConversation(ctx, db, a, b)
}

// readColumn is the read-mark column of userID in c.
func (c *PrivateConversation) readColumn(userID uint64) string {
	if c.UserAID == userID {
		return "read_seq_a"
	}
	return "read_seq_b"
}

// MarkPrivateRead moves userID's read mark forward to seq (never back, never
// past the last message) and returns the mark now stored.
func MarkPrivateRead(ctx context.Context, db *gorm.DB, c *PrivateConversation, userID, seq uint64) (uint64, error) {
	return markRead(ctx, db, "private_conversations", c.readColumn(userID), "id = ?", []any{c.ID}, seq)
}

// markRead sets col = max(col, min(seq, last_seq)) on the row matched by where,
// returning the new value. The clamp keeps unread from going negative; the max
// keeps a late, older read mark from undoing a newer one.
func markRead(ctx context.Context, db *gorm.DB, table, col, where string, args []any, seq uint64) (uint64, error) {
	sql := "UPDATE " + table + " SET " + col + " = CASE WHEN last_seq <= ? THEN last_seq WHEN " + col + " < ? THEN ? ELSE " + col + " END WHERE " + where + " RETURNING " + col
	params := append([]any{dbSeq(seq), dbSeq(seq), dbSeq(seq)}, args...)
	var out []uint64
	if err := db.WithContext(ctx).Raw(sql, params...).Scan(&out).Error; err != nil {
		return 0, err
	}
	if len(out) == 0 {
		return 0, apperr.New(apperr.ErrNotFound, "conversation not found")
	}
	return out[0], nil
}

// Unread is how many messages of a conversation whose last seq is lastSeq
// are past a read mark: the one definition of unread.
func Unread(lastSeq, readSeq uint64) uint64 { return lastSeq - min(readSeq, lastSeq) }

// PrivateSummary is one line of a user's conversation list.
type PrivateSummary struct {
	Conversation PrivateConversation
	LastMessage  *Message // nil before the first message
}

// ActivityAt is the summary's sort time in the list: its last message's.
func (s *PrivateSummary) ActivityAt() time.Time {
	if s.Conversation.LastMessageAt == nil {
		return s.Conversation.CreatedAt
	}
	return *s.Conversation.LastMessageAt
}

// ListPrivateConversations returns a page of userID's conversations with
// current friends that have at least one message, newest activity first
// (last message time, then id, both descending), after the position after,
// and whether more follow. A friend who deleted their account stays listed
// (shown as deleted): the history is kept. A conversation whose activity
// changes moves to the front, before any position a client holds.
func ListPrivateConversations(ctx context.Context, db *gorm.DB, userID uint64, after Keyset, limit int) ([]PrivateSummary, bool, error) {
	q := db.WithContext(ctx).Model(&PrivateConversation{}).
		Joins("JOIN friendships f ON f.user_a_id = private_conversations.user_a_id AND f.user_b_id = private_conversations.user_b_id").
		Where("(private_conversations.user_a_id = ? OR private_conversations.user_b_id = ?) AND private_conversations.last_seq > 0", userID, userID)
	if !after.IsZero() {
		q = q.Where("(private_conversations.last_message_at < ? OR (private_conversations.last_message_at = ? AND private_conversations.id < ?))",
			after.At, after.At, after.ID)
	}
	var convs []PrivateConversation
	err := q.Order("private_conversations.last_message_at DESC, private_conversations.id DESC").Limit(limit + 1).Find(&convs).Error
	if err != nil {
		return nil, false, err
	}
	more := len(convs) > limit
	convs = convs[:min(len(convs), limit)]
	ids := make([]uint64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	last, err := lastMessages(ctx, db, ConvPrivate, ids)
	if err != nil {
		return nil, false, err
	}
	out := make([]PrivateSummary, len(convs))
	for i, c := range convs {
		out[i] = PrivateSummary{Conversation: c, LastMessage: last[c.ID]}
	}
	return out, more, nil
}
