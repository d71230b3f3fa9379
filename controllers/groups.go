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

// GroupView is a group; Members is set where the contract shows them (one
// group), absent in the list.
type GroupView struct {
	ID          uint64            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	OwnerID     uint64            `json:"ownerId"`
	CreatedAt   time.Time         `json:"createdAt"`
	Members     []GroupMemberView `json:"members,omitempty"`
	Unread      uint64            `json:"unread"`
	LastMessage *MessageView      `json:"lastMessage"`
}

// GroupMemberView is one member of a group.
type GroupMemberView struct {
	User     PublicUser `json:"user"`
	Role     string     `json:"role"`
	JoinedAt time.Time  `json:"joinedAt"`
}

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

// NewGroupView builds a group with its members and their presence (REST and
// the socket's group.joined alike).
func NewGroupView(ctx context.Context, rt services.Realtime, d *services.GroupDetail) GroupView {
	v := groupView(&d.Group, d.Unread, d.LastMessage)
	users := make([]*models.User, 0, len(d.Members))
	for _, m := range d.Members {
		if u := d.Users[m.UserID]; u != nil {
			users = append(users, u)
		}
	}
	public := make(map[uint64]PublicUser, len(users))
	for _, p := range publicUsers(ctx, rt, users) {
		public[p.ID] = p
	}
	v.Members = make([]GroupMemberView, 0, len(d.Members))
	for _, m := range d.Members {
		v.Members = append(v.Members, GroupMemberView{User: public[m.UserID], Role: m.Role, JoinedAt: m.JoinedAt.UTC()})
	}
	return v
}

func groupView(g *models.Group, unread uint64, last *models.Message) GroupView {
	return GroupView{ID: g.ID, Name: g.Name, Description: g.Description, OwnerID: g.OwnerID,
		CreatedAt: g.CreatedAt.UTC(), Unread: unread, LastMessage: messageView(last)}
}

// GroupsController handles /chat/groups (the group itself and its members;
// its messages are a ChatController's).
type GroupsController struct {
	Svc *services.Deps
}

// CreateGroup makes a group owned by the caller.
func (g *GroupsController) CreateGroup(c *gin.Context) {
	var req CreateGroupBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	in := services.CreateGroupInput{Name: req.Name, MemberIDs: req.MemberIDs}
	if req.Description != nil {
		in.Description = *req.Description
	}
	d, err := g.Svc.CreateGroup(c.Request.Context(), middlewares.CurrentUser(c), in)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusCreated, NewGroupView(c.Request.Context(), g.Svc.Realtime, d))
}

// ListGroups returns the caller's groups with unread counts and last messages.
func (g *GroupsController) ListGroups(c *gin.Context) {
	groups, err := g.Svc.ListGroups(c.Request.Context(), middlewares.CurrentUser(c))
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	out := make([]GroupView, len(groups))
	for i, s := range groups {
		out[i] = groupView(&s.Group, s.Group.LastSeq-min(s.LastReadSeq, s.Group.LastSeq), s.LastMessage)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// GetGroup returns a group the caller is in, with its members.
func (g *GroupsController) GetGroup(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	d, err := g.Svc.GetGroup(c.Request.Context(), middlewares.CurrentUser(c), id)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewGroupView(c.Request.Context(), g.Svc.Realtime, d))
}

// UpdateGroup renames or redescribes a group (owner or admin).
func (g *GroupsController) UpdateGroup(c *gin.Context) {
	var req UpdateGroupBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	d, err := g.Svc.UpdateGroup(c.Request.Context(), middlewares.CurrentUser(c), id, services.UpdateGroupInput{Name: req.Name, Description: req.Description})
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, NewGroupView(c.Request.Context(), g.Svc.Realtime, d))
}

// DeleteGroup soft-deletes a group (owner only).
func (g *GroupsController) DeleteGroup(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := g.Svc.DeleteGroup(c.Request.Context(), middlewares.CurrentUser(c), id); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// AddMember adds a user to a group (owner or admin).
func (g *GroupsController) AddMember(c *gin.Context) {
	var req AddMemberBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	m, u, err := g.Svc.AddGroupMember(ctx, middlewares.CurrentUser(c), id, req.UserID)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	user := publicUsers(ctx, g.Svc.Realtime, []*models.User{u})[0]
	c.JSON(http.StatusCreated, GroupMemberView{User: user, Role: m.Role, JoinedAt: m.JoinedAt.UTC()})
}

// MemberRoleBody is the body of PATCH /chat/groups/:id/members/:userId.
type MemberRoleBody struct {
	Role string `json:"role" validate:"required,oneof=admin member"`
}

// UpdateMember changes a member's role (owner only).
func (g *GroupsController) UpdateMember(c *gin.Context) {
	var req MemberRoleBody
	if err := bindJSON(c, &req); err != nil {
		middlewares.Abort(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	userID, err := pathID(c, "userId")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	m, u, err := g.Svc.SetGroupMemberRole(ctx, middlewares.CurrentUser(c), id, userID, req.Role)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	user := publicUsers(ctx, g.Svc.Realtime, []*models.User{u})[0]
	c.JSON(http.StatusOK, GroupMemberView{User: user, Role: m.Role, JoinedAt: m.JoinedAt.UTC()})
}

// RemoveMember removes a member (owner or admin) or lets the caller leave.
func (g *GroupsController) RemoveMember(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	userID, err := pathID(c, "userId")
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if err := g.Svc.RemoveGroupMember(c.Request.Context(), middlewares.CurrentUser(c), id, userID); err != nil {
		middlewares.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
