package views

import (
	"time"

	"workcomm/models"
)

// Friend is one friend (GET /friends) and the answer to an accepted request.
type Friend struct {
	User  PublicUser `json:"user"`
	Since time.Time  `json:"since"`
}

// FriendRequest is a pending friend request.
type FriendRequest struct {
	ID        uint64     `json:"id"`
	From      PublicUser `json:"from"`
	To        PublicUser `json:"to"`
	CreatedAt time.Time  `json:"createdAt"`
}

// FriendRequests answers GET /friends/requests.
type FriendRequests struct {
	Incoming []FriendRequest `json:"incoming"`
	Outgoing []FriendRequest `json:"outgoing"`
}

// NewFriend builds a friend from the friendship's start.
func NewFriend(user PublicUser, since time.Time) Friend {
	return Friend{User: user, Since: since.UTC()}
}

// NewFriendRequest builds a request with both parties' public views.
func NewFriendRequest(r *models.FriendRequest, from, to PublicUser) FriendRequest {
	return FriendRequest{ID: r.ID, From: from, To: to, CreatedAt: r.CreatedAt.UTC()}
}
