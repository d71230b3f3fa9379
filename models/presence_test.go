package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/testenv"
)

// statementCounter counts the statements a *gorm.DB runs, by kind.
type statementCounter struct {
	logger.Interface
	n map[string]int
}

func (c *statementCounter) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	sql = strings.TrimSpace(sql)
	for _, kind := range []string{"UPDATE", "SELECT"} {
		if strings.HasPrefix(sql, kind) {
			c.n[kind]++
		}
	}
}

func TestPresenceBatchesMatchThePerUserQueries(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		db, _ := testenv.OpenDB(t, kind)
		ctx := context.Background()
		if err := models.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		// a..f; a is friends with b, c, d; c is deleted. a, b, e share group
		// g1; a and f share g2, which is deleted.
		users := map[string]*models.User{}
		for _, n := range []string{"a", "b", "c", "d", "e", "f", "lone"} {
			u := &models.User{Username: "pb" + n, Email: "pb" + n + "@example.com", DisplayName: n, PasswordHash: "x"}
			if err := models.CreateUser(ctx, db, u); err != nil {
				t.Fatal(err)
			}
			users[n] = u
		}
		for _, f := range []string{"b", "c", "d"} {
			if _, err := models.CreateFriendship(ctx, db, users["a"].ID, users[f].ID); err != nil {
				t.Fatal(err)
			}
		}
		group := func(name string, members ...string) *models.Group {
			g := &models.Group{Name: name, OwnerID: users[members[0]].ID}
			var ms []models.GroupMember
			for i, m := range members {
				role := models.GroupRoleMember
				if i == 0 {
					role = models.GroupRoleOwner
				}
				ms = append(ms, models.GroupMember{UserID: users[m].ID, Role: role, JoinedAt: time.Now()})
			}
			if err := models.CreateGroup(ctx, db, g, ms); err != nil {
				t.Fatal(err)
			}
			return g
		}
		group("g1", "a", "b", "e")
		g2 := group("g2", "a", "f")
		if err := models.DeleteGroup(ctx, db, g2.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Delete(&models.User{}, users["c"].ID).Error; err != nil {
			t.Fatal(err)
		}

		var ids []uint64
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		counter := &statementCounter{Interface: logger.Discard, n: map[string]int{}}
		counted := db.Session(&gorm.Session{Logger: counter})

		t.Run("one query finds what FriendIDs and CoMemberIDs find, user by user", func(t *testing.T) {
			got, err := models.PresenceAudiences(ctx, counted, ids)
			if err != nil {
				t.Fatal(err)
			}
			if counter.n["SELECT"] != 1 {
				t.Fatalf("%d SELECTs, want 1", counter.n["SELECT"])
			}
			for name, u := range users {
				friends, err := models.FriendIDs(ctx, db, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				co, err := models.CoMemberIDs(ctx, db, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				a := got[u.ID]
				if a == nil {
					a = &models.PresenceAudience{}
				}
				if !slices.Equal(a.Friends, slices.Sorted(slices.Values(friends))) || !slices.Equal(a.CoMembers, slices.Sorted(slices.Values(co))) {
					t.Fatalf("%s: batch %+v, per user friends %v co-members %v", name, a, friends, co)
				}
			}
			if a := got[users["a"].ID]; len(a.Friends) != 2 || len(a.CoMembers) != 2 {
				t.Fatalf("a's audience %+v: want b, d as friends (c is deleted) and b, e as co-members (g2 is deleted)", a)
			}
			if got[users["lone"].ID] != nil {
				t.Fatalf("lone has an audience: %+v", got[users["lone"].ID])
			}
		})

		t.Run("one UPDATE records last seen for the live users, one SELECT reads it back, deleted users too", func(t *testing.T) {
			clear(counter.n)
			at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			if err := models.TouchLastSeenMany(ctx, counted, ids, at); err != nil {
				t.Fatal(err)
			}
			seen, err := models.LastSeenByIDs(ctx, counted, append(slices.Clone(ids), 999999))
			if err != nil {
				t.Fatal(err)
			}
			if counter.n["UPDATE"] != 1 || counter.n["SELECT"] != 1 {
				t.Fatalf("statements %v, want one UPDATE and one SELECT", counter.n)
			}
			if len(seen) != len(users) {
				t.Fatalf("%d users read, want %d (an unknown id is absent)", len(seen), len(users))
			}
			for name, u := range users {
				s := seen[u.ID]
				if name == "c" {
					if s != nil {
						t.Fatalf("deleted c was touched: %v", s)
					}
					continue
				}
				if s == nil || !s.Equal(at) {
					t.Fatalf("%s last seen %v, want %v", name, s, at)
				}
			}
		})

		t.Run("a burst larger than one chunk still covers everyone", func(t *testing.T) {
			many := make([]uint64, 0, 12001)
			for i := range 12000 {
				many = append(many, uint64(1_000_000+i))
			}
			many = append(many, users["a"].ID)
			at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
			if err := models.TouchLastSeenMany(ctx, db, many, at); err != nil {
				t.Fatal(err)
			}
			seen, err := models.LastSeenByIDs(ctx, db, many)
			if err != nil {
				t.Fatal(err)
			}
			aud, err := models.PresenceAudiences(ctx, db, many)
			if err != nil {
				t.Fatal(err)
			}
			if s := seen[users["a"].ID]; s == nil || !s.Equal(at) || len(seen) != 1 || len(aud) != 1 {
				t.Fatal(fmt.Sprint("a in the last chunk: ", s, len(seen), len(aud)))
			}
		})
	})
}

func TestGetUserIdentityReadsWhatASocketKeeps(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		db, _ := testenv.OpenDB(t, kind)
		ctx := context.Background()
		if err := models.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		expires := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
		u := &models.User{Username: "Ident", Email: "ident@example.com", DisplayName: "I", PasswordHash: "x",
			Role: models.RoleAdmin, Plan: models.PlanPremium, PlanExpiresAt: &expires, Banned: true, TokenVersion: 3}
		plain := &models.User{Username: "plain", Email: "plain@example.com", DisplayName: "P", PasswordHash: "x"}
		for _, x := range []*models.User{u, plain} {
			if err := models.CreateUser(ctx, db, x); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []*models.User{u, plain} {
			full, err := models.GetUser(ctx, db, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := models.GetUserIdentity(ctx, db, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameExpiry := (got.PlanExpiresAt == nil) == (full.PlanExpiresAt == nil) &&
				(got.PlanExpiresAt == nil || got.PlanExpiresAt.Equal(*full.PlanExpiresAt))
			if got.ID != full.ID || got.Username != full.Username || got.Role != full.Role || got.Plan != full.Plan ||
				!sameExpiry || got.Banned != full.Banned || got.TokenVersion != full.TokenVersion {
				t.Fatalf("identity %+v, want the fields of %+v", got, full)
			}
			if got.Email != "" || got.PasswordHash != "" {
				t.Fatalf("identity carries more than it needs: %+v", got)
			}
		}
		if err := db.Delete(&models.User{}, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		for _, id := range []uint64{u.ID, 999999} {
			if _, err := models.GetUserIdentity(ctx, db, id); !errors.Is(err, apperr.ErrNotFound) {
				t.Fatalf("user %d (deleted or unknown): %v, want not found", id, err)
			}
		}
	})
}
