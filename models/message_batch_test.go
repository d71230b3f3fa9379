package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/testenv"
)

func TestInsertBatchNumbersEachConversationAndSkipsDeletedGroups(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		db, _ := testenv.OpenDB(t, kind)
		ctx := context.Background()
		if err := models.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		u := &models.User{Username: "batch", Email: "batch@example.com", DisplayName: "Batch", PasswordHash: "x"}
		if err := models.CreateUser(ctx, db, u); err != nil {
			t.Fatal(err)
		}
		var groups []*models.Group
		for i := range 3 {
			g := &models.Group{Name: fmt.Sprint("g", i), OwnerID: u.ID}
			if err := models.CreateGroup(ctx, db, g, []models.GroupMember{{UserID: u.ID, Role: models.GroupRoleOwner, JoinedAt: time.Now()}}); err != nil {
				t.Fatal(err)
			}
			groups = append(groups, g)
		}
		// Group 0 already holds 2 messages; group 2 is deleted.
		if err := db.Transaction(func(tx *gorm.DB) error {
			return models.InsertBatch(ctx, tx, []*models.ConvMessages{{Type: models.ConvGroup, ID: groups[0].ID,
				Msgs: []*models.Message{{SenderID: u.ID, Body: "a"}, {SenderID: u.ID, Body: "b"}}}}, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		if err := models.DeleteGroup(ctx, db, groups[2].ID); err != nil {
			t.Fatal(err)
		}
		msgs := func(n int) []*models.Message {
			out := make([]*models.Message, n)
			for i := range out {
				out[i] = &models.Message{SenderID: u.ID, Body: "x"}
			}
			return out
		}
		batch := []*models.ConvMessages{
			{Type: models.ConvGroup, ID: groups[0].ID, Msgs: msgs(3)},
			{Type: models.ConvGroup, ID: groups[1].ID, Msgs: msgs(2)},
			{Type: models.ConvGroup, ID: groups[2].ID, Msgs: msgs(1)},
		}
		if err := db.Transaction(func(tx *gorm.DB) error { return models.InsertBatch(ctx, tx, batch, time.Now()) }); err != nil {
			t.Fatal(err)
		}
		for i, want := range [][]uint64{{3, 4, 5}, {1, 2}} {
			if batch[i].Err != nil {
				t.Fatalf("group %d: %v", i, batch[i].Err)
			}
			for j, m := range batch[i].Msgs {
				if m.Seq != want[j] || m.ID == 0 || m.ConvID != groups[i].ID {
					t.Fatalf("group %d message %d: seq %d id %d conv %d, want seq %d", i, j, m.Seq, m.ID, m.ConvID, want[j])
				}
			}
			stored, _, err := models.ListMessages(ctx, db, models.ConvGroup, groups[i].ID, models.HistoryQuery{Limit: 10})
			if err != nil || len(stored) != int(want[len(want)-1]) {
				t.Fatalf("group %d stores %d messages (%v), want %d", i, len(stored), err, want[len(want)-1])
			}
		}
		if !errors.Is(batch[2].Err, apperr.ErrNotFound) || batch[2].Msgs[0].ID != 0 {
			t.Fatalf("deleted group: err %v, id %d; want not_found and nothing stored", batch[2].Err, batch[2].Msgs[0].ID)
		}
	})
}
