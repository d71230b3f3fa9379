package services

import (
	"context"

	"workcomm/models"
	"workcomm/views"
)

// Frame types of friendships on the private socket (the contract's "Friends
// in real time"), and of a group's settings on the group socket. The other
// frame types are in events.go.
const (
	EventFriendRequested = "friend.requested"
	EventFriendAccepted  = "friend.accepted"
	EventFriendDeclined  = "friend.declined"
	EventFriendRemoved   = "friend.removed"
	EventGroupUpdated    = "group.updated"
)

// toUser is an event on the private socket for one user's sockets.
func toUser(userID uint64, typ string, data any) Event {
	return Event{Socket: PrivateSocket, Users: []uint64{userID}, Type: typ, Data: data}
}

// befriended announces a new friendship of a and b to both, each seeing the
// other as the friend, followed by each one's presence to the other (in one
// publish, so a client has the friend before the presence), and returns the
// friendship as a sees it.
func (f *Friends) befriended(ctx context.Context, fr *models.Friendship, a, b uint64) (*views.Friend, error) {
	users, err := f.publicUsersByID(ctx, []uint64{a, b})
	if err != nil {
		return nil, err
	}
	asA, asB := views.NewFriend(users[b], fr.CreatedAt), views.NewFriend(users[a], fr.CreatedAt)
	evs := []Event{
		toUser(a, EventFriendAccepted, views.FriendAccepted{Friend: asA}),
		toUser(b, EventFriendAccepted, views.FriendAccepted{Friend: asB}),
	}
	f.Publisher.Publish(ctx, append(evs, f.presence.introductions(ctx, a, b)...)...)
	return &asA, nil
}

// requested tells a request's addressee about it.
func (f *Friends) requested(ctx context.Context, r views.FriendRequest) {
	f.Publisher.Publish(ctx, toUser(r.To.ID, EventFriendRequested, views.FriendRequested{Request: r}))
}

// declined tells the other party that a request is gone: its sender when
// the addressee declined it, its addressee when the sender withdrew it.
func (f *Friends) declined(ctx context.Context, r *models.FriendRequest, by uint64) {
	other := r.FromID
	if by == r.FromID {
		other = r.ToID
	}
	f.Publisher.Publish(ctx, toUser(other, EventFriendDeclined, views.FriendDeclined{RequestID: r.ID}))
}

// removed tells both former friends, each with the other's id, then each
// one's presence to the other (so a client can drop it).
func (f *Friends) removed(ctx context.Context, a, b uint64) {
	evs := []Event{
		toUser(a, EventFriendRemoved, views.FriendRemoved{UserID: b}),
		toUser(b, EventFriendRemoved, views.FriendRemoved{UserID: a}),
	}
	f.Publisher.Publish(ctx, append(evs, f.presence.introductions(ctx, a, b)...)...)
}
