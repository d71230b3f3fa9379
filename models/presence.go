package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// presenceChunk bounds the ids one presence statement binds. The audience
// query binds them three times: 3 × 5,000 stays under SQLite's 32,766 bound
// variables and PostgreSQL's 65,535, and a burst of 5,000 users (a node
// restart in a 5,000-person company) is still one statement of each kind.
const presenceChunk = 5000

// chunks splits ids into runs of at most presenceChunk.
func chunks(ids []uint64) [][]uint64 {
	var out [][]uint64
	for len(ids) > presenceChunk {
		out = append(out, ids[:presenceChunk])
		ids = ids[presenceChunk:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// TouchLastSeenMany records that the live users among ids were last seen at
// at, in one UPDATE (per presenceChunk ids).
func TouchLastSeenMany(ctx context.Context, db *gorm.DB, ids []uint64, at time.Time) error {
	for _, part := range chunks(ids) {
		if err := db.WithContext(ctx).Model(&User{}).Where("id IN ?", part).UpdateColumn("last_seen_at", at).Error; err != nil {
			return err
		}
	}
	return nil
}

// LastSeenByIDs reads when each of ids (live or deleted) was last seen, in
// one SELECT of two columns; a user without a row is absent from the map,
// one never seen maps to nil.
func LastSeenByIDs(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]*time.Time, error) {
	out := make(map[uint64]*time.Time, len(ids))
	for _, part := range chunks(ids) {
		var rows []struct {
			ID         uint64
			LastSeenAt *time.Time
		}
		if err := db.WithContext(ctx).Unscoped().Model(&User{}).Select("id", "last_seen_at").
			Where("id IN ?", part).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = r.LastSeenAt
		}
	}
	return out, nil
}

// PresenceAudience is who sees the presence of one user: their live friends
// (on the private socket) and the users who share a live group with them (on
// the group socket), each list sorted and without duplicates.
type PresenceAudience struct {
	Friends   []uint64
	CoMembers []uint64
}

// PresenceAudiences reads the audience of every user in ids in one query
// (per presenceChunk ids): FriendIDs and CoMemberIDs for all of them at once,
// grouped by user. A user with neither is absent from the map.
func PresenceAudiences(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]*PresenceAudience, error) {
	out := make(map[uint64]*PresenceAudience, len(ids))
	for _, part := range chunks(ids) {
		var rows []struct {
			Subject uint64
			Other   uint64
			Kind    int
		}
		// Kind 0: a friend, both directions of the pair (user_a_id <
		// user_b_id) through their own index; kind 1: a co-member.
		err := db.WithContext(ctx).Raw(`
SELECT f.user_a_id AS subject, f.user_b_id AS other, 0 AS kind FROM friendships f
JOIN users u ON u.id = f.user_b_id AND u.deleted_at IS NULL
WHERE f.user_a_id IN ?
UNION ALL
SELECT f.user_b_id, f.user_a_id, 0 FROM friendships f
JOIN users u ON u.id = f.user_a_id AND u.deleted_at IS NULL
WHERE f.user_b_id IN ?
UNION ALL
SELECT DISTINCT me.user_id, other.user_id, 1 FROM group_members me
JOIN groups g ON g.id = me.group_id AND g.deleted_at IS NULL
JOIN group_members other ON other.group_id = me.group_id AND other.user_id <> me.user_id
WHERE me.user_id IN ?`, part, part, part).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			a := out[r.Subject]
			if a == nil {
				a = &PresenceAudience{}
				out[r.Subject] = a
			}
			if r.Kind == 0 {
				a.Friends = append(a.Friends, r.Other)
			} else {
				a.CoMembers = append(a.CoMembers, r.Other)
			}
		}
	}
	for _, a := range out {
		slices.Sort(a.Friends)
		a.Friends = slices.Compact(a.Friends)
		slices.Sort(a.CoMembers)
		a.CoMembers = slices.Compact(a.CoMembers)
	}
	return out, nil
}
