package services

import (
	"slices"
	"testing"

	"workcomm/models"
)

func TestParseMentions(t *testing.T) {
	members := []models.MentionTarget{
		{UserID: 1, Username: "Owner", Role: models.GroupRoleOwner},
		{UserID: 2, Username: "bob.smith", Role: models.GroupRoleMember},
		{UserID: 3, Username: "carol", Role: models.GroupRoleAdmin},
		{UserID: 4, Username: "dave", Role: models.GroupRoleMember},
	}
	cases := []struct {
		name   string
		body   string
		sender uint64
		group  bool
		want   []uint64
	}{
		{"a member by name, any case", "hi @CAROL", 1, true, []uint64{3}},
		{"a name ending a sentence", "ask @bob.smith.", 1, true, []uint64{2}},
		{"a dotted name is one name", "@bob.smithy is someone else", 1, true, []uint64{}},
		{"a non-member is text", "@mallory look", 1, true, []uint64{}},
		{"an email address is no mention", "mail carol@example.com", 1, true, []uint64{}},
		{"the sender never mentions themself", "@owner and @dave", 1, true, []uint64{4}},
		{"@all from the owner mentions every other member", "@all meeting", 1, true, []uint64{2, 3, 4}},
		{"@all from an admin too", "@ALL!", 3, true, []uint64{1, 2, 4}},
		{"@all from a plain member is text", "@all meeting", 4, true, []uint64{}},
		{"@all in a private chat is text", "@all", 1, false, []uint64{}},
		{"repeated names count once", "@dave @dave @Dave", 1, true, []uint64{4}},
		{"no @ at all", "hello", 1, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := parseMentions(c.body, c.sender, c.group, members)
			if !slices.Equal(got, c.want) || (c.want != nil && got == nil) {
				t.Fatalf("parseMentions(%q) = %v, want %v", c.body, got, c.want)
			}
		})
	}
}
