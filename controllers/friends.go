package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// FriendsController handles /friends.
type FriendsController struct {
	Friends *services.Friends
}

// FriendRequestBody is the body of POST /friends/requests.
type FriendRequestBody struct {
	UserID uint64 `json:"userId" validate:"required,id"`
}

// ListFriends pages the caller's friends, oldest friendship first.
func (f *FriendsController) ListFriends(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := f.Friends.List(c.Request.Context(), middlewares.CurrentUser(c), page)
	respond(c, http.StatusOK, list, err)
}

// ListFriendRequests returns the caller's pending requests, in and out.
func (f *FriendsController) ListFriendRequests(c *gin.Context) {
	reqs, err := f.Friends.Requests(c.Request.Context(), middlewares.CurrentUser(c))
	respond(c, http.StatusOK, reqs, err)
}

// SendFriendRequest asks a user to be friends: 201 with the request, or, if
// they had asked first, 200 with the friend the two have become.
func (f *FriendsController) SendFriendRequest(c *gin.Context) {
	var req FriendRequestBody
	if !bind(c, &req) {
		return
	}
	request, friend, err := f.Friends.SendRequest(c.Request.Context(), middlewares.CurrentUser(c), req.UserID)
	if friend != nil {
		respond(c, http.StatusOK, friend, err)
		return
	}
	respond(c, http.StatusCreated, request, err)
}

// AcceptFriendRequest accepts a request addressed to the caller.
func (f *FriendsController) AcceptFriendRequest(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	friend, err := f.Friends.Accept(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusOK, friend, err)
}

// DeclineFriendRequest declines (addressee) or withdraws (sender) a request.
func (f *FriendsController) DeclineFriendRequest(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := f.Friends.Decline(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusNoContent, nil, err)
}

// RemoveFriend ends a friendship.
func (f *FriendsController) RemoveFriend(c *gin.Context) {
	id, ok := idParam(c, "userId")
	if !ok {
		return
	}
	err := f.Friends.Remove(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusNoContent, nil, err)
}
