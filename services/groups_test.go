package services_test

import (
	"testing"

	"workcomm/models"
	"workcomm/testenv"
)

func TestSeedMakesOneDemoGroup(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		env := testenv.New(t, kind)
		users, err := env.App.Seed(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Seed(t.Context()); err != nil { // seeding twice changes nothing
			t.Fatal(err)
		}
		groups, _, err := models.ListUserGroups(t.Context(), env.App.DB, users[0].ID, models.Keyset{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Group.Name != "General" || groups[0].Role != models.GroupRoleOwner {
			t.Fatalf("demo owner's groups = %+v, want one General they own", groups)
		}
		members, err := models.ListGroupMembers(t.Context(), env.App.DB, groups[0].Group.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != len(users) || groups[0].LastMessage == nil {
			t.Fatalf("%d members (want %d), last message %v", len(members), len(users), groups[0].LastMessage)
		}
	})
}
