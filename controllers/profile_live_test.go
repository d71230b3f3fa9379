package controllers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"workcomm/testenv"
)

// nextUserUpdated reads conn until a user.updated frame comes (other frames,
// such as presence, are skipped) and returns its user.
func nextUserUpdated(t *testing.T, conn *websocket.Conn) publicProfile {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(readyWait))
	for {
		_, raw, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("no user.updated frame: %v", err)
		}
		var f struct {
			Type string `json:"type"`
			Data struct {
				User publicProfile `json:"user"`
			} `json:"data"`
		}
		if json.Unmarshal(raw, &f) == nil && f.Type == "user.updated" {
			return f.Data.User
		}
	}
}

func TestProfileChangesReachFriendsAndCoMembersLive(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		me, friend, member := env.Register(t, "changer"), env.Register(t, "pal"), env.Register(t, "teammate")
		env.Befriend(t, me, friend)
		res := env.Post(t, "/api/v1/chat/groups", me.AccessToken, map[string]any{"name": "Team"})
		testenv.Expect(t, res, http.StatusCreated)
		var g struct{ ID uint64 }
		res.JSON(t, &g)
		testenv.Expect(t, env.Post(t, fmt.Sprintf("/api/v1/chat/groups/%d/members", g.ID), me.AccessToken, map[string]any{"userId": member.ID}), http.StatusCreated)
		friendConn := adminDialReady(t, env, "/ws/private", friend)
		memberConn := adminDialReady(t, env, "/ws/private", member)

		t.Run("a new name and status reach a friend and a group co-member", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, "/api/v1/users/me", me.AccessToken, map[string]any{"displayName": "Live Name", "statusText": "On leave"}), http.StatusOK)
			for who, conn := range map[string]*websocket.Conn{"friend": friendConn, "co-member": memberConn} {
				u := nextUserUpdated(t, conn)
				if u.DisplayName != "Live Name" || u.StatusText == nil || *u.StatusText != "On leave" {
					t.Fatalf("%s got %+v", who, u)
				}
			}
		})
		t.Run("a new picture reaches them with its link", func(t *testing.T) {
			testenv.Expect(t, putAvatar(t, env, me.AccessToken, pngOf(t, 64, 64)), http.StatusOK)
			if u := nextUserUpdated(t, friendConn); u.AvatarURL == nil {
				t.Fatalf("friend got no avatarUrl: %+v", u)
			}
			testenv.Expect(t, env.Delete(t, "/api/v1/users/me/avatar", me.AccessToken), http.StatusNoContent)
			if u := nextUserUpdated(t, friendConn); u.AvatarURL != nil {
				t.Fatalf("after removal the friend got avatarUrl %q", *u.AvatarURL)
			}
		})
	})
}
