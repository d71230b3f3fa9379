package search_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// openIndexed opens a test database of kind with the schema and the search
// index migrated.
func openIndexed(tb testing.TB, kind string) *gorm.DB {
	tb.Helper()
	if kind == testenv.Postgres {
		testenv.RequirePostgresOrSkip(tb)
	}
	db, _ := testenv.OpenDB(tb, kind)
	ctx := context.Background()
	engine := search.For(db)
	if err := models.Migrate(ctx, db, func(tx *gorm.DB) error { return engine.Migrate(ctx, tx) }); err != nil {
		tb.Fatal(err)
	}
	return db
}

// newUser stores a user named name.
func newUser(tb testing.TB, db *gorm.DB, name string) *models.User {
	tb.Helper()
	u := &models.User{Username: name, Email: name + "@example.com", DisplayName: name, PasswordHash: "x"}
	if err := models.CreateUser(context.Background(), db, u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// newGroup stores a group owned by owner with members beside.
func newGroup(tb testing.TB, db *gorm.DB, name string, owner *models.User, members ...*models.User) *models.Group {
	tb.Helper()
	g := &models.Group{Name: name, OwnerID: owner.ID}
	list := []models.GroupMember{{UserID: owner.ID, Role: models.GroupRoleOwner, JoinedAt: time.Now()}}
	for _, m := range members {
		list = append(list, models.GroupMember{UserID: m.ID, Role: models.GroupRoleMember, JoinedAt: time.Now()})
	}
	if err := models.CreateGroup(context.Background(), db, g, list); err != nil {
		tb.Fatal(err)
	}
	return g
}

// insert stores msgs in group g in one transaction, as the group commit
// writes a batch (ids and seqs are set on msgs).
func insert(tb testing.TB, db *gorm.DB, g *models.Group, msgs []*models.Message) {
	tb.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		return models.InsertBatch(context.Background(), tx, []*models.ConvMessages{{Type: models.ConvGroup, ID: g.ID, Msgs: msgs}}, time.Now().UTC())
	})
	if err != nil {
		tb.Fatal(err)
	}
}
