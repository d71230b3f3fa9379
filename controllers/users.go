package controllers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/models"
	"workcomm/services"
)

// UsersController handles /users.
type UsersController struct {
	Svc *services.Deps
}

// UpdateMeRequest is the body of PATCH /users/me.
type UpdateMeRequest struct {
	DisplayName     *string `json:"displayName" validate:"omitempty,notblank,max=64"`
	CurrentPassword *string `json:"currentPassword" validate:"omitempty,max=128"`
	NewPassword     *string `json:"newPassword" validate:"omitempty,min=8,max=128"`
}

// GetMe returns the caller.
func (u *UsersController) GetMe(c *gin.Context) {
	c.JSON(http.StatusOK, NewSelfUser(middlewares.CurrentUser(c)))
}

// UpdateMe changes the caller's display name or password.
func (u *UsersController) UpdateMe(c *gin.Context) {
	var req UpdateMeRequest
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	me, err := u.Svc.UpdateMe(c.Request.Context(), middlewares.CurrentUser(c), services.UpdateMeInput{
		DisplayName: trimmed(req.DisplayName), CurrentPassword: req.CurrentPassword, NewPassword: req.NewPassword,
	})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewSelfUser(me))
}

// SearchUsers lists users whose username or display name starts with ?q=.
func (u *UsersController) SearchUsers(c *gin.Context) {
	page, err := parsePage(c)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	res, err := u.Svc.SearchUsers(c.Request.Context(), middlewares.CurrentUser(c), c.Query("q"), page)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, List[PublicUser]{Items: publicUsers(c.Request.Context(), u.Svc.Realtime, ptrs(res.Users)), NextCursor: EncodeCursor(res.NextID)})
}

// GetUser returns another user's public view.
func (u *UsersController) GetUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	user, err := u.Svc.GetUser(c.Request.Context(), id)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, publicUsers(c.Request.Context(), u.Svc.Realtime, []*models.User{user})[0])
}

func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.TrimSpace(*s)
	return &v
}
