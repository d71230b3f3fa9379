package services_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
	"workcomm/testenv"
)

const strongPassword = "Str0ng-admin-password"

func TestCreateAdminRefusesWeakPasswords(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	cases := []struct{ story, password string }{
		{"an empty password", ""},
		{"eleven characters", "Abcdefgh1!x"},
		{"long but only lower case", "onlylowercaseletters"},
		{"lower case and digits only", "lowercase1234567"},
		{"over 128 characters", "Aa1-" + strings.Repeat("x", 125)},
	}
	for _, tc := range cases {
		t.Run(tc.story+" is refused", func(t *testing.T) {
			_, _, err := env.App.Services.Admin.CreateAdmin(context.Background(), "root@example.com", "root", tc.password)
			if !errors.Is(err, apperr.ErrValidation) {
				t.Fatalf("err = %v, want validation_failed", err)
			}
			if !strings.Contains(services.DescribeError(err).Error(), "password: ") {
				t.Fatalf("the message does not say what is wrong: %v", services.DescribeError(err))
			}
		})
	}
	var n int64
	env.App.DB.Model(&models.User{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d users created by refused attempts", n)
	}
}

func TestCreateAdmin(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		ctx := context.Background()
		svc := env.App.Services

		t.Run("a new admin is created and can log in with the password from stdin", func(t *testing.T) {
			u, created, err := svc.Admin.CreateAdmin(ctx, "root@example.com", "root", strongPassword)
			if err != nil || !created || u.Role != models.RoleAdmin {
				t.Fatalf("u=%+v created=%v err=%v", u, created, err)
			}
			res := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": "root", "password": strongPassword})
			testenv.Expect(t, res, http.StatusOK)
			var s struct{ AccessToken string }
			res.JSON(t, &s)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", s.AccessToken), http.StatusOK)
		})

		t.Run("an existing user is promoted; their old token stops working", func(t *testing.T) {
			user := env.Register(t, "worker")
			u, created, err := svc.Admin.CreateAdmin(ctx, "", user.Username, strongPassword)
			if err != nil || created || u.ID != user.ID || u.Role != models.RoleAdmin {
				t.Fatalf("u=%+v created=%v err=%v", u, created, err)
			}
			testenv.Expect(t, env.Get(t, "/api/v1/users/me", user.AccessToken), http.StatusUnauthorized)
			res := env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": user.Email, "password": user.Password})
			testenv.Expect(t, res, http.StatusOK) // the password is theirs, not the one typed
			var s struct{ AccessToken string }
			res.JSON(t, &s)
			testenv.Expect(t, env.Get(t, "/api/v1/admin/stats", s.AccessToken), http.StatusOK)
		})

		t.Run("running it again changes nothing", func(t *testing.T) {
			before := auditCount(t, env)
			u, created, err := svc.Admin.CreateAdmin(ctx, "root@example.com", "root", strongPassword)
			if err != nil || created || u.Role != models.RoleAdmin {
				t.Fatalf("u=%+v created=%v err=%v", u, created, err)
			}
			if after := auditCount(t, env); after != before {
				t.Fatalf("audit entries %d → %d", before, after)
			}
		})

		t.Run("every change is in the audit log with no actor and request id cli", func(t *testing.T) {
			page, err := models.ListAuditEntries(ctx, env.App.DB, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			actions := []string{}
			for _, e := range page.Entries {
				if e.ActorID != nil || e.RequestID != "cli" {
					t.Fatalf("entry %+v", e)
				}
				actions = append(actions, e.Action)
			}
			if strings.Join(actions, ",") != "user.promote,user.create" {
				t.Fatalf("actions %v", actions)
			}
			if !strings.Contains(page.Entries[1].After, `"role":"admin"`) || page.Entries[0].Before != `{"role":"user"}` {
				t.Fatalf("before/after: %+v", page.Entries)
			}
		})

		cases := []struct {
			story, email, username string
			want                   error
		}{
			{"a new admin needs a username", "solo@example.com", "", apperr.ErrValidation},
			{"a new admin needs a well-formed username", "solo@example.com", "no spaces", apperr.ErrValidation},
			{"a new admin needs a valid email", "not-an-email", "solo", apperr.ErrValidation},
		}
		for _, tc := range cases {
			t.Run(tc.story, func(t *testing.T) {
				_, _, err := svc.Admin.CreateAdmin(ctx, tc.email, tc.username, strongPassword)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			})
		}

		t.Run("a deleted account's names stay reserved", func(t *testing.T) {
			gone := env.Register(t, "gone")
			if err := models.UpdateUser(ctx, env.App.DB, gone.ID, map[string]any{"deleted_at": time.Now().UTC()}); err != nil {
				t.Fatal(err)
			}
			_, _, err := svc.Admin.CreateAdmin(ctx, "fresh@example.com", gone.Username, strongPassword)
			if !errors.Is(err, apperr.ErrConflict) {
				t.Fatalf("err = %v, want conflict", err)
			}
			var n int64
			env.App.DB.Model(&models.User{}).Where("email_lower = ?", "fresh@example.com").Count(&n)
			if n != 0 {
				t.Fatal("the account was created anyway")
			}
		})
	})
}

func auditCount(t *testing.T, env *testenv.Env) int64 {
	t.Helper()
	var n int64
	if err := env.App.DB.Model(&models.AuditEntry{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
