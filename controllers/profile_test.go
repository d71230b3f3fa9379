package controllers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"workcomm/testenv"
)

// publicProfile is the part of the public view the profile adds.
type publicProfile struct {
	DisplayName string  `json:"displayName"`
	AvatarURL   *string `json:"avatarUrl"`
	StatusText  *string `json:"statusText"`
}

func getPublic(t *testing.T, env *testenv.Env, viewer *testenv.User, id uint64) publicProfile {
	t.Helper()
	res := env.Get(t, fmt.Sprintf("/api/v1/users/%d", id), viewer.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var p publicProfile
	res.JSON(t, &p)
	for _, key := range []string{`"avatarUrl":`, `"statusText":`} {
		if !strings.Contains(string(res.Body), key) {
			t.Fatalf("the public view lacks %s: %s", key, res.Body)
		}
	}
	return p
}

func TestProfileStatusText(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		me, other := env.Register(t, "status"), env.Register(t, "viewer")

		t.Run("a new user has no status and no avatar (null, not absent)", func(t *testing.T) {
			p := getPublic(t, env, other, me.ID)
			if p.StatusText != nil || p.AvatarURL != nil {
				t.Fatalf("new user: %+v", p)
			}
		})
		t.Run("a status set in PATCH /users/me is what others see; empty clears it", func(t *testing.T) {
			status := "  En réunion jusqu'à 15 h 🗓  "
			res := env.Patch(t, "/api/v1/users/me", me.AccessToken, map[string]any{"statusText": status, "displayName": "Status Person"})
			testenv.Expect(t, res, http.StatusOK)
			var self publicProfile
			res.JSON(t, &self)
			if self.StatusText == nil || *self.StatusText != strings.TrimSpace(status) || self.DisplayName != "Status Person" {
				t.Fatalf("self after PATCH: %s", res.Body)
			}
			if p := getPublic(t, env, other, me.ID); p.StatusText == nil || *p.StatusText != strings.TrimSpace(status) || p.DisplayName != "Status Person" {
				t.Fatalf("public view: %+v", p)
			}
			testenv.Expect(t, env.Patch(t, "/api/v1/users/me", me.AccessToken, map[string]any{"statusText": ""}), http.StatusOK)
			if p := getPublic(t, env, other, me.ID); p.StatusText != nil {
				t.Fatalf("status not cleared: %q", *p.StatusText)
			}
		})
		t.Run("a status counts code points: 100 pass, 101 fail", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, "/api/v1/users/me", me.AccessToken, map[string]any{"statusText": strings.Repeat("é", 100)}), http.StatusOK)
			res := env.Patch(t, "/api/v1/users/me", me.AccessToken, map[string]any{"statusText": strings.Repeat("é", 101)})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["statusText"] == "" {
				t.Fatalf("101 code points: %s", res.Body)
			}
		})
	})
}
