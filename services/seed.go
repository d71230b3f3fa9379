package services

import (
	"context"
	"errors"

	"workcomm/apperr"
	"workcomm/models"
)

// SeedPassword is the password of every demo account made by `workcomm seed`.
const SeedPassword = "demo-password"

// SeedUsers are the demo accounts.
var SeedUsers = []RegisterInput{
	{Username: "alice", Email: "alice@example.com", DisplayName: "Alice Martin"},
	{Username: "bob", Email: "bob@example.com", DisplayName: "Bob Durand"},
	{Username: "carol", Email: "carol@example.com", DisplayName: "Carol Petit"},
	{Username: "dave", Email: "dave@example.com", DisplayName: "Dave Bernard"},
}

// demoGroupName names the group the seed makes.
const demoGroupName = "General"

// Seed creates the demo data, idempotently: the demo users, all friends with
// each other, and a "General" group owned by the first with everyone in it
// and a welcome message.
func (s *Services) Seed(ctx context.Context) ([]*models.User, error) {
	users := make([]*models.User, 0, len(SeedUsers))
	for _, in := range SeedUsers {
		in.Password = SeedPassword
		u, err := models.FindUserByLogin(ctx, s.DB, in.Username)
		if errors.Is(err, apperr.ErrNotFound) {
			u, err = s.Auth.register(ctx, in)
		}
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	for i, a := range users {
		for _, b := range users[i+1:] {
			ok, err := models.AreFriends(ctx, s.DB, a.ID, b.ID)
			if err != nil {
				return nil, err
			}
			if !ok {
				if _, err := models.CreateFriendship(ctx, s.DB, a.ID, b.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	return users, s.seedGroup(ctx, users)
}

// seedGroup makes the demo group unless its owner has it already.
func (s *Services) seedGroup(ctx context.Context, users []*models.User) error {
	owner := users[0]
	if _, err := models.FindOwnedGroup(ctx, s.DB, owner.ID, demoGroupName); !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	in := CreateGroupInput{Name: demoGroupName, Description: "Everyone in the demo"}
	for _, u := range users[1:] {
		in.MemberIDs = append(in.MemberIDs, u.ID)
	}
	g, err := s.Groups.Create(ctx, owner, in)
	if err != nil {
		return err
	}
	_, _, err = s.Chat.Send(ctx, owner, ConvKey{Type: models.ConvGroup, ID: g.ID}, SendInput{Body: "Welcome to WorkComm!"})
	return err
}
