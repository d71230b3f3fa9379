package services

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
)

// FriendRequestResult is the outcome of sending a request: either a pending
// request, or (when the other side had already asked) a friendship.
type FriendRequestResult struct {
	Request    *models.FriendRequest
	Friendship *models.Friendship
}

// SendFriendRequest asks toID to be friends. If toID had already asked the
// caller, the two become friends at once.
func (d *Deps) SendFriendRequest(ctx context.Context, me *models.User, toID uint64) (*FriendRequestResult, error) {
	if toID == me.ID {
		return nil, apperr.Field("userId", "you cannot befriend yourself")
	}
	if _, err := models.GetUser(ctx, d.DB, toID); err != nil {
		return nil, err
	}
	var out FriendRequestResult
	err := d.DB.Transaction(func(tx *gorm.DB) error {
		friends, err := models.AreFriends(ctx, tx, me.ID, toID)
		if err != nil {
			return err
		}
		if friends {
			return apperr.New(apperr.ErrConflict, "you are already friends")
		}
		reverse, err := models.FindFriendRequest(ctx, tx, toID, me.ID)
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		if reverse != nil {
			if _, err := models.DeleteFriendRequest(ctx, tx, reverse.ID); err != nil {
				return err
			}
			out.Friendship, err = models.CreateFriendship(ctx, tx, me.ID, toID)
			return err
		}
		out.Request, err = models.CreateFriendRequest(ctx, tx, me.ID, toID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Friendship != nil {
		d.Realtime.FriendsChanged(ctx, me.ID, toID)
	}
	return &out, nil
}

// AcceptFriendRequest turns a request addressed to the caller into a friendship.
func (d *Deps) AcceptFriendRequest(ctx context.Context, me *models.User, requestID uint64) (*models.Friendship, error) {
	var f *models.Friendship
	var fromID uint64
	err := d.DB.Transaction(func(tx *gorm.DB) error {
		r, err := models.GetFriendRequestFor(ctx, tx, requestID, me.ID)
		if err != nil {
			return err
		}
		if r.ToID != me.ID {
			return apperr.New(apperr.ErrForbidden, "only the addressee can accept a request")
		}
		if _, err := models.GetUser(ctx, tx, r.FromID); err != nil {
			return err
		}
		deleted, err := models.DeleteFriendRequest(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if !deleted {
			return apperr.New(apperr.ErrNotFound, "friend request not found")
		}
		fromID = r.FromID
		f, err = models.CreateFriendship(ctx, tx, r.FromID, r.ToID)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.Realtime.FriendsChanged(ctx, me.ID, fromID)
	return f, nil
}

// DeclineFriendRequest removes a request: the addressee declines it, the
// sender withdraws it.
func (d *Deps) DeclineFriendRequest(ctx context.Context, me *models.User, requestID uint64) error {
	r, err := models.GetFriendRequestFor(ctx, d.DB, requestID, me.ID)
	if err != nil {
		return err
	}
	deleted, err := models.DeleteFriendRequest(ctx, d.DB, r.ID)
	if err != nil {
		return err
	}
	if !deleted {
		return apperr.New(apperr.ErrNotFound, "friend request not found")
	}
	return nil
}

// RemoveFriend ends a friendship.
func (d *Deps) RemoveFriend(ctx context.Context, me *models.User, friendID uint64) error {
	if err := models.DeleteFriendship(ctx, d.DB, me.ID, friendID); err != nil {
		return err
	}
	d.Realtime.FriendsChanged(ctx, me.ID, friendID)
	return nil
}

// ListFriends returns the caller's friends.
func (d *Deps) ListFriends(ctx context.Context, me *models.User) ([]models.FriendEntry, error) {
	return models.ListFriends(ctx, d.DB, me.ID)
}

// ListFriendRequests returns the caller's pending requests, in and out.
func (d *Deps) ListFriendRequests(ctx context.Context, me *models.User) (incoming, outgoing []models.FriendRequest, err error) {
	return models.ListFriendRequests(ctx, d.DB, me.ID)
}
