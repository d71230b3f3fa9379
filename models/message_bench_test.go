package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/models"
	"workcomm/search"
	"workcomm/testenv"
)

// BenchmarkInsertMessages measures storing group messages with their seq, one
// transaction per op (the conversation row's UPDATE ... RETURNING, the
// INSERT, the commit), on SQLite and PostgreSQL, for batches of 1, 10 and 50
// messages of one conversation (models.InsertBatch, as the group commit calls
// it), without and with the search index (search.For: FTS5 triggers, a
// generated tsvector with GIN), whose upkeep runs inside the same
// transaction. ns/message is the figure to compare:
//
//	go test -run '^$' -bench InsertMessages -benchmem -count 6 ./models/
func BenchmarkInsertMessages(b *testing.B) {
	for _, kind := range []string{testenv.SQLite, testenv.Postgres} {
		for _, index := range []string{"off", "on"} {
			b.Run("db="+kind+"/index="+index, func(b *testing.B) { benchInsert(b, kind, index == "on") })
		}
	}
}

// benchInsert is one database's run, with or without the search index.
func benchInsert(b *testing.B, kind string, indexed bool) {
	db, _ := testenv.OpenDB(b, kind)
	ctx := context.Background()
	var extra []func(*gorm.DB) error
	if indexed {
		extra = append(extra, func(tx *gorm.DB) error { return search.For(tx).Migrate(ctx, tx) })
	}
	if err := models.Migrate(ctx, db, extra...); err != nil {
		b.Fatal(err)
	}
	u := &models.User{Username: "bench", Email: "bench@example.com", DisplayName: "Bench", PasswordHash: "x"}
	if err := models.CreateUser(ctx, db, u); err != nil {
		b.Fatal(err)
	}
	g := &models.Group{Name: "bench", OwnerID: u.ID}
	if err := models.CreateGroup(ctx, db, g, []models.GroupMember{{UserID: u.ID, Role: models.GroupRoleOwner, JoinedAt: time.Now()}}); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("lorem ipsum ", 8)
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				msgs := make([]*models.Message, n)
				for i := range msgs {
					msgs[i] = &models.Message{SenderID: u.ID, Body: body}
				}
				err := db.Transaction(func(tx *gorm.DB) error {
					return models.InsertBatch(ctx, tx, []*models.ConvMessages{{Type: models.ConvGroup, ID: g.ID, Msgs: msgs}}, time.Now().UTC())
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/message")
		})
	}
}
