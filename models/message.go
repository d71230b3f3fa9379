package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
)

// Conversation kinds, as the API names them.
const (
	ConvPrivate = "private"
	ConvGroup   = "group"
)

// Message is one chat message of a private conversation or of a group.
//
// One table serves both kinds: sending, editing, deleting, history, sync and
// the admin counts are the same operations whatever the conversation, and a
// single (conv_type, conv_id, seq) index answers all of them. The conversation
// is named by ConvType and ConvID (a private_conversations or groups id), so
// ConvID has no foreign key; neither parent is ever hard-deleted (groups are
// soft-deleted, private conversations are never deleted), so no message is
// orphaned.
//
// A deleted message keeps its row and its seq (no gap for sync) with its body
// blanked: the sender asked for the text to go, not for the history to shift.
type Message struct {
	ID       uint64 `gorm:"primaryKey"`
	ConvType string `gorm:"size:8;not null;uniqueIndex:idx_messages_conv_seq,priority:1"`
	ConvID   uint64 `gorm:"not null;uniqueIndex:idx_messages_conv_seq,priority:2"`
	Seq      uint64 `gorm:"not null;uniqueIndex:idx_messages_conv_seq,priority:3"`
	SenderID uint64 `gorm:"not null;uniqueIndex:idx_messages_client,priority:1"`
	Sender   *User  `gorm:"foreignKey:SenderID;constraint:OnDelete:CASCADE"`
	Body     string `gorm:"type:text;not null"`
	// ClientMsgID makes a retried send idempotent: unique per sender, so it
	// holds across nodes where a cache would not. NULLs do not collide.
	ClientMsgID *string   `gorm:"size:64;uniqueIndex:idx_messages_client,priority:2"`
	CreatedAt   time.Time `gorm:"not null;index"`
	EditedAt    *time.Time
	DeletedAt   *time.Time
	// ReplyToID is the message this one answers, in the same conversation
	// (checked when it is sent); it stays set when that message is deleted.
	ReplyToID *uint64
}

// seqTable is the table whose row holds a conversation's last seq.
func seqTable(convType string) (string, error) {
	switch convType {
	case ConvPrivate:
		return "private_conversations", nil
	case ConvGroup:
		// Soft-deleted groups take no more messages.
		return "groups", nil
	}
	return "", fmt.Errorf("unknown conversation type %q", convType)
}

// numberMessages takes the next len(msgs) seqs of one conversation and fills
// in the messages' conversation, seq and time. It must run inside a
// transaction: the UPDATE of the conversation row takes that row's lock until
// commit, so concurrent senders on PostgreSQL queue on it and the seqs have no
// gaps (a rolled-back insert rolls its increment back too). SQLite's single
// writer serialises the same way.
func numberMessages(ctx context.Context, tx *gorm.DB, convType string, convID uint64, msgs []*Message, now time.Time) error {
	table, err := seqTable(convType)
	if err != nil {
		return err
	}
	n := uint64(len(msgs))
	live := ""
	if convType == ConvGroup {
		live = " AND deleted_at IS NULL"
	}
	var last []uint64
	res := tx.WithContext(ctx).Raw("UPDATE "+table+" SET last_seq = last_seq + ?, last_message_at = ? WHERE id = ?"+live+" RETURNING last_seq",
		n, now, convID).Scan(&last)
	if res.Error != nil {
		return res.Error
	}
	if len(last) == 0 {
		return apperr.New(apperr.ErrNotFound, "conversation not found")
	}
	first := last[0] - n + 1
	for i, m := range msgs {
		m.ConvType, m.ConvID, m.Seq, m.CreatedAt = convType, convID, first+uint64(i), now
	}
	return nil
}

// ConvMessages are new messages of one conversation, for InsertBatch.
type ConvMessages struct {
	Type string
	ID   uint64
	Msgs []*Message
	// Err is set by InsertBatch when the conversation is gone (not found):
	// its messages were not stored, and the others were.
	Err error
}

// InsertBatch stores the messages of several conversations in tx, each
// conversation's with consecutive seqs after its last one, all rows in one
// INSERT (the group commit). convs must be sorted by (Type, ID): the
// conversation rows are locked in that order, so that concurrent batches,
// on this node or another, wait for each other and never deadlock.
func InsertBatch(ctx context.Context, tx *gorm.DB, convs []*ConvMessages, now time.Time) error {
	var all []*Message
	for _, typ := range []string{ConvGroup, ConvPrivate} {
		var some []*ConvMessages
		for _, c := range convs {
			if c.Type == typ && len(c.Msgs) > 0 {
				some = append(some, c)
			}
		}
		if err := numberBatch(ctx, tx, typ, some, now); err != nil {
			return err
		}
		for _, c := range some {
			if c.Err == nil {
				all = append(all, c.Msgs...)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	return tx.WithContext(ctx).Create(all).Error
}

// numberBatch takes the next seqs of several conversations of one kind in
// two statements whatever their number: on PostgreSQL their rows are first
// locked in id order (SELECT ... ORDER BY id FOR UPDATE; one UPDATE of
// several rows locks them in no set order, and two batches could deadlock),
// then one UPDATE ... FROM (VALUES ...) RETURNING moves every last_seq.
// SQLite's single writer needs no lock. A conversation gone gets Err.
func numberBatch(ctx context.Context, tx *gorm.DB, convType string, convs []*ConvMessages, now time.Time) error {
	if len(convs) == 0 {
		return nil
	}
	if len(convs) == 1 {
		err := numberMessages(ctx, tx, convType, convs[0].ID, convs[0].Msgs, now)
		if errors.Is(err, apperr.ErrNotFound) {
			convs[0].Err, err = err, nil
		}
		return err
	}
	table, err := seqTable(convType)
	if err != nil {
		return err
	}
	live := ""
	if convType == ConvGroup {
		live = " AND " + table + ".deleted_at IS NULL"
	}
	ids := make([]uint64, len(convs))
	args := make([]any, 0, 1+2*len(convs))
	args = append(args, now)
	for i, c := range convs {
		ids[i] = c.ID
		args = append(args, c.ID, len(c.Msgs))
	}
	values := valuesRows("(CAST(? AS BIGINT), CAST(? AS BIGINT))", len(convs))
	if IsPostgres(tx) {
		var locked []uint64
		if err := tx.WithContext(ctx).Raw("SELECT id FROM "+table+" WHERE id IN ?"+live+" ORDER BY id FOR UPDATE", ids).Scan(&locked).Error; err != nil {
			return err
		}
	}
	var rows []struct{ ID, LastSeq uint64 }
	err = tx.WithContext(ctx).Raw("UPDATE "+table+" SET last_seq = "+table+".last_seq + v.column2, last_message_at = ? FROM (VALUES "+values+
		") AS v WHERE "+table+".id = v.column1"+live+" RETURNING "+table+".id, "+table+".last_seq", args...).Scan(&rows).Error
	if err != nil {
		return err
	}
	last := make(map[uint64]uint64, len(rows))
	for _, r := range rows {
		last[r.ID] = r.LastSeq
	}
	for _, c := range convs {
		l, ok := last[c.ID]
		if !ok {
			c.Err = apperr.New(apperr.ErrNotFound, "conversation not found")
			continue
		}
		first := l - uint64(len(c.Msgs)) + 1
		for i, m := range c.Msgs {
			m.ConvType, m.ConvID, m.Seq, m.CreatedAt = convType, c.ID, first+uint64(i), now
		}
	}
	return nil
}

// SenderClientID is a sender's clientMsgId.
type SenderClientID struct {
	SenderID    uint64
	ClientMsgID string
}

// FindMessagesByClientIDs finds the messages sent with any of the given
// (sender, clientMsgId) pairs, keyed by the pair: one query for a batch of
// sends, on the (sender_id, client_msg_id) unique index.
func FindMessagesByClientIDs(ctx context.Context, db *gorm.DB, keys []SenderClientID) (map[SenderClientID]*Message, error) {
	out := make(map[SenderClientID]*Message)
	if len(keys) == 0 {
		return out, nil
	}
	// The exact pairs, joined: one index lookup each. (sender_id IN ... AND
	// client_msg_id IN ... reads the whole table on PostgreSQL 15.)
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.SenderID, k.ClientMsgID)
	}
	values := valuesRows("(CAST(? AS BIGINT), CAST(? AS VARCHAR(64)))", len(keys))
	var msgs []Message
	err := db.WithContext(ctx).Raw("SELECT m.* FROM (VALUES "+values+
		") AS v JOIN messages m ON m.sender_id = v.column1 AND m.client_msg_id = v.column2", args...).Scan(&msgs).Error
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		out[SenderClientID{msgs[i].SenderID, *msgs[i].ClientMsgID}] = &msgs[i]
	}
	return out, nil
}

// FindMessageByClientID finds the message a sender sent with clientMsgID.
func FindMessageByClientID(ctx context.Context, db *gorm.DB, senderID uint64, clientMsgID string) (*Message, error) {
	var m Message
	err := db.WithContext(ctx).Where("sender_id = ? AND client_msg_id = ?", senderID, clientMsgID).First(&m).Error
	if err != nil {
		return nil, notFound(err, "message")
	}
	return &m, nil
}

// GetMessage loads a message by id, deleted or not.
func GetMessage(ctx context.Context, db *gorm.DB, id uint64) (*Message, error) {
	var m Message
	if err := db.WithContext(ctx).First(&m, id).Error; err != nil {
		return nil, notFound(err, "message")
	}
	return &m, nil
}

// EditMessage replaces the body of a live message; not found once deleted.
func EditMessage(ctx context.Context, db *gorm.DB, id uint64, body string, now time.Time) (*Message, error) {
	res := db.WithContext(ctx).Model(&Message{}).Where("id = ? AND deleted_at IS NULL", id).
		Updates(map[string]any{"body": body, "edited_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.ErrNotFound, "message not found")
	}
	return GetMessage(ctx, db, id)
}

// DeleteMessage soft-deletes a live message: its seq stays, its body goes.
func DeleteMessage(ctx context.Context, db *gorm.DB, id uint64, now time.Time) (*Message, error) {
	res := db.WithContext(ctx).Model(&Message{}).Where("id = ? AND deleted_at IS NULL", id).
		Updates(map[string]any{"body": "", "deleted_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.ErrNotFound, "message not found")
	}
	return GetMessage(ctx, db, id)
}

// dbSeq bounds a client's seq to what the database's signed 64-bit columns
// hold (the drivers refuse a uint64 with its high bit set, a 500 before): no
// conversation reaches 2^63 messages, so the bound changes no answer.
func dbSeq(seq uint64) int64 { return int64(min(seq, math.MaxInt64)) }

// HistoryQuery selects a page of a conversation by seq (nil means absent):
//   - Before: the Limit messages just below it;
//   - After: the Limit just above it (After 0: from the first);
//   - Before and After: the messages strictly between them, at most Limit,
//     from After up (the way a client fills a gap);
//   - Around: the Limit messages centred on it (see ListMessages);
//   - none: the latest Limit.
//
// Around excludes Before and After; callers check that before asking.
type HistoryQuery struct {
	Before, After, Around *uint64
	Limit                 int
}

// messageColumns are Message's columns in the order scanMessages reads them.
const messageColumns = "id, conv_type, conv_id, seq, sender_id, body, client_msg_id, created_at, edited_at, deleted_at, reply_to_id"

// MessageColumnsAs is the columns ScanMessagesRaw reads, qualified by a
// table alias (the search engines select them).
func MessageColumnsAs(alias string) string {
	return alias + "." + strings.ReplaceAll(messageColumns, ", ", ", "+alias+".")
}

// ListMessages returns a page of a conversation in ascending seq and whether
// more lie beyond it: below it for Before and for the latest, above it for
// After (with or without Before: more between the page and Before), and
// above it for Around. Around's page has Limit/2 messages below the seq and
// the rest from the seq up; where one side runs out, the other fills the page.
// Older messages exist exactly when the first item's seq is above 1 (seqs
// have no gaps), so Around's HasMore needs only say whether newer ones follow.
func ListMessages(ctx context.Context, db *gorm.DB, convType string, convID uint64, q HistoryQuery) ([]Message, bool, error) {
	if q.Around != nil {
		return listAround(ctx, db, convType, convID, *q.Around, q.Limit)
	}
	tx := db.WithContext(ctx).Where("conv_type = ? AND conv_id = ?", convType, convID).Limit(q.Limit + 1)
	ascending := q.After != nil
	if q.After != nil {
		tx = tx.Where("seq > ?", dbSeq(*q.After)).Order("seq ASC")
	}
	if q.Before != nil {
		tx = tx.Where("seq < ?", dbSeq(*q.Before))
		if !ascending {
			tx = tx.Order("seq DESC")
		}
	}
	if q.After == nil && q.Before == nil {
		tx = tx.Order("seq DESC")
	}
	out, err := scanMessages(tx, q.Limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	if !ascending {
		slices.Reverse(out)
	}
	return out, more, nil
}

// listAround reads up to limit messages on each side of seq (below it, and
// from it up) and keeps the page centred on it.
func listAround(ctx context.Context, db *gorm.DB, convType string, convID, seq uint64, limit int) ([]Message, bool, error) {
	conv := db.WithContext(ctx).Where("conv_type = ? AND conv_id = ?", convType, convID)
	below, err := scanMessages(conv.Session(&gorm.Session{}).Where("seq < ?", dbSeq(seq)).Order("seq DESC").Limit(limit), limit)
	if err != nil {
		return nil, false, err
	}
	above, err := scanMessages(conv.Session(&gorm.Session{}).Where("seq >= ?", dbSeq(seq)).Order("seq ASC").Limit(limit+1), limit+1)
	if err != nil {
		return nil, false, err
	}
	nBelow := min(len(below), limit/2)
	nAbove := min(len(above), limit-nBelow)
	nBelow = min(len(below), limit-nAbove) // the end is near: more from below
	more := len(above) > nAbove
	out := make([]Message, 0, nBelow+nAbove)
	for i := nBelow - 1; i >= 0; i-- {
		out = append(out, below[i])
	}
	return append(out, above[:nAbove]...), more, nil
}

// scanMessages runs a query of messages and scans its rows by hand: a
// history page is the hottest read, and GORM's reflection per row and field
// cost more than the query itself.
func scanMessages(tx *gorm.DB, capacity int) ([]Message, error) {
	rows, err := tx.Model(&Message{}).Select(messageColumns).Rows()
	if err != nil {
		return nil, err
	}
	return scanRows(rows, capacity)
}

// ScanMessagesRaw runs a raw query selecting MessageColumnsAs and scans its
// rows as scanMessages does (the search engines' queries).
func ScanMessagesRaw(ctx context.Context, db *gorm.DB, sql string, args ...any) ([]Message, error) {
	rows, err := db.WithContext(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	return scanRows(rows, 0)
}

// scanRows scans rows of messageColumns and closes them.
func scanRows(rows *sql.Rows, capacity int) ([]Message, error) {
	defer rows.Close()
	out := make([]Message, 0, capacity)
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ConvType, &m.ConvID, &m.Seq, &m.SenderID, &m.Body, &m.ClientMsgID, &m.CreatedAt, &m.EditedAt, &m.DeletedAt, &m.ReplyToID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// lastMessages loads the newest message of each conversation of a kind whose
// seq-holding row is in ids, keyed by conversation id.
func lastMessages(ctx context.Context, db *gorm.DB, convType string, ids []uint64) (map[uint64]*Message, error) {
	out := make(map[uint64]*Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	table, err := seqTable(convType)
	if err != nil {
		return nil, err
	}
	var msgs []Message
	err = db.WithContext(ctx).Table("messages AS m").Select("m.*").
		Joins("JOIN "+table+" AS c ON m.conv_id = c.id AND m.seq = c.last_seq").
		Where("m.conv_type = ? AND c.id IN ?", convType, ids).Find(&msgs).Error
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		out[msgs[i].ConvID] = &msgs[i]
	}
	return out, nil
}

// CountMessagesSince counts the messages sent since t, deleted ones included
// (admin stats).
func CountMessagesSince(ctx context.Context, db *gorm.DB, t time.Time) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Message{}).Where("created_at >= ?", t).Count(&n).Error
	return n, err
}
