package controllers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// FriendsController handles /friends.
type FriendsController struct {
	Svc *services.Deps
}

// FriendRequestBody is the body of POST /friends/requests.
type FriendRequestBody struct {
	UserID uint64 `json:"userId" validate:"required,id"`
}

// FriendRequestView is a pending friend request.
type FriendRequestView struct {
	ID        uint64     `json:"id"`
	From      PublicUser `json:"from"`
	To        PublicUser `json:"to"`
	CreatedAt time.Time  `json:"createdAt"`
}

// FriendView is one friend.
type FriendView struct {
	User  PublicUser `json:"user"`
	Since time.Time  `json:"since"`
}

// FriendRequestsView answers GET /friends/requests.
type FriendRequestsView struct {
	Incoming []FriendRequestView `json:"incoming"`
	Outgoing []FriendRequestView `json:"outgoing"`
}

// ListFriends returns the caller's friends.
func (f *FriendsController) ListFriends(c *gin.Context) {
	ctx := c.Request.Context()
	entries, err := f.Svc.ListFriends(ctx, middlewares.CurrentUser(c))
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	ids := make([]uint64, len(entries))
	for i, e := range entries {
		ids[i] = e.FriendID
	}
	users, err := publicUsersByID(ctx, f.Svc, ids)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	out := make([]FriendView, 0, len(entries))
	for _, e := range entries {
		out = append(out, FriendView{User: users[e.FriendID], Since: e.Since.UTC()})
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// ListFriendRequests returns the caller's pending requests, in and out.
func (f *FriendsController) ListFriendRequests(c *gin.Context) {
	ctx := c.Request.Context()
	in, out, err := f.Svc.ListFriendRequests(ctx, middlewares.CurrentUser(c))
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	all := append(append([]models.FriendRequest{}, in...), out...)
	views, err := f.requestViews(ctx, all)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, FriendRequestsView{Incoming: views[:len(in)], Outgoing: views[len(in):]})
}

// SendFriendRequest asks a user to be friends; if they had asked first, the
// two become friends (200 with the friend).
func (f *FriendsController) SendFriendRequest(c *gin.Context) {
	var req FriendRequestBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	me := middlewares.CurrentUser(c)
	res, err := f.Svc.SendFriendRequest(ctx, me, req.UserID)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if res.Friendship != nil {
		f.respondFriend(c, res.Friendship, req.UserID)
		return
	}
	views, err := f.requestViews(ctx, []models.FriendRequest{*res.Request})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusCreated, views[0])
}

// AcceptFriendRequest accepts a request addressed to the caller.
func (f *FriendsController) AcceptFriendRequest(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	me := middlewares.CurrentUser(c)
	fr, err := f.Svc.AcceptFriendRequest(c.Request.Context(), me, id)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	other := fr.UserAID
	if other == me.ID {
		other = fr.UserBID
	}
	f.respondFriend(c, fr, other)
}

// DeclineFriendRequest declines (addressee) or withdraws (sender) a request.
func (f *FriendsController) DeclineFriendRequest(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := f.Svc.DeclineFriendRequest(c.Request.Context(), middlewares.CurrentUser(c), id); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// RemoveFriend ends a friendship.
func (f *FriendsController) RemoveFriend(c *gin.Context) {
	id, err := pathID(c, "userId")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := f.Svc.RemoveFriend(c.Request.Context(), middlewares.CurrentUser(c), id); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (f *FriendsController) respondFriend(c *gin.Context, fr *models.Friendship, friendID uint64) {
	users, err := publicUsersByID(c.Request.Context(), f.Svc, []uint64{friendID})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, FriendView{User: users[friendID], Since: fr.CreatedAt.UTC()})
}

func (f *FriendsController) requestViews(ctx context.Context, reqs []models.FriendRequest) ([]FriendRequestView, error) {
	ids := make([]uint64, 0, 2*len(reqs))
	for _, r := range reqs {
		ids = append(ids, r.FromID, r.ToID)
	}
	users, err := publicUsersByID(ctx, f.Svc, ids)
	if err != nil {
		return nil, err
	}
	out := make([]FriendRequestView, len(reqs))
	for i, r := range reqs {
		out[i] = FriendRequestView{ID: r.ID, From: users[r.FromID], To: users[r.ToID], CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}
