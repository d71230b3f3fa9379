package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// Group member roles.
const (
	GroupRoleOwner  = "owner"
	GroupRoleAdmin  = "admin"
	GroupRoleMember = "member"
)

// Group is a group conversation. Its row holds the last seq (locked to number
// each new message); deleting it is soft, so its messages keep their parent.
type Group struct {
	ID            uint64 `gorm:"primaryKey"`
	Name          string `gorm:"size:100;not null"`
	Description   string `gorm:"size:1000;not null;default:''"`
	OwnerID       uint64 `gorm:"not null;index"`
	Owner         *User  `gorm:"foreignKey:OwnerID;constraint:OnDelete:CASCADE"`
	LastSeq       uint64 `gorm:"not null;default:0"`
	LastMessageAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     gorm.DeletedAt `gorm:"index"`
}

// GroupMember is a user's membership of a group: their role and read mark.
type GroupMember struct {
	GroupID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserID      uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	Group       *Group `gorm:"foreignKey:GroupID;constraint:OnDelete:CASCADE"`
	User        *User  `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
	Role        string `gorm:"size:8;not null"`
	LastReadSeq uint64 `gorm:"not null;default:0"`
	// LastReadAt is when LastReadSeq last moved ("seen by" shows it).
	LastReadAt *time.Time
	JoinedAt   time.Time `gorm:"not null"`
}

// CanManage reports the owner and admin roles.
func (m *GroupMember) CanManage() bool {
	return m.Role == GroupRoleOwner || m.Role == GroupRoleAdmin
}

// CreateGroup inserts g and its members (the owner among them) in tx.
func CreateGroup(ctx context.Context, tx *gorm.DB, g *Group, members []GroupMember) error {
	if err := tx.WithContext(ctx).Create(g).Error; err != nil {
		return err
	}
	for i := range members {
		members[i].GroupID = g.ID
	}
	return tx.WithContext(ctx).Create(&members).Error
}

// GetGroup loads a live (not deleted) group.
func GetGroup(ctx context.Context, db *gorm.DB, id uint64) (*Group, error) {
	var g Group
	if err := db.WithContext(ctx).First(&g, id).Error; err != nil {
		return nil, notFound(err, "group")
	}
	return &g, nil
}

// LockGroup reads a live group FOR UPDATE inside a transaction, so that member
// counts checked against the plan cannot race (a no-op lock on SQLite, whose
// single writer serialises transactions anyway).
func LockGroup(ctx context.Context, tx *gorm.DB, id uint64) (*Group, error) {
	var g Group
	q := tx.WithContext(ctx)
	if IsPostgres(tx) {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&g, id).Error; err != nil {
		return nil, notFound(err, "group")
	}
	return &g, nil
}

// UpdateGroup writes the given columns of a live group.
func UpdateGroup(ctx context.Context, db *gorm.DB, id uint64, cols map[string]any) error {
	res := db.WithContext(ctx).Model(&Group{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "group not found")
	}
	return nil
}

// DeleteGroup soft-deletes a group; its members and messages stay for the record.
func DeleteGroup(ctx context.Context, db *gorm.DB, id uint64) error {
	res := db.WithContext(ctx).Delete(&Group{}, id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "group not found")
	}
	return nil
}

// CountOwnedGroups counts the live groups userID owns (plan limit).
func CountOwnedGroups(ctx context.Context, db *gorm.DB, userID uint64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Group{}).Where("owner_id = ?", userID).Count(&n).Error
	return n, err
}

// CountGroupMembers counts a group's members who are live users (plan limit:
// a deleted account no longer takes a seat).
func CountGroupMembers(ctx context.Context, db *gorm.DB, groupID uint64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&GroupMember{}).
		Joins("JOIN users u ON u.id = group_members.user_id AND u.deleted_at IS NULL").
		Where("group_members.group_id = ?", groupID).Count(&n).Error
	return n, err
}

// CountGroups counts live groups (admin stats).
func CountGroups(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Group{}).Count(&n).Error
	return n, err
}

// GetMembership loads userID's membership of a live group; anything else
// (no such group, deleted group, not a member) is not found.
func GetMembership(ctx context.Context, db *gorm.DB, groupID, userID uint64) (*GroupMember, error) {
	var m GroupMember
	err := db.WithContext(ctx).
		Joins("JOIN groups g ON g.id = group_members.group_id AND g.deleted_at IS NULL").
		Where("group_members.group_id = ? AND group_members.user_id = ?", groupID, userID).
		First(&m).Error
	if err != nil {
		return nil, notFound(err, "group")
	}
	return &m, nil
}

// GroupUser is a (group, user) pair.
type GroupUser struct {
	GroupID, UserID uint64
}

// LiveMemberships reports which of the pairs are memberships of live groups:
// the membership check of a batch of sends, in one query.
func LiveMemberships(ctx context.Context, db *gorm.DB, pairs []GroupUser) (map[GroupUser]bool, error) {
	out := make(map[GroupUser]bool, len(pairs))
	if len(pairs) == 0 {
		return out, nil
	}
	// The exact pairs, joined: one primary-key lookup each.
	args := make([]any, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.GroupID, p.UserID)
	}
	var rows []GroupUser
	err := db.WithContext(ctx).Raw(`SELECT gm.group_id, gm.user_id FROM (VALUES `+valuesRows("(CAST(? AS BIGINT), CAST(? AS BIGINT))", len(pairs))+`) AS v
JOIN group_members gm ON gm.group_id = v.column1 AND gm.user_id = v.column2
JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL`, args...).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r] = true
	}
	return out, nil
}

// GroupReadMark is a member's read mark to move forward.
type GroupReadMark struct {
	GroupID, UserID, Seq uint64
}

// MarkGroupReadBatch moves each member's read mark forward to its seq (never
// back) in one statement: the senders' own marks after a batch of sends,
// whose seqs are at most the group's last. Each (group, user) appears once.
func MarkGroupReadBatch(ctx context.Context, tx *gorm.DB, marks []GroupReadMark, now time.Time) error {
	if len(marks) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(marks))
	for _, m := range marks {
		args = append(args, m.GroupID, m.UserID, m.Seq)
	}
	// Typed, so that PostgreSQL compares bigints; SQLite reads BIGINT as an integer.
	values := valuesRows("(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))", len(marks))
	args = append([]any{now}, args...)
	return tx.WithContext(ctx).Exec(`UPDATE group_members SET last_read_seq = v.column3, last_read_at = ?
FROM (VALUES `+values+`) AS v
WHERE group_members.group_id = v.column1 AND group_members.user_id = v.column2 AND group_members.last_read_seq < v.column3`, args...).Error
}

// ListGroupMembers returns a group's members, oldest first.
func ListGroupMembers(ctx context.Context, db *gorm.DB, groupID uint64) ([]GroupMember, error) {
	var out []GroupMember
	err := db.WithContext(ctx).Where("group_id = ?", groupID).Order("joined_at ASC, user_id ASC").Find(&out).Error
	return out, err
}

// AddGroupMember inserts a membership; a duplicate is a conflict.
func AddGroupMember(ctx context.Context, db *gorm.DB, m *GroupMember) error {
	if err := db.WithContext(ctx).Create(m).Error; err != nil {
		if IsUniqueViolation(err) {
			return apperr.New(apperr.ErrConflict, "already a member of this group")
		}
		return err
	}
	return nil
}

// RemoveGroupMember deletes a membership.
func RemoveGroupMember(ctx context.Context, db *gorm.DB, groupID, userID uint64) error {
	res := db.WithContext(ctx).Where("group_id = ? AND user_id = ?", groupID, userID).Delete(&GroupMember{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "member not found")
	}
	return nil
}

// MarkGroupRead moves userID's read mark forward to seq (never back, never
// past the group's last message) and returns the mark now stored.
func MarkGroupRead(ctx context.Context, db *gorm.DB, groupID, userID, seq uint64, now time.Time) (uint64, error) {
	// group_members has no last_seq: the clamp reads it from the group row.
	// The read time moves only with the mark (SET reads the old values).
	const mark = `CASE
  WHEN (SELECT last_seq FROM groups WHERE id = ?) <= ? THEN (SELECT last_seq FROM groups WHERE id = ?)
  WHEN last_read_seq < ? THEN ? ELSE last_read_seq END`
	sql := `UPDATE group_members SET last_read_seq = ` + mark + `,
  last_read_at = CASE WHEN ` + mark + ` > last_read_seq THEN ? ELSE last_read_at END
WHERE group_id = ? AND user_id = ? RETURNING last_read_seq`
	markArgs := []any{groupID, dbSeq(seq), groupID, dbSeq(seq), dbSeq(seq)}
	args := append(append(append(slices.Clone(markArgs), markArgs...), now), groupID, userID)
	var out []uint64
	if err := db.WithContext(ctx).Raw(sql, args...).Scan(&out).Error; err != nil {
		return 0, err
	}
	if len(out) == 0 {
		return 0, apperr.New(apperr.ErrNotFound, "group not found")
	}
	return out[0], nil
}

// GroupSummary is one line of a user's group list.
type GroupSummary struct {
	Group       Group
	Role        string
	LastReadSeq uint64
	LastMessage *Message // nil before the first message
}

// ActivityAt is the group's sort time in the list: its last message's, or
// its creation's before the first message.
func (s *GroupSummary) ActivityAt() time.Time {
	if s.Group.LastMessageAt == nil {
		return s.Group.CreatedAt
	}
	return *s.Group.LastMessageAt
}

// groupActivity is GroupSummary.ActivityAt in SQL.
const groupActivity = "COALESCE(groups.last_message_at, groups.created_at)"

// ListUserGroups returns a page of the live groups userID is a member of,
// newest activity first (ActivityAt, then id, both descending), after the
// position after, and whether more follow. A group whose activity changes
// moves to the front, before any position a client holds.
func ListUserGroups(ctx context.Context, db *gorm.DB, userID uint64, after Keyset, limit int) ([]GroupSummary, bool, error) {
	type row struct {
		Group
		Role        string
		LastReadSeq uint64
	}
	q := db.WithContext(ctx).Table("groups").
		Select("groups.*, gm.role AS role, gm.last_read_seq AS last_read_seq").
		Joins("JOIN group_members gm ON gm.group_id = groups.id AND gm.user_id = ?", userID).
		Where("groups.deleted_at IS NULL")
	if !after.IsZero() {
		q = q.Where("("+groupActivity+" < ? OR ("+groupActivity+" = ? AND groups.id < ?))", after.At, after.At, after.ID)
	}
	var rows []row
	if err := q.Order(groupActivity + " DESC, groups.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, false, err
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	ids := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	last, err := lastMessages(ctx, db, ConvGroup, ids)
	if err != nil {
		return nil, false, err
	}
	out := make([]GroupSummary, len(rows))
	for i, r := range rows {
		out[i] = GroupSummary{Group: r.Group, Role: r.Role, LastReadSeq: r.LastReadSeq, LastMessage: last[r.ID]}
	}
	return out, more, nil
}

// FindOwnedGroup finds a live group userID owns by its name.
func FindOwnedGroup(ctx context.Context, db *gorm.DB, ownerID uint64, name string) (*Group, error) {
	var g Group
	if err := db.WithContext(ctx).Where("owner_id = ? AND name = ?", ownerID, name).First(&g).Error; err != nil {
		return nil, notFound(err, "group")
	}
	return &g, nil
}

// GroupIDsOf returns the ids of the live groups userID is a member of (the
// rooms of their group socket).
func GroupIDsOf(ctx context.Context, db *gorm.DB, userID uint64) ([]uint64, error) {
	// Scanned by hand: the handshake of every group socket runs it, and
	// gorm's Pluck costs more than the query's own round trip.
	rows, err := db.WithContext(ctx).Raw(`SELECT gm.group_id FROM group_members gm
JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL
WHERE gm.user_id = ? ORDER BY gm.group_id`, userID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CoMemberIDs returns the distinct users who share a live group with userID
// (presence fan-out on the group socket), userID excluded.
func CoMemberIDs(ctx context.Context, db *gorm.DB, userID uint64) ([]uint64, error) {
	var ids []uint64
	err := db.WithContext(ctx).Raw(`
SELECT DISTINCT other.user_id FROM group_members me
JOIN groups g ON g.id = me.group_id AND g.deleted_at IS NULL
JOIN group_members other ON other.group_id = me.group_id AND other.user_id <> me.user_id
WHERE me.user_id = ?`, userID).Scan(&ids).Error
	return ids, err
}

// SetGroupMemberRole changes a member's role (admin or member).
func SetGroupMemberRole(ctx context.Context, db *gorm.DB, groupID, userID uint64, role string) error {
	res := db.WithContext(ctx).Model(&GroupMember{}).Where("group_id = ? AND user_id = ?", groupID, userID).Update("role", role)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "member not found")
	}
	return nil
}
