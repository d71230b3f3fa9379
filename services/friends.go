package services

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// Friends is the friendships domain: requests, their answers, the list.
type Friends struct {
	*Core
	presence *Presence
}

// SendRequest asks toID to be friends: the pending request, or, if toID had
// already asked the caller, the friendship it became at once.
func (f *Friends) SendRequest(ctx context.Context, me *models.User, toID uint64) (*views.FriendRequest, *views.Friend, error) {
	if toID == me.ID {
		return nil, nil, apperr.Field("userId", "you cannot befriend yourself")
	}
	if _, err := models.GetUser(ctx, f.DB, toID); err != nil {
		return nil, nil, err
	}
	var request *models.FriendRequest
	var friendship *models.Friendship
	err := f.DB.Transaction(func(tx *gorm.DB) error {
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
			friendship, err = models.CreateFriendship(ctx, tx, me.ID, toID)
			return err
		}
		request, err = models.CreateFriendRequest(ctx, tx, me.ID, toID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if friendship != nil {
		// toID had asked first: both get friend.accepted, as on Accept.
		friend, err := f.befriended(ctx, friendship, me.ID, toID)
		return nil, friend, err
	}
	reqs, err := f.requestViews(ctx, []models.FriendRequest{*request})
	if err != nil {
		return nil, nil, err
	}
	f.requested(ctx, reqs[0])
	return &reqs[0], nil, nil
}

// Accept turns a request addressed to the caller into a friendship.
func (f *Friends) Accept(ctx context.Context, me *models.User, requestID uint64) (*views.Friend, error) {
	var friendship *models.Friendship
	var fromID uint64
	err := f.DB.Transaction(func(tx *gorm.DB) error {
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
		friendship, err = models.CreateFriendship(ctx, tx, r.FromID, r.ToID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return f.befriended(ctx, friendship, me.ID, fromID)
}

// Decline removes a request: the addressee declines it, the sender withdraws it.
func (f *Friends) Decline(ctx context.Context, me *models.User, requestID uint64) error {
	r, err := models.GetFriendRequestFor(ctx, f.DB, requestID, me.ID)
	if err != nil {
		return err
	}
	deleted, err := models.DeleteFriendRequest(ctx, f.DB, r.ID)
	if err != nil {
		return err
	}
	if !deleted {
		return apperr.New(apperr.ErrNotFound, "friend request not found")
	}
	f.declined(ctx, r, me.ID)
	return nil
}

// Remove ends a friendship.
func (f *Friends) Remove(ctx context.Context, me *models.User, friendID uint64) error {
	if err := models.DeleteFriendship(ctx, f.DB, me.ID, friendID); err != nil {
		return err
	}
	f.removed(ctx, me.ID, friendID)
	return nil
}

// List pages the caller's live friends, oldest friendship first (see
// models.ListFriends): a new friend comes last, so paging never repeats one.
func (f *Friends) List(ctx context.Context, me *models.User, page Page) (views.List[views.Friend], error) {
	after, err := page.keyset()
	if err != nil {
		return views.List[views.Friend]{}, err
	}
	entries, more, err := models.ListFriends(ctx, f.DB, me.ID, after, page.Limit)
	if err != nil {
		return views.List[views.Friend]{}, err
	}
	ids := make([]uint64, len(entries))
	for i, e := range entries {
		ids[i] = e.FriendID
	}
	users, err := f.publicUsersByID(ctx, ids)
	if err != nil {
		return views.List[views.Friend]{}, err
	}
	out := make([]views.Friend, len(entries))
	for i, e := range entries {
		out[i] = views.NewFriend(users[e.FriendID], e.Since)
	}
	var next views.Cursor
	if more {
		last := entries[len(entries)-1]
		next = views.Cursor{At: last.Since, ID: last.FriendID}
	}
	return views.NewList(out, next), nil
}

// Requests returns the caller's pending requests, in and out.
func (f *Friends) Requests(ctx context.Context, me *models.User) (*views.FriendRequests, error) {
	in, out, err := models.ListFriendRequests(ctx, f.DB, me.ID)
	if err != nil {
		return nil, err
	}
	all, err := f.requestViews(ctx, append(append([]models.FriendRequest{}, in...), out...))
	if err != nil {
		return nil, err
	}
	return &views.FriendRequests{Incoming: all[:len(in)], Outgoing: all[len(in):]}, nil
}

func (f *Friends) requestViews(ctx context.Context, reqs []models.FriendRequest) ([]views.FriendRequest, error) {
	ids := make([]uint64, 0, 2*len(reqs))
	for _, r := range reqs {
		ids = append(ids, r.FromID, r.ToID)
	}
	users, err := f.publicUsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]views.FriendRequest, len(reqs))
	for i := range reqs {
		out[i] = views.NewFriendRequest(&reqs[i], users[reqs[i].FromID], users[reqs[i].ToID])
	}
	return out, nil
}
