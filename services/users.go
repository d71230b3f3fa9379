package services

import (
	"context"

	"golang.org/x/crypto/bcrypt"

	"workcomm/apperr"
	"workcomm/models"
)

// UpdateMeInput is a validated PATCH /users/me; nil fields are left alone.
type UpdateMeInput struct {
	DisplayName     *string
	CurrentPassword *string
	NewPassword     *string
}

// UpdateMe changes the caller's display name and/or password. A new password
// needs the current one; a wrong current password is a validation error on
// that field.
func (d *Deps) UpdateMe(ctx context.Context, me *models.User, in UpdateMeInput) (*models.User, error) {
	cols := map[string]any{}
	if in.DisplayName != nil {
		cols["display_name"] = *in.DisplayName
	}
	if in.NewPassword != nil {
		if in.CurrentPassword == nil {
			return nil, apperr.Field("currentPassword", "is required to set a new password")
		}
		if bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(*in.CurrentPassword)) != nil {
			return nil, apperr.Field("currentPassword", "is not your current password")
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(*in.NewPassword), d.BcryptCost)
		if err != nil {
			return nil, err
		}
		cols["password_hash"] = string(hash)
	}
	if len(cols) > 0 {
		if err := models.UpdateUser(ctx, d.DB, me.ID, cols); err != nil {
			return nil, err
		}
		if in.NewPassword != nil {
			// Other devices logged in with the old password must log in again.
			if err := models.RevokeUserRefreshTokens(ctx, d.DB, me.ID, d.now()); err != nil {
				return nil, err
			}
		}
	}
	return models.GetUser(ctx, d.DB, me.ID)
}

// GetUser returns a live user by id (deleted users are not found).
func (d *Deps) GetUser(ctx context.Context, id uint64) (*models.User, error) {
	return models.GetUser(ctx, d.DB, id)
}

// SearchUsers finds live users by username or display-name prefix, excluding the caller.
func (d *Deps) SearchUsers(ctx context.Context, me *models.User, q string, page Page) (*models.UserPage, error) {
	return models.SearchUsers(ctx, d.DB, models.UserSearch{Prefix: q, AfterID: page.AfterID, Limit: page.Limit, ExcludeID: me.ID})
}

// Page is a decoded ?limit=&cursor= pair.
type Page struct {
	Limit   int
	AfterID uint64
}

// UsersByIDs loads users by id, deleted ones included (authors of old messages).
func (d *Deps) UsersByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.User, error) {
	return models.UsersByIDs(ctx, d.DB, ids)
}
