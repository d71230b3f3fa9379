package services

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
)

// PlanLimits are what a plan lets an owner have: live groups owned, and
// members per group (owner included).
type PlanLimits struct {
	Groups  int64
	Members int64
}

// planLimits are the contract's limits per plan.
var planLimits = map[string]PlanLimits{
	models.PlanFree:    {Groups: 3, Members: 10},
	models.PlanPremium: {Groups: 100, Members: 500},
}

// LimitsFor returns the limits of the user's effective plan: an expired
// premium counts as free.
func LimitsFor(u *models.User, now time.Time) PlanLimits {
	return planLimits[u.EffectivePlan(now)]
}

// GroupDetail is a group with its members, as one member sees it.
type GroupDetail struct {
	Group       models.Group
	Members     []models.GroupMember
	Users       map[uint64]*models.User // the members' accounts, deleted ones included
	Unread      uint64
	LastMessage *models.Message
}

// CreateGroupInput is a validated POST /chat/groups.
type CreateGroupInput struct {
	Name        string
	Description string
	MemberIDs   []uint64
}

// UpdateGroupInput is a validated PATCH /chat/groups/:id; nil fields stay.
type UpdateGroupInput struct {
	Name        *string
	Description *string
}

// CreateGroup makes a group owned by the caller with the given members; every
// member's group socket joins it at once.
func (d *Deps) CreateGroup(ctx context.Context, me *models.User, in CreateGroupInput) (*GroupDetail, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return nil, apperr.Field("name", "is required")
	}
	ids := make([]uint64, 0, len(in.MemberIDs))
	for _, id := range in.MemberIDs {
		if id != me.ID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if err := d.checkLiveUsers(ctx, ids); err != nil {
		return nil, err
	}
	now := d.now()
	g := &models.Group{Name: name, Description: strings.TrimSpace(in.Description), OwnerID: me.ID}
	members := []models.GroupMember{{UserID: me.ID, Role: models.GroupRoleOwner, JoinedAt: now}}
	for _, id := range ids {
		members = append(members, models.GroupMember{UserID: id, Role: models.GroupRoleMember, JoinedAt: now})
	}
	err := d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Locking the owner's row makes two concurrent creations count in turn.
		owner, err := models.LockUser(ctx, tx, me.ID)
		if err != nil {
			return err
		}
		limits := LimitsFor(owner, now)
		owned, err := models.CountOwnedGroups(ctx, tx, me.ID)
		if err != nil {
			return err
		}
		if owned >= limits.Groups {
			return apperr.Newf(apperr.ErrPlanLimit, "your plan allows %d groups", limits.Groups)
		}
		if int64(len(members)) > limits.Members {
			return apperr.Newf(apperr.ErrPlanLimit, "your plan allows %d members per group", limits.Members)
		}
		return models.CreateGroup(ctx, tx, g, members)
	})
	if err != nil {
		return nil, err
	}
	detail, err := d.groupDetail(ctx, g, 0)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		d.Realtime.Publish(ctx, Event{Type: EventGroupJoined, GroupID: g.ID, UserID: m.UserID, Group: detail})
	}
	return detail, nil
}

// checkLiveUsers refuses ids that are not live users (400 on memberIds).
func (d *Deps) checkLiveUsers(ctx context.Context, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	live, err := models.LiveUserIDs(ctx, d.DB, ids)
	if err != nil {
		return err
	}
	var unknown []string
	for _, id := range ids {
		if !live[id] {
			unknown = append(unknown, fmt.Sprint(id))
		}
	}
	if len(unknown) > 0 {
		return apperr.Field("memberIds", "unknown users: "+strings.Join(unknown, ", "))
	}
	return nil
}

// GetGroup returns a group the caller is a member of, with its members.
func (d *Deps) GetGroup(ctx context.Context, me *models.User, id uint64) (*GroupDetail, error) {
	mine, err := models.GetMembership(ctx, d.DB, id, me.ID)
	if err != nil {
		return nil, err
	}
	g, err := models.GetGroup(ctx, d.DB, id)
	if err != nil {
		return nil, err
	}
	return d.groupDetail(ctx, g, mine.LastReadSeq)
}

// GroupIDsOf returns the live groups the user is in (their group socket's rooms).
func (d *Deps) GroupIDsOf(ctx context.Context, userID uint64) ([]uint64, error) {
	return models.GroupIDsOf(ctx, d.DB, userID)
}

// ListGroups returns the caller's groups, newest activity first.
func (d *Deps) ListGroups(ctx context.Context, me *models.User) ([]models.GroupSummary, error) {
	return models.ListUserGroups(ctx, d.DB, me.ID)
}

// UpdateGroup renames or redescribes a group (owner or admin).
func (d *Deps) UpdateGroup(ctx context.Context, me *models.User, id uint64, in UpdateGroupInput) (*GroupDetail, error) {
	mine, err := d.manager(ctx, me, id)
	if err != nil {
		return nil, err
	}
	cols := map[string]any{}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" {
			return nil, apperr.Field("name", "is required")
		}
		cols["name"] = name
	}
	if in.Description != nil {
		cols["description"] = strings.TrimSpace(*in.Description)
	}
	if len(cols) > 0 {
		if err := models.UpdateGroup(ctx, d.DB, id, cols); err != nil {
			return nil, err
		}
	}
	g, err := models.GetGroup(ctx, d.DB, id)
	if err != nil {
		return nil, err
	}
	return d.groupDetail(ctx, g, mine.LastReadSeq)
}

// DeleteGroup soft-deletes a group (owner only); every member's socket leaves it.
func (d *Deps) DeleteGroup(ctx context.Context, me *models.User, id uint64) error {
	mine, err := models.GetMembership(ctx, d.DB, id, me.ID)
	if err != nil {
		return err
	}
	if mine.Role != models.GroupRoleOwner {
		return apperr.New(apperr.ErrForbidden, "only the owner can delete the group")
	}
	if err := models.DeleteGroup(ctx, d.DB, id); err != nil {
		return err
	}
	d.Realtime.Publish(ctx, Event{Type: EventGroupLeft, GroupID: id})
	return nil
}

// AddGroupMember adds a user to a group (owner or admin), within the owner's
// plan; their group sockets join it at once.
func (d *Deps) AddGroupMember(ctx context.Context, me *models.User, groupID, userID uint64) (*models.GroupMember, *models.User, error) {
	if _, err := d.manager(ctx, me, groupID); err != nil {
		return nil, nil, err
	}
	user, err := models.GetUser(ctx, d.DB, userID)
	if err != nil {
		return nil, nil, err
	}
	now := d.now()
	m := &models.GroupMember{GroupID: groupID, UserID: userID, Role: models.GroupRoleMember, JoinedAt: now}
	var g *models.Group
	err = d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Locking the group row makes two concurrent additions count in turn.
		if g, err = models.LockGroup(ctx, tx, groupID); err != nil {
			return err
		}
		owner, err := models.GetUserUnscoped(ctx, tx, g.OwnerID)
		if err != nil {
			return err
		}
		limits := LimitsFor(owner, now)
		n, err := models.CountGroupMembers(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if n >= limits.Members {
			return apperr.Newf(apperr.ErrPlanLimit, "the owner's plan allows %d members per group", limits.Members)
		}
		// A newcomer starts with nothing unread; the history is theirs to read.
		m.LastReadSeq = g.LastSeq
		return models.AddGroupMember(ctx, tx, m)
	})
	if err != nil {
		return nil, nil, err
	}
	detail, err := d.groupDetail(ctx, g, m.LastReadSeq)
	if err != nil {
		return nil, nil, err
	}
	d.Realtime.Publish(ctx, Event{Type: EventGroupJoined, GroupID: groupID, UserID: userID, Group: detail})
	return m, user, nil
}

// RemoveGroupMember removes a member (owner or admin) or lets the caller
// leave. The owner cannot leave (they delete the group instead) nor be
// removed; an admin removes plain members only. The removed user's sockets
// leave the group at once.
func (d *Deps) RemoveGroupMember(ctx context.Context, me *models.User, groupID, userID uint64) error {
	mine, err := models.GetMembership(ctx, d.DB, groupID, me.ID)
	if err != nil {
		return err
	}
	if userID == me.ID {
		if mine.Role == models.GroupRoleOwner {
			return apperr.New(apperr.ErrConflict, "the owner cannot leave the group; delete it instead")
		}
	} else {
		if !mine.CanManage() {
			return apperr.New(apperr.ErrForbidden, "only the owner or an admin can remove members")
		}
		target, err := models.GetMembership(ctx, d.DB, groupID, userID)
		if err != nil {
			return apperr.New(apperr.ErrNotFound, "member not found")
		}
		if target.Role == models.GroupRoleOwner || (target.Role == models.GroupRoleAdmin && mine.Role != models.GroupRoleOwner) {
			return apperr.New(apperr.ErrForbidden, "you cannot remove this member")
		}
	}
	if err := models.RemoveGroupMember(ctx, d.DB, groupID, userID); err != nil {
		return err
	}
	d.Realtime.Publish(ctx, Event{Type: EventGroupLeft, GroupID: groupID, UserID: userID})
	return nil
}

// SetGroupMemberRole makes a member an admin of the group or a plain member
// again. Only the owner hands out or takes back the admin role; the owner's
// own role does not change this way.
func (d *Deps) SetGroupMemberRole(ctx context.Context, me *models.User, groupID, userID uint64, role string) (*models.GroupMember, *models.User, error) {
	mine, err := models.GetMembership(ctx, d.DB, groupID, me.ID)
	if err != nil {
		return nil, nil, err
	}
	if mine.Role != models.GroupRoleOwner {
		return nil, nil, apperr.New(apperr.ErrForbidden, "only the owner can change roles")
	}
	target, err := models.GetMembership(ctx, d.DB, groupID, userID)
	if err != nil {
		return nil, nil, apperr.New(apperr.ErrNotFound, "member not found")
	}
	if target.Role == models.GroupRoleOwner {
		return nil, nil, apperr.Field("role", "the owner's role cannot change")
	}
	if err := models.SetGroupMemberRole(ctx, d.DB, groupID, userID, role); err != nil {
		return nil, nil, err
	}
	target.Role = role
	user, err := models.GetUserUnscoped(ctx, d.DB, userID)
	if err != nil {
		return nil, nil, err
	}
	return target, user, nil
}

// manager returns the caller's membership if they are owner or admin: 404 for
// a non-member, 403 for a plain member.
func (d *Deps) manager(ctx context.Context, me *models.User, groupID uint64) (*models.GroupMember, error) {
	mine, err := models.GetMembership(ctx, d.DB, groupID, me.ID)
	if err != nil {
		return nil, err
	}
	if !mine.CanManage() {
		return nil, apperr.New(apperr.ErrForbidden, "only the owner or an admin can do this")
	}
	return mine, nil
}

// groupDetail loads a group's members and last message; readSeq is the
// viewer's read mark (for unread).
func (d *Deps) groupDetail(ctx context.Context, g *models.Group, readSeq uint64) (*GroupDetail, error) {
	members, err := models.ListGroupMembers(ctx, d.DB, g.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	users, err := models.UsersByIDs(ctx, d.DB, ids)
	if err != nil {
		return nil, err
	}
	detail := &GroupDetail{Group: *g, Members: members, Users: users, Unread: g.LastSeq - min(readSeq, g.LastSeq)}
	if g.LastSeq > 0 {
		page, _, err := models.ListMessages(ctx, d.DB, models.ConvGroup, g.ID, models.HistoryQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page) == 1 {
			detail.LastMessage = &page[0]
		}
	}
	return detail, nil
}

// demoGroupName names the group the seeder makes.
const demoGroupName = "General"

// SeedDemoGroup is a Seeder: the first demo user owns a "General" group with
// every other demo user in it and a welcome message. It runs once.
func SeedDemoGroup(ctx context.Context, d *Deps, users []*models.User) error {
	if len(users) == 0 {
		return nil
	}
	owner := users[0]
	mine, err := models.ListUserGroups(ctx, d.DB, owner.ID)
	if err != nil {
		return err
	}
	for _, g := range mine {
		if g.Group.Name == demoGroupName && g.Group.OwnerID == owner.ID {
			return nil
		}
	}
	in := CreateGroupInput{Name: demoGroupName, Description: "Everyone in the demo"}
	for _, u := range users[1:] {
		in.MemberIDs = append(in.MemberIDs, u.ID)
	}
	g, err := d.CreateGroup(ctx, owner, in)
	if err != nil {
		return err
	}
	_, _, err = d.SendMessage(ctx, owner, ConvKey{Type: models.ConvGroup, ID: g.Group.ID}, SendInput{Body: "Welcome to WorkComm!"})
	return err
}
