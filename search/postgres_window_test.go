package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// TestPostgresPagesAreTheNewestMatches pages through searches on PostgreSQL
// with the windows of the first step made small, so that every path is
// taken (a window that holds the page, one that does not and falls back to
// the index, conversations whose window is full and others that are not,
// a sender filter, deleted messages), and compares every page with the
// answer worked out in Go: each match once, newest first, only from the
// caller's groups.
func TestPostgresPagesAreTheNewestMatches(t *testing.T) {
	db := openIndexed(t, testenv.Postgres)
	ctx := context.Background()
	engine := search.For(db)
	me, other := newUser(t, db, "me"), newUser(t, db, "other")
	var groups []*models.Group
	for i := range 4 {
		if i < 3 { // the caller is in three of the four
			groups = append(groups, newGroup(t, db, fmt.Sprintf("g%d", i), other, me))
		} else {
			groups = append(groups, newGroup(t, db, fmt.Sprintf("g%d", i), other))
		}
	}
	type stored struct {
		id, group, sender uint64
		words             []string
		deleted           bool
	}
	var all []stored
	r := rand.New(rand.NewPCG(7, 8))
	vocab := []string{"alpha", "beta", "gamma", "delta", "rare"}
	// Busy groups and a quiet one, written in interleaved batches.
	sizes := []int{120, 60, 7, 40}
	for round := range 10 {
		for gi, g := range groups {
			var msgs []*models.Message
			for range sizes[gi] / 10 {
				words := []string{vocab[r.IntN(4)], vocab[r.IntN(4)]}
				if r.IntN(25) == 0 {
					words = append(words, "rare")
				}
				sender := me.ID
				if r.IntN(2) == 0 {
					sender = other.ID
				}
				msgs = append(msgs, &models.Message{SenderID: sender, Body: strings.Join(words, " ") + fmt.Sprintf(" r%d", round)})
			}
			if len(msgs) == 0 {
				continue
			}
			insert(t, db, g, msgs)
			for _, m := range msgs {
				all = append(all, stored{id: m.ID, group: g.ID, sender: m.SenderID, words: strings.Fields(m.Body)})
			}
		}
	}
	// Some messages deleted.
	for i := range all {
		if i%9 == 4 {
			all[i].deleted = true
			if err := db.Exec("UPDATE messages SET deleted_at = now() WHERE id = ?", all[i].id).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	readable := map[uint64]bool{groups[0].ID: true, groups[1].ID: true, groups[2].ID: true}
	want := func(words []string, from uint64) []uint64 {
		var ids []uint64
		for _, m := range all {
			if m.deleted || !readable[m.group] || (from != 0 && m.sender != from) {
				continue
			}
			ok := true
			for _, w := range words {
				ok = ok && slices.ContainsFunc(m.words, func(x string) bool { return strings.HasPrefix(x, w) })
			}
			if ok {
				ids = append(ids, m.id)
			}
		}
		slices.Reverse(ids) // stored in id order
		return ids
	}

	for _, win := range [][2]int{{2000, 100}, {30, 5}, {9, 3}} {
		restore := search.SetWindows(win[0], win[1])
		defer restore()
		for _, q := range []string{"alpha", "alpha beta", "rare", "gam", "delta rare", "nothing"} {
			for _, from := range []uint64{0, me.ID} {
				for _, limit := range []int{1, 7, 50} {
					name := fmt.Sprintf("window=%v/q=%s/from=%d/limit=%d", win, q, from, limit)
					parsed, err := search.Parse(q)
					if err != nil {
						t.Fatal(err)
					}
					var got []uint64
					before := uint64(0)
					for page := 0; ; page++ {
						msgs, more, err := engine.Find(ctx, db, search.Request{Query: parsed, UserID: me.ID, From: from, BeforeID: before, Limit: limit})
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if more && len(msgs) != limit {
							t.Fatalf("%s: page %d has %d messages and says more follow", name, page, len(msgs))
						}
						for _, m := range msgs {
							got = append(got, m.ID)
						}
						if !more {
							break
						}
						before = msgs[len(msgs)-1].ID
						if page > 1000 {
							t.Fatalf("%s: paging does not end", name)
						}
					}
					if exp := want(strings.Fields(q), from); !slices.Equal(got, exp) {
						t.Fatalf("%s:\n got %v\nwant %v", name, got, exp)
					}
				}
			}
		}
	}
}
