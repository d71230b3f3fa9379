package controllers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"workcomm/testenv"
)

type publicUser struct {
	ID          uint64  `json:"id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName"`
	Online      bool    `json:"online"`
	LastSeenAt  *string `json:"lastSeenAt"`
}

func TestUpdateMe(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		u := env.Register(t, "gina")
		t.Run("the display name changes and is trimmed", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]string{"displayName": "  Gina L.  "})
			testenv.Expect(t, res, http.StatusOK)
			var me struct{ DisplayName string }
			res.JSON(t, &me)
			if me.DisplayName != "Gina L." {
				t.Fatalf("displayName = %q", me.DisplayName)
			}
		})
		t.Run("a blank display name is refused", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]string{"displayName": "   "})
			testenv.Expect(t, res, http.StatusBadRequest)
		})
		t.Run("role, plan, id and email cannot be set", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]any{"role": "admin", "plan": "premium", "id": 1, "banned": false})
			testenv.Expect(t, res, http.StatusBadRequest)
			for _, f := range []string{"role", "plan", "id", "banned"} {
				if res.ErrorFields()[f] == "" {
					t.Fatalf("%s not reported: %s", f, res.Body)
				}
			}
			var me struct{ Role, Plan string }
			env.Get(t, "/api/v1/users/me", u.AccessToken).JSON(t, &me)
			if me.Role != "user" || me.Plan != "free" {
				t.Fatalf("mass assignment applied: %+v", me)
			}
		})
		t.Run("a wrong current password is a validation error on that field", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]string{"currentPassword": "wrong-password", "newPassword": "new-password-1"})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["currentPassword"] == "" {
				t.Fatalf("got %s", res.Body)
			}
		})
		t.Run("a new password needs the current one", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]string{"newPassword": "new-password-1"})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["currentPassword"] == "" {
				t.Fatalf("got %s", res.Body)
			}
		})
		t.Run("the password changes, old refresh tokens die", func(t *testing.T) {
			res := env.Patch(t, "/api/v1/users/me", u.AccessToken, map[string]string{"currentPassword": u.Password, "newPassword": "new-password-1"})
			testenv.Expect(t, res, http.StatusOK)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": u.Password}), http.StatusUnauthorized)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/login", "", map[string]string{"login": u.Username, "password": "new-password-1"}), http.StatusOK)
			testenv.Expect(t, env.Post(t, "/api/v1/auth/refresh", "", map[string]string{"refreshToken": u.RefreshToken}), http.StatusUnauthorized)
		})
	})
}

func TestSearchAndGetUsers(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		me := env.Register(t, "searcher")
		var made []*testenv.User
		for range 5 {
			made = append(made, env.Register(t, "zed"))
		}
		other := env.Register(t, "yan")

		t.Run("prefix search pages with a stable cursor and never shows emails", func(t *testing.T) {
			seen := map[uint64]bool{}
			cursor := ""
			pages := 0
			for {
				path := "/api/v1/users?q=ZED&limit=2"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				res := env.Get(t, path, me.AccessToken)
				testenv.Expect(t, res, http.StatusOK)
				if strings.Contains(string(res.Body), "@example.com") || strings.Contains(string(res.Body), `"email"`) {
					t.Fatalf("search leaks emails: %s", res.Body)
				}
				var page struct {
					Items      []publicUser `json:"items"`
					NextCursor *string      `json:"nextCursor"`
				}
				res.JSON(t, &page)
				pages++
				for _, it := range page.Items {
					if seen[it.ID] || !strings.HasPrefix(it.Username, "zed_") {
						t.Fatalf("unexpected or repeated item %+v", it)
					}
					seen[it.ID] = true
				}
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
			}
			if len(seen) != len(made) || pages != 3 {
				t.Fatalf("saw %d users in %d pages, want %d in 3", len(seen), pages, len(made))
			}
		})
		t.Run("LIKE wildcards in q match literally", func(t *testing.T) {
			var page struct{ Items []publicUser }
			env.Get(t, "/api/v1/users?q=%25", me.AccessToken).JSON(t, &page)
			if len(page.Items) != 0 {
				t.Fatalf("'%%' matched %d users", len(page.Items))
			}
			env.Get(t, "/api/v1/users?q=_", me.AccessToken).JSON(t, &page)
			if len(page.Items) != 0 {
				t.Fatalf("'_' matched %d users", len(page.Items))
			}
		})
		t.Run("limit over 100 is capped; a bad limit or cursor is a validation error", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/users?limit=1000000", me.AccessToken), http.StatusOK)
			testenv.Expect(t, env.Get(t, "/api/v1/users?limit=abc", me.AccessToken), http.StatusBadRequest)
			testenv.Expect(t, env.Get(t, "/api/v1/users?cursor=!!!", me.AccessToken), http.StatusBadRequest)
		})
		t.Run("another user's public view", func(t *testing.T) {
			res := env.Get(t, fmt.Sprintf("/api/v1/users/%d", other.ID), me.AccessToken)
			testenv.Expect(t, res, http.StatusOK)
			if strings.Contains(string(res.Body), "email") {
				t.Fatalf("public view leaks email: %s", res.Body)
			}
			var pu publicUser
			res.JSON(t, &pu)
			if pu.ID != other.ID || pu.Username != other.Username {
				t.Fatalf("got %+v", pu)
			}
		})
		t.Run("unknown ids are 404", func(t *testing.T) {
			testenv.Expect(t, env.Get(t, "/api/v1/users/999999", me.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Get(t, "/api/v1/users/abc", me.AccessToken), http.StatusNotFound)
		})
	})
}
