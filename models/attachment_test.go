package models_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/testenv"
)

// fixture is a migrated database with users and a private conversation.
type fixture struct {
	db    *gorm.DB
	ctx   context.Context
	users []*models.User
	conv  *models.PrivateConversation
}

func newFixture(t *testing.T, kind string, users int) *fixture {
	t.Helper()
	db, _ := testenv.OpenDB(t, kind)
	f := &fixture{db: db, ctx: context.Background()}
	if err := models.Migrate(f.ctx, db); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		u := &models.User{Username: fmt.Sprint("user", i), Email: fmt.Sprint("user", i, "@example.com"), DisplayName: "U", PasswordHash: "x"}
		if err := models.CreateUser(f.ctx, db, u); err != nil {
			t.Fatal(err)
		}
		f.users = append(f.users, u)
	}
	if users >= 2 {
		c, err := models.EnsurePrivateConversation(f.ctx, db, f.users[0].ID, f.users[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		f.conv = c
	}
	return f
}

// message stores a message from sender in the fixture's conversation.
func (f *fixture) message(t *testing.T, sender *models.User) *models.Message {
	t.Helper()
	m := &models.Message{SenderID: sender.ID, Body: "hello"}
	if err := f.db.Transaction(func(tx *gorm.DB) error {
		return models.InsertBatch(f.ctx, tx, []*models.ConvMessages{{Type: models.ConvPrivate, ID: f.conv.ID, Msgs: []*models.Message{m}}}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// upload reserves and finishes an upload of size bytes.
func (f *fixture) upload(t *testing.T, owner *models.User, size int64, now time.Time) *models.Attachment {
	t.Helper()
	a := &models.Attachment{OwnerID: owner.ID, Name: "a.txt", StorageKey: models.NewStorageKey("att"), Size: size}
	if err := models.ReserveUpload(f.ctx, f.db, a, 1<<40); err != nil {
		t.Fatal(err)
	}
	done, err := models.FinishUpload(f.ctx, f.db, a.ID, owner.ID, models.UploadResult{Size: size, ContentType: "text/plain; charset=utf-8"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func TestUploadsAreReservedAgainstTheQuota(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		owner := f.users[0]
		const quota = 100
		// A reservation of 60 counts before its bytes arrive: a second
		// upload of 60 does not fit, one of 40 does.
		a := &models.Attachment{OwnerID: owner.ID, Name: "big.zip", StorageKey: models.NewStorageKey("att"), Size: 60}
		if err := models.ReserveUpload(f.ctx, f.db, a, quota); err != nil || a.ID == 0 {
			t.Fatalf("reserve: %v", err)
		}
		over := &models.Attachment{OwnerID: owner.ID, Name: "more.zip", StorageKey: models.NewStorageKey("att"), Size: 60}
		if err := models.ReserveUpload(f.ctx, f.db, over, quota); !errors.Is(err, apperr.ErrPlanLimit) {
			t.Fatalf("over quota: %v, want plan_limit", err)
		}
		// The stored file was smaller than its reservation: room frees.
		got, err := models.FinishUpload(f.ctx, f.db, a.ID, owner.ID, models.UploadResult{Size: 10, ContentType: "application/zip", ThumbSize: 0}, time.Now())
		if err != nil || got.Size != 10 || got.UploadedAt == nil || got.ContentType != "application/zip" {
			t.Fatalf("finish: %+v %v", got, err)
		}
		if err := models.ReserveUpload(f.ctx, f.db, over, quota); err != nil {
			t.Fatalf("after the smaller file: %v", err)
		}
		if used, _ := models.OwnerStorageBytes(f.ctx, f.db, owner.ID); used != 70 {
			t.Fatalf("used %d, want 70", used)
		}
		// Another user's quota is their own.
		if used, _ := models.OwnerStorageBytes(f.ctx, f.db, f.users[1].ID); used != 0 {
			t.Fatalf("the other user uses %d", used)
		}
		// An upload is finished once, by its owner only.
		if _, err := models.FinishUpload(f.ctx, f.db, a.ID, owner.ID, models.UploadResult{Size: 1}, time.Now()); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("finished twice: %v", err)
		}
		if _, err := models.FinishUpload(f.ctx, f.db, over.ID, f.users[1].ID, models.UploadResult{Size: 1}, time.Now()); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("finished by another user: %v", err)
		}
	})
}

func TestConcurrentReservationsCannotOverrunTheQuota(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 1)
		// Ten uploads of 30 at once against a quota of 100: three fit.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 10 {
			wg.Go(func() {
				a := &models.Attachment{OwnerID: f.users[0].ID, Name: "x", StorageKey: models.NewStorageKey("att"), Size: 30}
				err := models.ReserveUpload(f.ctx, f.db, a, 100)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, apperr.ErrPlanLimit):
					refused++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok != 3 || refused != 7 {
			t.Fatalf("%d reservations passed and %d were refused, want 3 and 7", ok, refused)
		}
	})
}

func TestAttachUploadsAllOrNothing(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		alice, bob := f.users[0], f.users[1]
		now := time.Now()
		mine1, mine2 := f.upload(t, alice, 5, now), f.upload(t, alice, 7, now)
		bobs := f.upload(t, bob, 3, now)
		pending := &models.Attachment{OwnerID: alice.ID, Name: "p", StorageKey: models.NewStorageKey("att"), Size: 9}
		if err := models.ReserveUpload(f.ctx, f.db, pending, 1<<30); err != nil {
			t.Fatal(err)
		}
		m1, m2 := f.message(t, alice), f.message(t, alice)

		refused := []struct {
			name string
			ids  []uint64
		}{
			{"another user's upload among mine", []uint64{mine1.ID, bobs.ID}},
			{"an upload still being stored", []uint64{mine1.ID, pending.ID}},
			{"an id that does not exist", []uint64{mine1.ID, 999999}},
			{"eleven uploads", []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		}
		for _, r := range refused {
			err := models.AttachUploads(f.ctx, f.db, alice.ID, m1.ID, r.ids, now)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Fields["attachmentIds"] == "" {
				t.Fatalf("%s: %v, want a validation error on attachmentIds", r.name, err)
			}
			if got, _ := models.MessageAttachments(f.ctx, f.db, []uint64{m1.ID}); len(got[m1.ID]) != 0 {
				t.Fatalf("%s: %d attached anyway", r.name, len(got[m1.ID]))
			}
		}
		// Duplicates count once.
		if err := models.AttachUploads(f.ctx, f.db, alice.ID, m1.ID, []uint64{mine2.ID, mine1.ID, mine1.ID}, now); err != nil {
			t.Fatal(err)
		}
		// Already attached: not again, not elsewhere.
		if err := models.AttachUploads(f.ctx, f.db, alice.ID, m2.ID, []uint64{mine1.ID}, now); err == nil {
			t.Fatal("an attached upload was attached to a second message")
		}
		// Inside the message's transaction: a refused attachment rolls the
		// message back with it.
		var rolledBack *models.Message
		err := f.db.Transaction(func(tx *gorm.DB) error {
			rolledBack = &models.Message{SenderID: alice.ID, Body: ""}
			if err := models.InsertBatch(f.ctx, tx, []*models.ConvMessages{{Type: models.ConvPrivate, ID: f.conv.ID, Msgs: []*models.Message{rolledBack}}}, now); err != nil {
				return err
			}
			return models.AttachUploads(f.ctx, tx, alice.ID, rolledBack.ID, []uint64{bobs.ID}, now)
		})
		if err == nil {
			t.Fatal("the transaction committed")
		}
		if _, err := models.GetMessage(f.ctx, f.db, rolledBack.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("the message of a refused attachment was stored: %v", err)
		}

		got, err := models.MessageAttachments(f.ctx, f.db, []uint64{m1.ID, m2.ID, 424242})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(got[m1.ID]) != 2 || got[m1.ID][0].ID != mine1.ID || got[m1.ID][1].ID != mine2.ID {
			t.Fatalf("message attachments %+v", got)
		}
		a, err := models.GetAttachment(f.ctx, f.db, mine1.ID)
		if err != nil || a.Message == nil || a.Message.ID != m1.ID || a.Message.ConvID != f.conv.ID || a.AttachedAt == nil {
			t.Fatalf("GetAttachment %+v %v", a, err)
		}
	})
}

func TestTwoMessagesRacingForOneUpload(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		up := f.upload(t, f.users[0], 5, time.Now())
		msgs := []*models.Message{f.message(t, f.users[0]), f.message(t, f.users[0])}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range msgs {
			wg.Go(func() {
				errs[i] = models.AttachUploads(f.ctx, f.db, f.users[0].ID, msgs[i].ID, []uint64{up.ID}, time.Now())
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("both or neither attached: %v, %v", errs[0], errs[1])
		}
	})
}

func TestDeletedMessagesLoseTheirAttachments(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		alice := f.users[0]
		now := time.Now()
		a1, a2 := f.upload(t, alice, 5, now), f.upload(t, alice, 7, now)
		m := f.message(t, alice)
		if err := models.AttachUploads(f.ctx, f.db, alice.ID, m.ID, []uint64{a1.ID, a2.ID}, now); err != nil {
			t.Fatal(err)
		}
		removed, err := models.RemoveMessageAttachments(f.ctx, f.db, []uint64{m.ID}, now)
		if err != nil || len(removed) != 2 || removed[0].StorageKey == "" || removed[0].RemovedAt == nil {
			t.Fatalf("removed %+v, %v", removed, err)
		}
		// Gone for readers and for the quota at once.
		if _, err := models.GetAttachment(f.ctx, f.db, a1.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("a removed attachment is still readable: %v", err)
		}
		if got, _ := models.MessageAttachments(f.ctx, f.db, []uint64{m.ID}); len(got) != 0 {
			t.Fatalf("still listed: %+v", got)
		}
		if used, _ := models.OwnerStorageBytes(f.ctx, f.db, alice.ID); used != 0 {
			t.Fatalf("quota still counts %d", used)
		}
		// Still counted in storage until the bytes and rows are deleted.
		if n, _ := models.StorageBytes(f.ctx, f.db); n != 12 {
			t.Fatalf("storage bytes %d, want 12", n)
		}
		if again, _ := models.RemoveMessageAttachments(f.ctx, f.db, []uint64{m.ID}, now); len(again) != 0 {
			t.Fatalf("removed twice: %d", len(again))
		}
		if err := models.DeleteAttachmentRows(f.ctx, f.db, []uint64{a1.ID, a2.ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := models.StorageBytes(f.ctx, f.db); n != 0 {
			t.Fatalf("storage bytes %d after the rows went", n)
		}
	})
}

func TestOrphansAreClaimedOnceAndOnlyWhenOld(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 2)
		alice := f.users[0]
		now := time.Now().UTC()
		// Rows as the upload route leaves them, their age set directly.
		aged := func(a *models.Attachment, age time.Duration) {
			if err := f.db.Model(&models.Attachment{}).Where("id = ?", a.ID).Update("created_at", now.Add(-age)).Error; err != nil {
				t.Fatal(err)
			}
		}
		oldUpload := f.upload(t, alice, 1, now)
		aged(oldUpload, 25*time.Hour)
		youngUpload := f.upload(t, alice, 1, now)
		aged(youngUpload, 23*time.Hour)
		oldAttached := f.upload(t, alice, 1, now)
		aged(oldAttached, 48*time.Hour)
		m := f.message(t, alice)
		if err := models.AttachUploads(f.ctx, f.db, alice.ID, m.ID, []uint64{oldAttached.ID}, now); err != nil {
			t.Fatal(err)
		}
		// A crashed upload: reserved, never finished.
		crashed := &models.Attachment{OwnerID: alice.ID, Name: "c", StorageKey: models.NewStorageKey("att"), Size: 10}
		if err := models.ReserveUpload(f.ctx, f.db, crashed, 1<<30); err != nil {
			t.Fatal(err)
		}
		aged(crashed, 30*time.Hour)
		// A removal whose remover died 20 minutes ago, and one in progress.
		stuck, fresh := f.upload(t, alice, 1, now), f.upload(t, alice, 1, now)
		if _, err := models.RemoveUpload(f.ctx, f.db, stuck.ID, alice.ID, now.Add(-20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := models.RemoveUpload(f.ctx, f.db, fresh.ID, alice.ID, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}

		claimed, err := models.ClaimOrphans(f.ctx, f.db, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for _, a := range claimed {
			ids = append(ids, a.ID)
			if a.StorageKey == "" || a.ClaimedUntil == nil {
				t.Fatalf("a claim without its key or mark: %+v", a)
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		want := []uint64{oldUpload.ID, crashed.ID, stuck.ID}
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("claimed %v, want %v (old upload, crashed upload, stuck removal)", ids, want)
		}
		// A second node finds nothing while the claims last...
		if again, _ := models.ClaimOrphans(f.ctx, f.db, now.Add(time.Minute), 100); len(again) != 0 {
			t.Fatalf("claimed twice: %d", len(again))
		}
		// ...and a claimed upload can no longer be attached.
		if err := models.AttachUploads(f.ctx, f.db, alice.ID, m.ID, []uint64{oldUpload.ID}, now); err == nil {
			t.Fatal("a claimed orphan was attached")
		}
		// The first node dies; once its claims lapse, another takes them.
		later, err := models.ClaimOrphans(f.ctx, f.db, now.Add(11*time.Minute), 100)
		if err != nil || len(later) != 4 { // the three, and the removal that was fresh
			t.Fatalf("after the claims lapsed: %d claimed, %v", len(later), err)
		}
		if err := models.DeleteAttachmentRows(f.ctx, f.db, ids); err != nil {
			t.Fatal(err)
		}
		var left int64
		f.db.Model(&models.Attachment{}).Count(&left)
		if left != 3 { // young upload, attached one, fresh removal
			t.Fatalf("%d rows left, want 3", left)
		}
		// DeleteAttachmentRows never deletes an attached, live attachment.
		if err := models.DeleteAttachmentRows(f.ctx, f.db, []uint64{oldAttached.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.GetAttachment(f.ctx, f.db, oldAttached.ID); err != nil {
			t.Fatalf("an attached file's row was deleted: %v", err)
		}
	})
}

func TestOrphanClaimsOnSeveralNodesNeverOverlap(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		f := newFixture(t, kind, 1)
		now := time.Now().UTC()
		const total = 40
		for range total {
			a := f.upload(t, f.users[0], 1, now)
			f.db.Model(&models.Attachment{}).Where("id = ?", a.ID).Update("created_at", now.Add(-25*time.Hour))
		}
		// Four nodes claim batches of 3 at once until nothing is left.
		var mu sync.Mutex
		seen := map[uint64]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					batch, err := models.ClaimOrphans(f.ctx, f.db, now, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(batch) == 0 {
						return
					}
					mu.Lock()
					for _, a := range batch {
						seen[a.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != total {
			t.Fatalf("%d orphans claimed, want %d", len(seen), total)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("orphan %d claimed %d times", id, n)
			}
		}
	})
}
