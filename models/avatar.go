package models

import (
	"context"

	"gorm.io/gorm"
)

// SetUserAvatar points a live user's picture at key ("" removes it) and
// returns the key it replaces, for the caller to delete its objects. The
// user's row is locked meanwhile, so of two concurrent uploads each learns
// the key it really replaced and none is left behind in storage.
func SetUserAvatar(ctx context.Context, db *gorm.DB, userID uint64, key string) (previous string, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := LockUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		previous = u.AvatarKey
		return UpdateUser(ctx, tx, userID, map[string]any{"avatar_key": key})
	})
	return previous, err
}
