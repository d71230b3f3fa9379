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

// Seeder adds more demo data once the users exist (groups, messages).
type Seeder func(ctx context.Context, d *Deps, users []*models.User) error

// Seed creates the demo users (idempotently) and makes them all friends, then
// runs the extra seeders.
func (d *Deps) Seed(ctx context.Context, extra ...Seeder) ([]*models.User, error) {
	users := make([]*models.User, 0, len(SeedUsers))
	for _, in := range SeedUsers {
		in.Password = SeedPassword
		u, err := models.FindUserByLogin(ctx, d.DB, in.Username)
		if errors.Is(err, apperr.ErrNotFound) {
			var s *Session
			s, err = d.Register(ctx, in, "seed")
			if s != nil {
				u = s.User
			}
		}
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	for i, a := range users {
		for _, b := range users[i+1:] {
			ok, err := models.AreFriends(ctx, d.DB, a.ID, b.ID)
			if err != nil {
				return nil, err
			}
			if !ok {
				if _, err := models.CreateFriendship(ctx, d.DB, a.ID, b.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, s := range extra {
		if err := s(ctx, d, users); err != nil {
			return nil, err
		}
	}
	return users, nil
}
