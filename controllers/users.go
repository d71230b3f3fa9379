package controllers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// UsersController handles /users.
type UsersController struct {
	Users *services.Users
}

// UpdateMeRequest is the body of PATCH /users/me.
type UpdateMeRequest struct {
	DisplayName     *string `json:"displayName" validate:"omitempty,notblank,max=64"`
	StatusText      *string `json:"statusText" validate:"omitempty,max=100"`
	CurrentPassword *string `json:"currentPassword" validate:"omitempty,max=128"`
	NewPassword     *string `json:"newPassword" validate:"omitempty,min=8,max=128"`
}

// GetMe returns the caller.
func (u *UsersController) GetMe(c *gin.Context) {
	me, err := u.Users.Me(c.Request.Context(), middlewares.CurrentUser(c))
	respond(c, http.StatusOK, me, err)
}

// UpdateMe changes the caller's display name or password.
func (u *UsersController) UpdateMe(c *gin.Context) {
	var req UpdateMeRequest
	if !bind(c, &req) {
		return
	}
	in := services.UpdateMeInput{DisplayName: trimmed(req.DisplayName), StatusText: trimmed(req.StatusText), CurrentPassword: req.CurrentPassword, NewPassword: req.NewPassword}
	me, err := u.Users.UpdateMe(c.Request.Context(), middlewares.CurrentUser(c), in)
	respond(c, http.StatusOK, me, err)
}

// SearchUsers lists users whose username or display name starts with ?q=.
func (u *UsersController) SearchUsers(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := u.Users.Search(c.Request.Context(), middlewares.CurrentUser(c), c.Query("q"), page)
	respond(c, http.StatusOK, list, err)
}

// GetUser returns another user's public view.
func (u *UsersController) GetUser(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	user, err := u.Users.Get(c.Request.Context(), id)
	respond(c, http.StatusOK, user, err)
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.TrimSpace(*s)
	return &v
}
