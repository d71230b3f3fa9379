package controllers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"workcomm/middlewares"
	"workcomm/services"
)

// CreateGroupBody is the body of POST /chat/groups. A group of the largest
// plan has 500 members, the owner included.
type CreateGroupBody struct {
	Name        string   `json:"name" validate:"notblank,max=100"`
	Description *string  `json:"description" validate:"omitempty,max=1000"`
	MemberIDs   []uint64 `json:"memberIds" validate:"omitempty,max=499,dive,id"`
}

// UpdateGroupBody is the body of PATCH /chat/groups/:id.
type UpdateGroupBody struct {
	Name        *string `json:"name" validate:"omitempty,notblank,max=100"`
	Description *string `json:"description" validate:"omitempty,max=1000"`
}

// AddMemberBody is the body of POST /chat/groups/:id/members.
type AddMemberBody struct {
	UserID uint64 `json:"userId" validate:"required,id"`
}

// MemberRoleBody is the body of PATCH /chat/groups/:id/members/:userId.
type MemberRoleBody struct {
	Role string `json:"role" validate:"required,oneof=admin member"`
}

// GroupsController handles /chat/groups (the group itself and its members;
// its messages are a ChatController's).
type GroupsController struct {
	Groups *services.Groups
}

// CreateGroup makes a group owned by the caller.
func (g *GroupsController) CreateGroup(c *gin.Context) {
	var req CreateGroupBody
	if !bind(c, &req) {
		return
	}
	in := services.CreateGroupInput{Name: req.Name, MemberIDs: req.MemberIDs}
	if req.Description != nil {
		in.Description = *req.Description
	}
	group, err := g.Groups.Create(c.Request.Context(), middlewares.CurrentUser(c), in)
	respond(c, http.StatusCreated, group, err)
}

// ListGroups pages the caller's groups with unread counts and last messages,
// newest activity first.
func (g *GroupsController) ListGroups(c *gin.Context) {
	page, ok := listPage(c)
	if !ok {
		return
	}
	list, err := g.Groups.List(c.Request.Context(), middlewares.CurrentUser(c), page)
	respond(c, http.StatusOK, list, err)
}

// GetGroup returns a group the caller is in, with its members.
func (g *GroupsController) GetGroup(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	group, err := g.Groups.Get(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusOK, group, err)
}

// UpdateGroup renames or redescribes a group (owner or admin).
func (g *GroupsController) UpdateGroup(c *gin.Context) {
	var req UpdateGroupBody
	if !bind(c, &req) {
		return
	}
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	in := services.UpdateGroupInput{Name: req.Name, Description: req.Description}
	group, err := g.Groups.Update(c.Request.Context(), middlewares.CurrentUser(c), id, in)
	respond(c, http.StatusOK, group, err)
}

// DeleteGroup soft-deletes a group (owner only).
func (g *GroupsController) DeleteGroup(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	err := g.Groups.Delete(c.Request.Context(), middlewares.CurrentUser(c), id)
	respond(c, http.StatusNoContent, nil, err)
}

// AddMember adds a user to a group (owner or admin).
func (g *GroupsController) AddMember(c *gin.Context) {
	var req AddMemberBody
	if !bind(c, &req) {
		return
	}
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	member, err := g.Groups.AddMember(c.Request.Context(), middlewares.CurrentUser(c), id, req.UserID)
	respond(c, http.StatusCreated, member, err)
}

// UpdateMember changes a member's role (owner only).
func (g *GroupsController) UpdateMember(c *gin.Context) {
	var req MemberRoleBody
	if !bind(c, &req) {
		return
	}
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	userID, ok := idParam(c, "userId")
	if !ok {
		return
	}
	member, err := g.Groups.SetMemberRole(c.Request.Context(), middlewares.CurrentUser(c), id, userID, req.Role)
	respond(c, http.StatusOK, member, err)
}

// RemoveMember removes a member (owner or admin) or lets the caller leave.
func (g *GroupsController) RemoveMember(c *gin.Context) {
	id, ok := idParam(c, "id")
	if !ok {
		return
	}
	userID, ok := idParam(c, "userId")
	if !ok {
		return
	}
	err := g.Groups.RemoveMember(c.Request.Context(), middlewares.CurrentUser(c), id, userID)
	respond(c, http.StatusNoContent, nil, err)
}
