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
// (per presenceChunk ids): what FriendIDs and CoMemberIDs find for each, for
// all of them at once. A user with neither is absent from the map.
//
// Co-members are not joined in the database (a burst of 5,000 users in
// groups of 50 would return 245,000 pairs): the query returns the changed
// users' live groups and those groups' members, and the pairs are made here.
func PresenceAudiences(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]*PresenceAudience, error) {
	out := make(map[uint64]*PresenceAudience, len(ids))
	audience := func(id uint64) *PresenceAudience {
		a := out[id]
		if a == nil {
			a = &PresenceAudience{}
			out[id] = a
		}
		return a
	}
	for _, part := range chunks(ids) {
		// Kind 0: (user, friend), both directions of a pair (stored with
		// user_a_id < user_b_id), each through its own index. Kind 1: (user,
		// live group). Kind 2: (group, member) of those groups.
		rows, err := db.WithContext(ctx).Raw(`
SELECT 0, f.user_a_id, f.user_b_id FROM friendships f
JOIN users u ON u.id = f.user_b_id AND u.deleted_at IS NULL
WHERE f.user_a_id IN ?
UNION ALL
SELECT 0, f.user_b_id, f.user_a_id FROM friendships f
JOIN users u ON u.id = f.user_a_id AND u.deleted_at IS NULL
WHERE f.user_b_id IN ?
UNION ALL
SELECT 1, me.user_id, me.group_id FROM group_members me
JOIN groups g ON g.id = me.group_id AND g.deleted_at IS NULL
WHERE me.user_id IN ?
UNION ALL
SELECT 2, m.group_id, m.user_id FROM group_members m
WHERE m.group_id IN (SELECT me.group_id FROM group_members me
  JOIN groups g ON g.id = me.group_id AND g.deleted_at IS NULL WHERE me.user_id IN ?)`, part, part, part, part).Rows()
		if err != nil {
			return nil, err
		}
		groupsOf := map[uint64][]uint64{}  // changed user → their live groups
		membersOf := map[uint64][]uint64{} // group → its members
		for rows.Next() {
			var kind int
			var a, b uint64
			if err := rows.Scan(&kind, &a, &b); err != nil {
				rows.Close()
				return nil, err
			}
			switch kind {
			case 0:
				f := audience(a)
				f.Friends = append(f.Friends, b)
			case 1:
				groupsOf[a] = append(groupsOf[a], b)
			default:
				membersOf[a] = append(membersOf[a], b)
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
		rows.Close()
		for user, groups := range groupsOf {
			n := 0
			for _, g := range groups {
				n += len(membersOf[g])
			}
			co := make([]uint64, 0, n)
			for _, g := range groups {
				for _, m := range membersOf[g] {
					if m != user {
						co = append(co, m)
					}
				}
			}
			if len(co) > 0 {
				audience(user).CoMembers = co
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
