package services

import (
	"context"

	"workcomm/models"
	"workcomm/views"
)

// selfUser builds a user's self/admin view, with whether two-factor is on.
func (c *Core) selfUser(ctx context.Context, u *models.User) (*views.SelfUser, error) {
	on, err := models.TwoFactorEnabled(ctx, c.DB, u.ID)
	if err != nil {
		return nil, err
	}
	v := views.NewSelfUser(u, c.now())
	v.TwoFactorEnabled = on
	v.AvatarURL = c.avatarURL(u)
	return &v, nil
}

// selfUsers builds the self/admin views of a page of users with one
// two-factor lookup for all (the admin users list).
func (c *Core) selfUsers(ctx context.Context, users []models.User) ([]views.SelfUser, error) {
	ids := make([]uint64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	on, err := models.TwoFactorEnabledAmong(ctx, c.DB, ids)
	if err != nil {
		return nil, err
	}
	out := views.NewSelfUsers(users, c.now())
	for i := range out {
		out[i].TwoFactorEnabled = on[out[i].ID]
		out[i].AvatarURL = c.avatarURL(&users[i])
	}
	return out, nil
}
