package controllers_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"workcomm/testenv"
)

// listPage is the contract's list envelope as a client reads it.
type listPage[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// Lines of the three lists, as much of them as the ordering needs.
type (
	friendLine struct {
		User struct {
			ID uint64 `json:"id"`
		} `json:"user"`
		Since time.Time `json:"since"`
	}
	groupLine struct {
		ID          uint64    `json:"id"`
		CreatedAt   time.Time `json:"createdAt"`
		LastMessage *struct {
			CreatedAt time.Time `json:"createdAt"`
		} `json:"lastMessage"`
	}
	privateLine struct {
		Peer struct {
			ID uint64 `json:"id"`
		} `json:"peer"`
		ConversationID uint64 `json:"conversationId"`
		LastMessage    struct {
			CreatedAt time.Time `json:"createdAt"`
		} `json:"lastMessage"`
	}
)

// activity is a group's sort time: its last message's, else its creation's.
func (g groupLine) activity() time.Time {
	if g.LastMessage != nil {
		return g.LastMessage.CreatedAt
	}
	return g.CreatedAt
}

// pageAll reads every page of a list, limit items at a time, calling
// between with the items read so far after each page but the last.
func pageAll[T any](t *testing.T, env *testenv.Env, path, token string, limit int, between func(sofar []T)) (items []T, pages int) {
	t.Helper()
	cursor := ""
	for {
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		res := env.Get(t, path+"?"+q.Encode(), token)
		testenv.Expect(t, res, http.StatusOK)
		var p listPage[T]
		res.JSON(t, &p)
		if len(p.Items) > limit {
			t.Fatalf("%s: %d items on a page of %d", path, len(p.Items), limit)
		}
		items, pages = append(items, p.Items...), pages+1
		if p.NextCursor == nil {
			return items, pages
		}
		if len(p.Items) == 0 || pages > 100 {
			t.Fatalf("%s: page %d has %d items and a next cursor", path, pages, len(p.Items))
		}
		cursor = *p.NextCursor
		between(items)
	}
}

// once fails unless ids holds each id at most once, and returns them as a set.
func once(t *testing.T, list string, ids []uint64) map[uint64]bool {
	t.Helper()
	seen := map[uint64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s: %d appears twice", list, id)
		}
		seen[id] = true
	}
	return seen
}

// TestListsPageStablyWhileNewOnesArrive: a user with 120 friends, 120
// groups and 120 private conversations reads each list in pages of 25 while
// others befriend them, add them to groups and write to them between pages.
// Every item is seen once, in the list's order; new friends come last (and
// may be seen), new groups and conversations come first (before the cursor,
// so not in the later pages).
func TestListsPageStablyWhileNewOnesArrive(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, adminManyRegistrations)
		me := env.Register(t, "me")
		// arrive makes a newcomer a friend of me, in a group with me, and
		// writing to me: one more line in each list.
		groups := map[uint64]bool{} // every group me is in
		arrive := func() *testenv.User {
			u := env.Register(t, "peer")
			env.Befriend(t, u, me)
			groups[createGroup(t, env, u, "g-"+u.Username, me).ID] = true
			sendPrivate(t, env, u, me, "hello")
			return u
		}
		const n = 120
		original := map[uint64]bool{}
		for range n {
			original[arrive().ID] = true
		}
		var newcomers []uint64
		newcomer := func() { newcomers = append(newcomers, arrive().ID) }

		t.Run("friends: oldest friendship first; newcomers come last", func(t *testing.T) {
			lines, pages := pageAll(t, env, "/api/v1/friends", me.AccessToken, 25, func([]friendLine) { newcomer() })
			ids := make([]uint64, len(lines))
			for i, l := range lines {
				ids[i] = l.User.ID
				if i > 0 && (l.Since.Before(lines[i-1].Since) || (l.Since.Equal(lines[i-1].Since) && l.User.ID < ids[i-1])) {
					t.Fatalf("friend %d (since %v) after %d (since %v)", l.User.ID, l.Since, ids[i-1], lines[i-1].Since)
				}
			}
			seen := once(t, "friends", ids)
			for id := range original {
				if !seen[id] {
					t.Fatalf("friend %d never listed", id)
				}
			}
			for id := range seen {
				if !original[id] && !slices.Contains(newcomers, id) {
					t.Fatalf("%d listed as a friend", id)
				}
			}
			if pages < 5 {
				t.Fatalf("%d friends in %d pages of 25", len(lines), pages)
			}
		})

		t.Run("groups: newest activity first; newcomers' groups come first, outside the later pages", func(t *testing.T) {
			there := maps.Clone(groups) // when paging begins
			lines, _ := pageAll(t, env, "/api/v1/chat/groups", me.AccessToken, 25, func([]groupLine) { newcomer() })
			ids := make([]uint64, len(lines))
			for i, l := range lines {
				ids[i] = l.ID
				if i > 0 {
					prev := lines[i-1]
					if l.activity().After(prev.activity()) || (l.activity().Equal(prev.activity()) && l.ID > prev.ID) {
						t.Fatalf("group %d (%v) after group %d (%v)", l.ID, l.activity(), prev.ID, prev.activity())
					}
				}
			}
			if seen := once(t, "groups", ids); !maps.Equal(seen, there) {
				t.Fatalf("%d groups across the pages, want the %d there were when paging began", len(seen), len(there))
			}
		})

		t.Run("private conversations: newest activity first, each once, even when one already seen has news", func(t *testing.T) {
			there := map[uint64]bool{}
			for id := range original {
				there[id] = true
			}
			for _, id := range newcomers {
				there[id] = true
			}
			lines, _ := pageAll(t, env, "/api/v1/chat/private", me.AccessToken, 25, func(sofar []privateLine) {
				newcomer()
				if len(sofar) == 25 { // a conversation of the first page moves to the front
					sendPrivate(t, env, me, &testenv.User{ID: sofar[3].Peer.ID}, "news")
				}
			})
			peers := make([]uint64, len(lines))
			for i, l := range lines {
				peers[i] = l.Peer.ID
				if i > 0 {
					prev := lines[i-1]
					if l.LastMessage.CreatedAt.After(prev.LastMessage.CreatedAt) ||
						(l.LastMessage.CreatedAt.Equal(prev.LastMessage.CreatedAt) && l.ConversationID > prev.ConversationID) {
						t.Fatalf("conversation %d after %d: not newest activity first", l.ConversationID, prev.ConversationID)
					}
				}
			}
			seen := once(t, "private conversations", peers)
			if len(seen) != len(there) {
				t.Fatalf("%d conversations across the pages, want the %d there were when paging began", len(seen), len(there))
			}
			for id := range seen {
				if !there[id] {
					t.Fatalf("a conversation that began while paging (%d) is in a later page", id)
				}
			}
		})
	})
}

func TestListLimitsAndCursors(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind, adminManyRegistrations)
		me := env.Register(t, "me")
		for range 101 {
			env.Befriend(t, env.Register(t, "f"), me)
		}
		cases := []struct {
			story, query string
			items        int
			more         bool
		}{
			{"50 by default", "", 50, true},
			{"a limit over 100 is taken as 100", "?limit=1000", 100, true},
			{"a limit of 1", "?limit=1", 1, true},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				res := env.Get(t, "/api/v1/friends"+tc.query, me.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				var p listPage[friendLine]
				res.JSON(t, &p)
				if len(p.Items) != tc.items || (p.NextCursor != nil) != tc.more {
					t.Fatalf("%d items, next cursor %v", len(p.Items), p.NextCursor)
				}
			})
		}
		t.Run("a cursor of a list ordered by id alone is refused by a list ordered by time", func(t *testing.T) {
			res := env.Get(t, "/api/v1/users?q=f&limit=1", me.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			var p listPage[struct{ ID uint64 }]
			res.JSON(t, &p)
			for _, path := range []string{"/api/v1/friends", "/api/v1/chat/private", "/api/v1/chat/groups"} {
				res := env.Get(t, path+"?cursor="+*p.NextCursor, me.AccessToken)
				testenv.Expect(t, res, http.StatusBadRequest)
				if res.ErrorFields()["cursor"] == "" {
					t.Fatalf("%s: %s", path, res.Body)
				}
			}
		})
		t.Run("a cursor this server did not make is refused", func(t *testing.T) {
			for _, path := range []string{"/api/v1/friends", "/api/v1/chat/private", "/api/v1/chat/groups"} {
				res := env.Get(t, path+"?cursor=bm90LWEtY3Vyc29y", me.AccessToken)
				testenv.Expect(t, res, http.StatusBadRequest)
				if res.ErrorFields()["cursor"] == "" {
					t.Fatalf("%s: %s", path, res.Body)
				}
			}
		})
	})
}
