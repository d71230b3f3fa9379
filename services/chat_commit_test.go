package services_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
	"workcomm/testenv"
	"workcomm/views"
)

// TestGroupCommit sends concurrently, so that sends share transactions, and
// checks what each sender was told against what was stored.
func TestGroupCommit(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		svc := env.App.Services
		const groups, members, perSender = 3, 4, 6
		var users []*models.User
		var groupIDs []uint64
		var owners []*testenv.User
		for g := range groups {
			var ids []uint64
			var owner *testenv.User
			for m := range members {
				u := env.Register(t, fmt.Sprintf("gc%d", g))
				if m == 0 {
					owner = u
				} else {
					ids = append(ids, u.ID)
				}
				mu, err := models.GetUser(t.Context(), env.App.DB, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, mu)
			}
			res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": fmt.Sprintf("g%d", g), "memberIds": ids})
			testenv.Expect(t, res, http.StatusCreated)
			var grp struct{ ID uint64 }
			res.JSON(t, &grp)
			groupIDs = append(groupIDs, grp.ID)
			owners = append(owners, owner)
		}
		outsider := env.Register(t, "outsider")
		out, err := models.GetUser(t.Context(), env.App.DB, outsider.ID)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("concurrent senders in several groups: gap-free seqs, every message once, own messages read, duplicates answered with the first", func(t *testing.T) {
			type result struct {
				msg     *views.Message
				created bool
				err     error
			}
			results := make([][]result, len(users))
			var wg sync.WaitGroup
			for i, u := range users {
				key := services.ConvKey{Type: models.ConvGroup, ID: groupIDs[i/members]}
				results[i] = make([]result, 2*perSender)
				for k := range perSender {
					cid := fmt.Sprintf("c%d", k)
					for copy := range 2 { // the same clientMsgId twice, at once
						wg.Go(func() {
							m, created, err := svc.Chat.Send(t.Context(), u, key, services.SendInput{Body: "hi", ClientMsgID: &cid})
							results[i][2*k+copy] = result{m, created, err}
						})
					}
				}
			}
			wg.Wait()
			for i, rs := range results {
				for k := range perSender {
					a, b := rs[2*k], rs[2*k+1]
					if a.err != nil || b.err != nil {
						t.Fatalf("user %d send %d: %v / %v", i, k, a.err, b.err)
					}
					if a.msg.ID != b.msg.ID || a.created == b.created {
						t.Fatalf("user %d clientMsgId c%d: ids %d/%d, created %v/%v; want one message, created once", i, k, a.msg.ID, b.msg.ID, a.created, b.created)
					}
				}
			}
			for g, id := range groupIDs {
				msgs, _, err := models.ListMessages(t.Context(), env.App.DB, models.ConvGroup, id, models.HistoryQuery{After: new(uint64), Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) != members*perSender {
					t.Fatalf("group %d holds %d messages, want %d", g, len(msgs), members*perSender)
				}
				lastBy := map[uint64]uint64{}
				for i, m := range msgs {
					if m.Seq != uint64(i+1) {
						t.Fatalf("group %d: seq %d at position %d", g, m.Seq, i+1)
					}
					lastBy[m.SenderID] = m.Seq
				}
				for _, u := range users[g*members : (g+1)*members] {
					mem, err := models.GetMembership(t.Context(), env.App.DB, id, u.ID)
					if err != nil {
						t.Fatal(err)
					}
					if mem.LastReadSeq < lastBy[u.ID] {
						t.Fatalf("group %d: a sender's read mark %d is below their last message %d", g, mem.LastReadSeq, lastBy[u.ID])
					}
				}
			}
		})

		t.Run("an outsider sending among members is not_found and stores nothing; the members' messages are stored", func(t *testing.T) {
			key := services.ConvKey{Type: models.ConvGroup, ID: groupIDs[0]}
			before, _, _ := models.ListMessages(t.Context(), env.App.DB, models.ConvGroup, groupIDs[0], models.HistoryQuery{Limit: 1})
			var wg sync.WaitGroup
			errs := make([]error, members+1)
			for i, u := range append(users[:members:members], out) {
				wg.Go(func() {
					_, _, errs[i] = svc.Chat.Send(t.Context(), u, key, services.SendInput{Body: "mixed batch"})
				})
			}
			wg.Wait()
			for i, err := range errs[:members] {
				if err != nil {
					t.Fatalf("member %d: %v", i, err)
				}
			}
			if !errors.Is(errs[members], apperr.ErrNotFound) {
				t.Fatalf("outsider: %v, want not_found", errs[members])
			}
			after, _, _ := models.ListMessages(t.Context(), env.App.DB, models.ConvGroup, groupIDs[0], models.HistoryQuery{Limit: 1})
			if after[0].Seq != before[0].Seq+members {
				t.Fatalf("last seq %d → %d, want %d more", before[0].Seq, after[0].Seq, members)
			}
		})

		t.Run("a clientMsgId reused by its sender in another of their groups is a conflict; another sender may use it", func(t *testing.T) {
			u := users[0]
			testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/members", groupIDs[1]), owners[1].AccessToken, map[string]any{"userId": u.ID}), http.StatusCreated)
			cid := "reused"
			if _, _, err := svc.Chat.Send(t.Context(), u, services.ConvKey{Type: models.ConvGroup, ID: groupIDs[0]}, services.SendInput{Body: "first", ClientMsgID: &cid}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mine, other error
			wg.Go(func() {
				_, _, mine = svc.Chat.Send(t.Context(), u, services.ConvKey{Type: models.ConvGroup, ID: groupIDs[1]}, services.SendInput{Body: "elsewhere", ClientMsgID: &cid})
			})
			wg.Go(func() {
				_, _, other = svc.Chat.Send(t.Context(), users[members], services.ConvKey{Type: models.ConvGroup, ID: groupIDs[1]}, services.SendInput{Body: "mine", ClientMsgID: &cid})
			})
			wg.Wait()
			if !errors.Is(mine, apperr.ErrConflict) {
				t.Fatalf("the sender's clientMsgId in another group: %v, want conflict", mine)
			}
			if other != nil {
				t.Fatalf("another sender's same clientMsgId: %v", other)
			}
		})
	})
}
