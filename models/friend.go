package models

import (
	"context"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
)

// FriendRequest is a pending request from one user to another. It is deleted
// when accepted or declined; one pending request per ordered pair.
type FriendRequest struct {
	ID        uint64 `gorm:"primaryKey"`
	FromID    uint64 `gorm:"not null;uniqueIndex:idx_friend_req_pair;index"`
	ToID      uint64 `gorm:"not null;uniqueIndex:idx_friend_req_pair;index"`
	From      *User  `gorm:"foreignKey:FromID;constraint:OnDelete:CASCADE"`
	To        *User  `gorm:"foreignKey:ToID;constraint:OnDelete:CASCADE"`
	CreatedAt time.Time
}

// Friendship is an accepted friendship, stored once per pair with UserAID <
// UserBID so that a pair cannot be stored twice.
type Friendship struct {
	UserAID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	UserBID   uint64 `gorm:"primaryKey;autoIncrement:false;index"`
	UserA     *User  `gorm:"foreignKey:UserAID;constraint:OnDelete:CASCADE"`
	UserB     *User  `gorm:"foreignKey:UserBID;constraint:OnDelete:CASCADE"`
	CreatedAt time.Time
}

// orderPair returns the pair with the smaller id first.
func orderPair(a, b uint64) (uint64, uint64) {
	if a < b {
		return a, b
	}
	return b, a
}

// AreFriends reports whether a and b are friends.
func AreFriends(ctx context.Context, db *gorm.DB, a, b uint64) (bool, error) {
	lo, hi := orderPair(a, b)
	var n int64
	err := db.WithContext(ctx).Model(&Friendship{}).Where("user_a_id = ? AND user_b_id = ?", lo, hi).Count(&n).Error
	return n > 0, err
}

// CreateFriendship stores the friendship of a and b (a duplicate is a conflict).
func CreateFriendship(ctx context.Context, db *gorm.DB, a, b uint64) (*Friendship, error) {
	lo, hi := orderPair(a, b)
	f := &Friendship{UserAID: lo, UserBID: hi}
	if err := db.WithContext(ctx).Create(f).Error; err != nil {
		if IsUniqueViolation(err) {
			return nil, apperr.New(apperr.ErrConflict, "you are already friends")
		}
		return nil, err
	}
	return f, nil
}

// DeleteFriendship removes the friendship of a and b.
func DeleteFriendship(ctx context.Context, db *gorm.DB, a, b uint64) error {
	lo, hi := orderPair(a, b)
	res := db.WithContext(ctx).Where("user_a_id = ? AND user_b_id = ?", lo, hi).Delete(&Friendship{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "friend not found")
	}
	return nil
}

// FriendEntry is one friend with the date the friendship began.
type FriendEntry struct {
	FriendID uint64
	Since    time.Time
}

// friendOf is, in a query over friendships f, the id of userID's friend (the
// one bound parameter).
const friendOf = "CASE WHEN f.user_a_id = ? THEN f.user_b_id ELSE f.user_a_id END"

// ListFriends returns a page of the live friends of userID, oldest
// friendship first (its start, then the friend's id), after the position
// after (At: the friendship's start, ID: the friend), and whether more follow.
// A new friendship goes to the end, so a client paging sees it last.
func ListFriends(ctx context.Context, db *gorm.DB, userID uint64, after Keyset, limit int) ([]FriendEntry, bool, error) {
	args := []any{userID, userID, userID, userID}
	keyset := ""
	if !after.IsZero() {
		keyset = " AND (f.created_at > ? OR (f.created_at = ? AND " + friendOf + " > ?))"
		args = append(args, after.At, after.At, userID, after.ID)
	}
	var out []FriendEntry
	err := db.WithContext(ctx).Raw(`
SELECT `+friendOf+` AS friend_id, f.created_at AS since
FROM friendships f
JOIN users u ON u.id = `+friendOf+` AND u.deleted_at IS NULL
WHERE (f.user_a_id = ? OR f.user_b_id = ?)`+keyset+`
ORDER BY f.created_at ASC, friend_id ASC
LIMIT ?`, append(args, limit+1)...).Scan(&out).Error
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	return out[:min(len(out), limit)], more, nil
}

// FriendIDs returns the ids of userID's live friends (for presence fan-out).
func FriendIDs(ctx context.Context, db *gorm.DB, userID uint64) ([]uint64, error) {
	var ids []uint64
	err := db.WithContext(ctx).Raw(`
SELECT `+friendOf+` FROM friendships f
JOIN users u ON u.id = `+friendOf+` AND u.deleted_at IS NULL
WHERE f.user_a_id = ? OR f.user_b_id = ?`, userID, userID, userID, userID).Scan(&ids).Error
	return ids, err
}

// CreateFriendRequest stores a request (a duplicate is a conflict).
func CreateFriendRequest(ctx context.Context, db *gorm.DB, fromID, toID uint64) (*FriendRequest, error) {
	r := &FriendRequest{FromID: fromID, ToID: toID}
	if err := db.WithContext(ctx).Create(r).Error; err != nil {
		if IsUniqueViolation(err) {
			return nil, apperr.New(apperr.ErrConflict, "a friend request is already pending")
		}
		return nil, err
	}
	return r, nil
}

// FindFriendRequest finds the pending request from fromID to toID, if any.
func FindFriendRequest(ctx context.Context, db *gorm.DB, fromID, toID uint64) (*FriendRequest, error) {
	var r FriendRequest
	if err := db.WithContext(ctx).Where("from_id = ? AND to_id = ?", fromID, toID).First(&r).Error; err != nil {
		return nil, notFound(err, "friend request")
	}
	return &r, nil
}

// GetFriendRequestFor loads a request that userID is a party to; any other is
// not found, so that existence does not leak.
func GetFriendRequestFor(ctx context.Context, db *gorm.DB, id, userID uint64) (*FriendRequest, error) {
	var r FriendRequest
	err := db.WithContext(ctx).Where("id = ? AND (from_id = ? OR to_id = ?)", id, userID, userID).First(&r).Error
	if err != nil {
		return nil, notFound(err, "friend request")
	}
	return &r, nil
}

// DeleteFriendRequest removes a request by id; false if it was already gone
// (a concurrent accept or decline won).
func DeleteFriendRequest(ctx context.Context, db *gorm.DB, id uint64) (bool, error) {
	res := db.WithContext(ctx).Delete(&FriendRequest{}, id)
	return res.RowsAffected == 1, res.Error
}

// ListFriendRequests returns the pending requests to and from userID whose
// other party is live, oldest first.
func ListFriendRequests(ctx context.Context, db *gorm.DB, userID uint64) (incoming, outgoing []FriendRequest, err error) {
	q := func(col, other string, dst *[]FriendRequest) error {
		return db.WithContext(ctx).
			Joins("JOIN users u ON u.id = friend_requests."+other+" AND u.deleted_at IS NULL").
			Where("friend_requests."+col+" = ?", userID).
			Order("friend_requests.created_at ASC, friend_requests.id ASC").
			Find(dst).Error
	}
	if err = q("to_id", "from_id", &incoming); err != nil {
		return nil, nil, err
	}
	if err = q("from_id", "to_id", &outgoing); err != nil {
		return nil, nil, err
	}
	return incoming, outgoing, nil
}
