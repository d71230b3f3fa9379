package services

import (
	"context"

	"golang.org/x/crypto/bcrypt"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// Users is the profiles domain: the caller's own account and finding people.
type Users struct {
	*Core
}

// UpdateMeInput is a validated PATCH /users/me; nil fields are left alone.
type UpdateMeInput struct {
	DisplayName     *string
	StatusText      *string // "" clears it
	CurrentPassword *string
	NewPassword     *string
}

// Me is the caller's own view.
func (s *Users) Me(ctx context.Context, me *models.User) (*views.SelfUser, error) {
	return s.selfUser(ctx, me)
}

// UpdateMe changes the caller's display name, status text and/or password. A new password
// needs the current one; a wrong current password is a validation error on
// that field.
func (s *Users) UpdateMe(ctx context.Context, me *models.User, in UpdateMeInput) (*views.SelfUser, error) {
	cols := map[string]any{}
	if in.DisplayName != nil {
		cols["display_name"] = *in.DisplayName
	}
	if in.StatusText != nil {
		cols["status_text"] = *in.StatusText
	}
	if in.NewPassword != nil {
		if in.CurrentPassword == nil {
			return nil, apperr.Field("currentPassword", "is required to set a new password")
		}
		if bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(*in.CurrentPassword)) != nil {
			return nil, apperr.Field("currentPassword", "is not your current password")
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(*in.NewPassword), s.BcryptCost)
		if err != nil {
			return nil, err
		}
		cols["password_hash"] = string(hash)
	}
	if len(cols) > 0 {
		if err := models.UpdateUser(ctx, s.DB, me.ID, cols); err != nil {
			return nil, err
		}
		if in.NewPassword != nil {
			// Other devices logged in with the old password must log in again.
			if err := models.RevokeUserRefreshTokens(ctx, s.DB, me.ID, s.now()); err != nil {
				return nil, err
			}
		}
	}
	u, err := models.GetUser(ctx, s.DB, me.ID)
	if err != nil {
		return nil, err
	}
	if in.DisplayName != nil || in.StatusText != nil {
		s.profileChanged(ctx, me.ID)
	}
	return s.selfUser(ctx, u)
}

// Get returns a live user's public view (deleted users are not found).
func (s *Users) Get(ctx context.Context, id uint64) (*views.PublicUser, error) {
	u, err := models.GetUser(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	v := s.publicUser(ctx, u)
	return &v, nil
}

// Search pages live users whose username or display name starts with q,
// by ascending id, the caller excluded.
func (s *Users) Search(ctx context.Context, me *models.User, q string, page Page) (views.List[views.PublicUser], error) {
	res, err := models.SearchUsers(ctx, s.DB, models.UserSearch{Prefix: q, AfterID: page.After.ID, Limit: page.Limit, ExcludeID: me.ID})
	if err != nil {
		return views.List[views.PublicUser]{}, err
	}
	users := make([]*models.User, len(res.Users))
	for i := range res.Users {
		users[i] = &res.Users[i]
	}
	return views.NewList(s.publicUsers(ctx, users), views.IDCursor(res.NextID)), nil
}
