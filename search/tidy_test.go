package search_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// TestTidyMergesThePendingListAndLosesNothing: on PostgreSQL, new messages
// wait in GIN's pending list (found by searches all the same) until Tidy
// merges them into the index; after it they are found exactly as before. On
// SQLite Tidy has nothing to do and must say so without error.
func TestTidyMergesThePendingListAndLosesNothing(t *testing.T) {
	for _, kind := range []string{testenv.SQLite, testenv.Postgres} {
		t.Run(kind, func(t *testing.T) {
			db := openIndexed(t, kind)
			ctx := context.Background()
			engine := search.For(db)
			userID := seedWords(t, db, 600)

			find := func() int {
				t.Helper()
				q, err := search.Parse("needle")
				if err != nil {
					t.Fatal(err)
				}
				n, before := 0, uint64(0)
				for {
					msgs, more, err := engine.Find(ctx, db, search.Request{Query: q, UserID: userID, BeforeID: before, Limit: 50})
					if err != nil {
						t.Fatal(err)
					}
					n += len(msgs)
					if !more {
						return n
					}
					before = msgs[len(msgs)-1].ID
				}
			}
			if got := find(); got != 200 {
				t.Fatalf("before tidy: found %d messages with needle, want 200", got)
			}
			pending := func() int64 { return 0 }
			if kind == testenv.Postgres {
				if err := db.Exec("CREATE EXTENSION IF NOT EXISTS pgstattuple").Error; err != nil {
					t.Fatal(err)
				}
				pending = func() int64 {
					t.Helper()
					var n int64
					if err := db.Raw("SELECT pending_pages FROM pgstatginindex('idx_messages_search'::regclass)").Scan(&n).Error; err != nil {
						t.Fatal(err)
					}
					return n
				}
				if p := pending(); p == 0 {
					t.Fatal("no pending pages after 600 inserts: fastupdate is off, so sends pay the GIN insert themselves")
				}
			}
			if err := engine.Tidy(ctx, db); err != nil {
				t.Fatal(err)
			}
			if p := pending(); p != 0 {
				t.Fatalf("%d pending pages left after Tidy", p)
			}
			if got := find(); got != 200 {
				t.Fatalf("after tidy: found %d messages with needle, want 200", got)
			}
		})
	}
}

// seedWords stores n messages in one group of a new user, one in three
// holding the word "needle", in batches as the group commit writes them.
func seedWords(t *testing.T, db *gorm.DB, n int) uint64 {
	t.Helper()
	u := newUser(t, db, "tidy")
	g := newGroup(t, db, "tidy", u)
	for done := 0; done < n; done += 50 {
		msgs := make([]*models.Message, 0, 50)
		for i := done; i < min(n, done+50); i++ {
			body := fmt.Sprintf("message %d about haystack w%d", i, i%17)
			if i%3 == 0 {
				body += " needle"
			}
			msgs = append(msgs, &models.Message{SenderID: u.ID, Body: body})
		}
		insert(t, db, g, msgs)
	}
	return u.ID
}
