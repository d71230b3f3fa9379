package search_test

import (
	"context"
	"fmt"
	"testing"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// TestPostgresScopesKeepConversationsApart: the index holds each word in
// its conversation's scope, and a query in one scope finds nothing of
// another, even one whose id starts with the same digits (group 1 and
// group 12) or the same id of the other kind (group 1 and private 1).
func TestPostgresScopesKeepConversationsApart(t *testing.T) {
	db := openIndexed(t, testenv.Postgres)
	owner := newUser(t, db, "owner")
	var groups []*models.Group
	for i := range 12 {
		g := newGroup(t, db, fmt.Sprintf("g%d", i+1), owner)
		insert(t, db, g, []*models.Message{{SenderID: owner.ID, Body: fmt.Sprintf("hello from group %d", g.ID)}})
		groups = append(groups, g)
	}
	g1, g12 := groups[0], groups[11]
	if g1.ID != 1 || g12.ID != 12 {
		t.Skipf("group ids %d and %d: the test needs 1 and 12 (a fresh schema)", g1.ID, g12.ID)
	}
	if err := db.Exec(`INSERT INTO messages (conv_type, conv_id, seq, sender_id, body, created_at)
  VALUES ('private', 1, 1, ?, 'hello from private 1', now())`, owner.ID).Error; err != nil {
		t.Fatal(err)
	}
	q, err := search.Parse("hel")
	if err != nil {
		t.Fatal(err)
	}
	// "2" in group 1: without the z that ends a scope it would be the
	// prefix g12 and find every word of group 12.
	two, err := search.Parse("2")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Raw(`SELECT count(*) FROM messages WHERE search_scoped @@ to_tsquery('simple'::regconfig, wc_unaccent(?))`,
		search.ScopedQuery(two, models.ConvGroup, 1)).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf(`"2" in group 1's scope found %d messages, want none`, n)
	}
	for _, c := range []struct {
		convType string
		id       uint64
	}{{models.ConvGroup, 1}, {models.ConvGroup, 12}, {models.ConvPrivate, 1}} {
		var found []struct {
			ConvType string
			ConvID   uint64
		}
		err := db.Raw(`SELECT conv_type, conv_id FROM messages
  WHERE search_scoped @@ to_tsquery('simple'::regconfig, wc_unaccent(?))`, search.ScopedQuery(q, c.convType, c.id)).Scan(&found).Error
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 1 || found[0].ConvType != c.convType || found[0].ConvID != c.id {
			t.Errorf("%s %d's scope found %+v, want its one message", c.convType, c.id, found)
		}
	}
}

// TestPostgresMigratesTheUnscopedIndex: a database from before the scoped
// index (its unscoped search_vector column and GIN index) is migrated in
// place: the old column goes, the scoped one is computed for the messages
// already stored, and they are found.
func TestPostgresMigratesTheUnscopedIndex(t *testing.T) {
	db := openIndexed(t, testenv.Postgres)
	ctx := context.Background()
	for _, stmt := range []string{
		`ALTER TABLE messages DROP COLUMN search_scoped`,
		`ALTER TABLE messages ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, wc_search_text(body))) STORED`,
		`CREATE INDEX idx_messages_search ON messages USING GIN (search_vector)`,
	} {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	owner := newUser(t, db, "owner")
	g := newGroup(t, db, "old", owner)
	insert(t, db, g, []*models.Message{{SenderID: owner.ID, Body: "stored before the upgrade"}})

	engine := search.For(db)
	if err := engine.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Windows of one message: Find answers from the index, not the window.
	defer search.SetWindows(1, 1)()
	var old int64
	if err := db.Raw(`SELECT count(*) FROM information_schema.columns
  WHERE table_schema = current_schema() AND table_name = 'messages' AND column_name = 'search_vector'`).Scan(&old).Error; err != nil {
		t.Fatal(err)
	}
	if old != 0 {
		t.Fatal("the unscoped column is still there")
	}
	q, err := search.Parse("upgr")
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := engine.Find(ctx, db, search.Request{Query: q, UserID: owner.ID, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != "stored before the upgrade" {
		t.Fatalf("found %+v", msgs)
	}
}
