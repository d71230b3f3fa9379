package controllers_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"workcomm/models"
	"workcomm/testenv"
)

// group is the contract's Group as a client reads it.
type group struct {
	ID          uint64   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	OwnerID     uint64   `json:"ownerId"`
	Unread      uint64   `json:"unread"`
	LastMessage *message `json:"lastMessage"`
	Members     []struct {
		User struct {
			ID uint64 `json:"id"`
		} `json:"user"`
		Role string `json:"role"`
	} `json:"members"`
}

func (g group) roles() map[uint64]string {
	out := map[uint64]string{}
	for _, m := range g.Members {
		out[m.User.ID] = m.Role
	}
	return out
}

func groupPath(id uint64, rest string) string {
	if rest == "" {
		return fmt.Sprintf("/api/v1/chat/groups/%d", id)
	}
	return fmt.Sprintf("/api/v1/chat/groups/%d/%s", id, rest)
}

// createGroup makes a group owned by owner with the given members.
func createGroup(t *testing.T, env *testenv.Env, owner *testenv.User, name string, members ...*testenv.User) group {
	t.Helper()
	ids := make([]uint64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": name, "memberIds": ids})
	testenv.Expect(t, res, http.StatusCreated)
	var g group
	res.JSON(t, &g)
	return g
}

func sendGroup(t *testing.T, env *testenv.Env, from *testenv.User, groupID uint64, body string) message {
	t.Helper()
	res := env.Post(t, groupPath(groupID, "messages"), from.AccessToken, map[string]any{"body": body})
	testenv.Expect(t, res, http.StatusCreated)
	var m message
	res.JSON(t, &m)
	return m
}

func listGroups(t *testing.T, env *testenv.Env, u *testenv.User) []group {
	t.Helper()
	res := env.Get(t, "/api/v1/chat/groups", u.AccessToken)
	testenv.Expect(t, res, http.StatusOK)
	var body struct {
		Items []group `json:"items"`
	}
	res.JSON(t, &body)
	return body.Items
}

// setGroupRole has the owner give a member a role through the API.
func setGroupRole(t *testing.T, env *testenv.Env, owner *testenv.User, groupID uint64, u *testenv.User, role string) {
	t.Helper()
	res := env.Patch(t, groupPath(groupID, fmt.Sprintf("members/%d", u.ID)), owner.AccessToken, map[string]string{"role": role})
	testenv.Expect(t, res, http.StatusOK)
	var m struct {
		Role string `json:"role"`
	}
	res.JSON(t, &m)
	if m.Role != role {
		t.Fatalf("role = %q, want %q", m.Role, role)
	}
}

func TestGroupLifecycle(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		owner, admin, member, outsider := env.Register(t, "owner"), env.Register(t, "admin"), env.Register(t, "member"), env.Register(t, "outsider")

		g := createGroup(t, env, owner, "  Team  ", admin, member, admin)
		t.Run("the creator owns the group; members need not be friends and repeat ids count once", func(t *testing.T) {
			roles := g.roles()
			if g.Name != "Team" || g.OwnerID != owner.ID || len(roles) != 3 || roles[owner.ID] != "owner" || roles[admin.ID] != "member" {
				t.Fatalf("group = %+v", g)
			}
		})
		setGroupRole(t, env, owner, g.ID, admin, models.GroupRoleAdmin)

		t.Run("creation refuses unknown members and bad fields, all at once", func(t *testing.T) {
			res := env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": "x", "memberIds": []uint64{999999}})
			testenv.Expect(t, res, http.StatusBadRequest)
			if res.ErrorFields()["memberIds"] == "" {
				t.Fatalf("no memberIds error: %s", res.Body)
			}
			res = env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": " ", "description": string(make([]byte, 1001)), "ownerId": 5})
			testenv.Expect(t, res, http.StatusBadRequest)
			if f := res.ErrorFields(); f["name"] == "" || f["ownerId"] == "" {
				t.Fatalf("fields = %v", f)
			}
		})

		t.Run("a non-member gets 404 for everything about the group, and nothing is stored", func(t *testing.T) {
			before := countMessages(t, env)
			for name, res := range map[string]*testenv.Response{
				"get":          env.Get(t, groupPath(g.ID, ""), outsider.AccessToken),
				"rename":       env.Patch(t, groupPath(g.ID, ""), outsider.AccessToken, map[string]any{"name": "mine"}),
				"delete":       env.Delete(t, groupPath(g.ID, ""), outsider.AccessToken),
				"add a member": env.Post(t, groupPath(g.ID, "members"), outsider.AccessToken, map[string]any{"userId": outsider.ID}),
				"remove":       env.Delete(t, groupPath(g.ID, fmt.Sprintf("members/%d", member.ID)), outsider.AccessToken),
				"history":      env.Get(t, groupPath(g.ID, "messages"), outsider.AccessToken),
				"send":         env.Post(t, groupPath(g.ID, "messages"), outsider.AccessToken, map[string]any{"body": "hi"}),
				"read":         env.Post(t, groupPath(g.ID, "read"), outsider.AccessToken, map[string]any{"seq": 1}),
			} {
				if res.Status != http.StatusNotFound || res.ErrorCode() != "not_found" {
					t.Errorf("%s: status %d code %q, want 404 not_found", name, res.Status, res.ErrorCode())
				}
			}
			if n := countMessages(t, env); n != before {
				t.Fatalf("%d messages stored, want %d", n, before)
			}
			if len(listGroups(t, env, outsider)) != 0 {
				t.Fatal("the outsider lists the group")
			}
		})

		t.Run("only the owner changes roles, never its own", func(t *testing.T) {
			path := groupPath(g.ID, fmt.Sprintf("members/%d", member.ID))
			testenv.Expect(t, env.Patch(t, path, admin.AccessToken, map[string]string{"role": "admin"}), http.StatusForbidden)
			testenv.Expect(t, env.Patch(t, path, member.AccessToken, map[string]string{"role": "admin"}), http.StatusForbidden)
			testenv.Expect(t, env.Patch(t, path, outsider.AccessToken, map[string]string{"role": "admin"}), http.StatusNotFound)
			testenv.Expect(t, env.Patch(t, path, owner.AccessToken, map[string]string{"role": "owner"}), http.StatusBadRequest)
			testenv.Expect(t, env.Patch(t, groupPath(g.ID, fmt.Sprintf("members/%d", owner.ID)), owner.AccessToken, map[string]string{"role": "member"}), http.StatusBadRequest)
			testenv.Expect(t, env.Patch(t, groupPath(g.ID, fmt.Sprintf("members/%d", outsider.ID)), owner.AccessToken, map[string]string{"role": "admin"}), http.StatusNotFound)
			setGroupRole(t, env, owner, g.ID, member, models.GroupRoleAdmin)
			setGroupRole(t, env, owner, g.ID, member, models.GroupRoleMember)
			var got group
			env.Get(t, groupPath(g.ID, ""), owner.AccessToken).JSON(t, &got)
			if r := got.roles(); r[member.ID] != "member" || r[admin.ID] != "admin" || r[owner.ID] != "owner" {
				t.Fatalf("roles %v", r)
			}
		})

		t.Run("owner and admin rename; a plain member gets 403", func(t *testing.T) {
			testenv.Expect(t, env.Patch(t, groupPath(g.ID, ""), member.AccessToken, map[string]any{"name": "x"}), http.StatusForbidden)
			res := env.Patch(t, groupPath(g.ID, ""), admin.AccessToken, map[string]any{"description": "our team"})
			testenv.Expect(t, res, http.StatusOK)
			var got group
			res.JSON(t, &got)
			if got.Name != "Team" || got.Description != "our team" || len(got.Members) != 3 {
				t.Fatalf("after PATCH: %+v", got)
			}
		})

		t.Run("members are added by owner or admin only, once", func(t *testing.T) {
			newbie := env.Register(t, "newbie")
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "members"), member.AccessToken, map[string]any{"userId": newbie.ID}), http.StatusForbidden)
			res := env.Post(t, groupPath(g.ID, "members"), admin.AccessToken, map[string]any{"userId": newbie.ID})
			testenv.Expect(t, res, http.StatusCreated)
			var m struct {
				User struct {
					ID uint64 `json:"id"`
				} `json:"user"`
				Role string `json:"role"`
			}
			res.JSON(t, &m)
			if m.User.ID != newbie.ID || m.Role != "member" {
				t.Fatalf("added member = %+v", m)
			}
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "members"), owner.AccessToken, map[string]any{"userId": newbie.ID}), http.StatusConflict)
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "members"), owner.AccessToken, map[string]any{"userId": 999999}), http.StatusNotFound)
			testenv.Expect(t, env.Get(t, groupPath(g.ID, ""), newbie.AccessToken), http.StatusOK)
		})

		t.Run("removal follows the roles; anyone but the owner may leave", func(t *testing.T) {
			other := env.Register(t, "other")
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "members"), owner.AccessToken, map[string]any{"userId": other.ID}), http.StatusCreated)
			cases := []struct {
				story  string
				by     *testenv.User
				target *testenv.User
				status int
			}{
				{"a member cannot remove another member", member, other, http.StatusForbidden},
				{"an admin cannot remove the owner", admin, owner, http.StatusForbidden},
				{"the owner cannot leave", owner, owner, http.StatusConflict},
				{"an admin removes a member", admin, other, http.StatusNoContent},
				{"a member who is gone is not found", admin, other, http.StatusNotFound},
				{"a member leaves", member, member, http.StatusNoContent},
			}
			for _, tc := range cases {
				t.Run(tc.story, func(t *testing.T) {
					testenv.Expect(t, env.Delete(t, groupPath(g.ID, fmt.Sprintf("members/%d", tc.target.ID)), tc.by.AccessToken), tc.status)
				})
			}
			testenv.Expect(t, env.Get(t, groupPath(g.ID, ""), member.AccessToken), http.StatusNotFound)
		})

		t.Run("only the owner deletes; the group is then gone for everyone", func(t *testing.T) {
			testenv.Expect(t, env.Delete(t, groupPath(g.ID, ""), admin.AccessToken), http.StatusForbidden)
			testenv.Expect(t, env.Delete(t, groupPath(g.ID, ""), owner.AccessToken), http.StatusNoContent)
			testenv.Expect(t, env.Get(t, groupPath(g.ID, ""), owner.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "messages"), owner.AccessToken, map[string]any{"body": "anyone?"}), http.StatusNotFound)
			if len(listGroups(t, env, admin)) != 0 {
				t.Fatal("a deleted group is still listed")
			}
		})
	})
}

func TestGroupMessages(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		alice, bob, carol := env.Register(t, "alice"), env.Register(t, "bob"), env.Register(t, "carol")
		g := createGroup(t, env, alice, "trio", bob, carol)
		m1 := sendGroup(t, env, alice, g.ID, "hello all")
		sendGroup(t, env, bob, g.ID, "hi")
		m3 := sendGroup(t, env, carol, g.ID, "hey")

		t.Run("members send into one sequence and read it back", func(t *testing.T) {
			if m1.Conversation.Type != "group" || m1.Conversation.ID != g.ID || m3.Seq != 3 {
				t.Fatalf("messages %+v %+v", m1, m3)
			}
			page := history(t, env, groupPath(g.ID, "messages?before=3"), bob.AccessToken)
			if fmt.Sprint(seqs(page.Items)) != "[1 2]" || page.HasMore {
				t.Fatalf("history before 3 = %v", seqs(page.Items))
			}
		})

		t.Run("only the sender edits or deletes a group message", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/chat/groups/messages/%d", m1.ID)
			testenv.Expect(t, env.Patch(t, path, bob.AccessToken, map[string]any{"body": "x"}), http.StatusNotFound)
			testenv.Expect(t, env.Delete(t, path, carol.AccessToken), http.StatusNotFound)
			testenv.Expect(t, env.Patch(t, path, alice.AccessToken, map[string]any{"body": "hello everyone"}), http.StatusOK)
			testenv.Expect(t, env.Delete(t, fmt.Sprintf("/api/v1/chat/private/messages/%d", m1.ID), alice.AccessToken), http.StatusNotFound)
		})

		t.Run("unread counts per member, with the last message, and a newcomer starts at zero", func(t *testing.T) {
			byID := func(u *testenv.User) group {
				for _, x := range listGroups(t, env, u) {
					if x.ID == g.ID {
						return x
					}
				}
				t.Fatalf("group %d not listed", g.ID)
				return group{}
			}
			if got := byID(bob); got.Unread != 1 || got.LastMessage == nil || got.LastMessage.ID != m3.ID || got.Members != nil {
				t.Fatalf("bob's line = %+v, want 1 unread (sending seq 2 read up to it), last message %d, no members", got, m3.ID)
			}
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "read"), bob.AccessToken, map[string]any{"seq": 3}), http.StatusNoContent)
			if got := byID(bob); got.Unread != 0 {
				t.Fatalf("after reading: %d unread", got.Unread)
			}
			dave := env.Register(t, "dave")
			testenv.Expect(t, env.Post(t, groupPath(g.ID, "members"), alice.AccessToken, map[string]any{"userId": dave.ID}), http.StatusCreated)
			if got := byID(dave); got.Unread != 0 {
				t.Fatalf("a newcomer has %d unread", got.Unread)
			}
			if page := history(t, env, groupPath(g.ID, "messages"), dave.AccessToken); len(page.Items) != 3 {
				t.Fatalf("a newcomer sees %d messages of the history, want 3", len(page.Items))
			}
		})
	})
}

func TestGroupPlanLimits(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		owner := env.Register(t, "owner")
		others := make([]*testenv.User, 11)
		for i := range others {
			others[i] = env.Register(t, fmt.Sprintf("u%d", i))
		}
		setPlan := func(plan string, expires *time.Time) {
			t.Helper()
			if err := models.UpdateUser(t.Context(), env.App.DB, owner.ID, map[string]any{"plan": plan, "plan_expires_at": expires}); err != nil {
				t.Fatal(err)
			}
		}
		create := func(members ...*testenv.User) *testenv.Response {
			ids := []uint64{}
			for _, m := range members {
				ids = append(ids, m.ID)
			}
			return env.Post(t, "/api/v1/chat/groups", owner.AccessToken, map[string]any{"name": "g", "memberIds": ids})
		}
		expectPlanLimit := func(t *testing.T, res *testenv.Response) {
			t.Helper()
			testenv.Expect(t, res, http.StatusForbidden)
			if res.ErrorCode() != "plan_limit" {
				t.Fatalf("code %q, want plan_limit", res.ErrorCode())
			}
		}

		t.Run("a free owner has groups of at most 10, owner included", func(t *testing.T) {
			expectPlanLimit(t, create(others[:10]...))
			res := create(others[:9]...)
			testenv.Expect(t, res, http.StatusCreated)
			var g group
			res.JSON(t, &g)
			expectPlanLimit(t, env.Post(t, groupPath(g.ID, "members"), owner.AccessToken, map[string]any{"userId": others[10].ID}))
			testenv.Expect(t, env.Delete(t, groupPath(g.ID, ""), owner.AccessToken), http.StatusNoContent)
		})

		t.Run("a free owner owns at most 3 live groups; deleted ones do not count", func(t *testing.T) {
			var ids []uint64
			for i := 0; i < 3; i++ {
				res := create()
				testenv.Expect(t, res, http.StatusCreated)
				var g group
				res.JSON(t, &g)
				ids = append(ids, g.ID)
			}
			expectPlanLimit(t, create())
			testenv.Expect(t, env.Delete(t, groupPath(ids[0], ""), owner.AccessToken), http.StatusNoContent)
			testenv.Expect(t, create(), http.StatusCreated)
		})

		t.Run("a premium owner goes past the free limits", func(t *testing.T) {
			later := time.Now().Add(24 * time.Hour)
			setPlan(models.PlanPremium, &later)
			testenv.Expect(t, create(others...), http.StatusCreated)
		})

		t.Run("an expired premium counts as free", func(t *testing.T) {
			earlier := time.Now().Add(-time.Hour)
			setPlan(models.PlanPremium, &earlier)
			expectPlanLimit(t, create())
		})
	})
}
