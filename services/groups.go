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
	"workcomm/views"
)

// Groups is the groups domain: a group, its members and their roles, within
// the owner's plan. Its messages are Chat's.
type Groups struct {
	*Core
}

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

// Create makes a group owned by the caller with the given members; every
// member's group socket joins it at once (one event for all of them).
func (s *Groups) Create(ctx context.Context, me *models.User, in CreateGroupInput) (*views.Group, error) {
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
	if err := s.checkLiveUsers(ctx, ids); err != nil {
		return nil, err
	}
	now := s.now()
	g := &models.Group{Name: name, Description: strings.TrimSpace(in.Description), OwnerID: me.ID}
	members := []models.GroupMember{{UserID: me.ID, Role: models.GroupRoleOwner, JoinedAt: now}}
	for _, id := range ids {
		members = append(members, models.GroupMember{UserID: id, Role: models.GroupRoleMember, JoinedAt: now})
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
	v, err := s.view(ctx, g, 0)
	if err != nil {
		return nil, err
	}
	// A new group looks the same to every member (nothing unread, no message).
	memberIDs := append([]uint64{me.ID}, ids...)
	s.Publisher.Publish(ctx, Event{Socket: GroupSocket, Membership: Join, Users: memberIDs, Room: g.ID,
		Type: EventGroupJoined, Data: views.GroupJoined{Group: *v}})
	return v, nil
}

// checkLiveUsers refuses ids that are not live users (400 on memberIds).
func (s *Groups) checkLiveUsers(ctx context.Context, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	live, err := models.LiveUserIDs(ctx, s.DB, ids)
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

// Get returns a group the caller is a member of, with its members.
func (s *Groups) Get(ctx context.Context, me *models.User, id uint64) (*views.Group, error) {
	mine, err := models.GetMembership(ctx, s.DB, id, me.ID)
	if err != nil {
		return nil, err
	}
	g, err := models.GetGroup(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, g, mine.LastReadSeq)
}

// GroupIDsOf returns the live groups the user is in (their group socket's rooms).
func (s *Groups) GroupIDsOf(ctx context.Context, userID uint64) ([]uint64, error) {
	return models.GroupIDsOf(ctx, s.DB, userID)
}

// List pages the caller's groups, newest activity first (see
// models.ListUserGroups), with unread counts and last messages.
func (s *Groups) List(ctx context.Context, me *models.User, page Page) (views.List[views.Group], error) {
	var list views.List[views.Group]
	after, err := page.keyset()
	if err != nil {
		return list, err
	}
	groups, more, err := models.ListUserGroups(ctx, s.DB, me.ID, after, page.Limit)
	if err != nil {
		return list, err
	}
	out := make([]views.Group, len(groups))
	marks := make([]models.ReadMark, len(groups))
	ids := make([]uint64, len(groups))
	var last []*views.Message
	for i := range groups {
		out[i] = views.NewGroupSummary(&groups[i])
		marks[i] = models.ReadMark{ConvID: groups[i].Group.ID, Seq: groups[i].LastReadSeq}
		ids[i] = groups[i].Group.ID
		if out[i].LastMessage != nil {
			last = append(last, out[i].LastMessage)
		}
	}
	if err := addStates(ctx, s.DB, me, models.ConvGroup, marks, ids, func(i int, st views.ConversationState) { out[i].ConversationState = st }); err != nil {
		return list, err
	}
	if err := extendViewPtrs(ctx, s.DB, last); err != nil {
		return list, err
	}
	if err := s.enrich(ctx, me.ID, last); err != nil {
		return list, err
	}
	var next views.Cursor
	if more {
		last := &groups[len(groups)-1]
		next = views.Cursor{At: last.ActivityAt(), ID: last.Group.ID}
	}
	return views.NewList(out, next), nil
}

// Update renames or redescribes a group (owner or admin); the sockets in
// its room get group.updated.
func (s *Groups) Update(ctx context.Context, me *models.User, id uint64, in UpdateGroupInput) (*views.Group, error) {
	mine, err := s.manager(ctx, me, id)
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
		if err := models.UpdateGroup(ctx, s.DB, id, cols); err != nil {
			return nil, err
		}
	}
	g, err := models.GetGroup(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if len(cols) > 0 {
		// Every member's list shows the new name at once.
		s.Publisher.Publish(ctx, Event{Socket: GroupSocket, Room: id, Type: EventGroupUpdated, Data: views.NewGroupUpdated(g)})
	}
	return s.view(ctx, g, mine.LastReadSeq)
}

// Delete soft-deletes a group (owner only); every member's socket leaves it.
func (s *Groups) Delete(ctx context.Context, me *models.User, id uint64) error {
	mine, err := models.GetMembership(ctx, s.DB, id, me.ID)
	if err != nil {
		return err
	}
	if mine.Role != models.GroupRoleOwner {
		return apperr.New(apperr.ErrForbidden, "only the owner can delete the group")
	}
	if err := models.DeleteGroup(ctx, s.DB, id); err != nil {
		return err
	}
	// Nobody can read the group's files any more: their bytes go too.
	withFiles, err := models.ConversationMessagesWithFiles(ctx, s.DB, models.ConvGroup, id)
	if err != nil {
		return err
	}
	if err := s.removeMessageFiles(ctx, withFiles); err != nil {
		return err
	}
	s.Publisher.Publish(ctx, Event{Socket: GroupSocket, Membership: Leave, Room: id,
		Type: EventGroupLeft, Data: views.GroupLeft{GroupID: id}})
	return nil
}

// AddMember adds a user to a group (owner or admin), within the owner's
// plan; their group sockets join it at once.
func (s *Groups) AddMember(ctx context.Context, me *models.User, groupID, userID uint64) (*views.GroupMember, error) {
	if _, err := s.manager(ctx, me, groupID); err != nil {
		return nil, err
	}
	user, err := models.GetUser(ctx, s.DB, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &models.GroupMember{GroupID: groupID, UserID: userID, Role: models.GroupRoleMember, JoinedAt: now}
	var g *models.Group
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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
		return nil, err
	}
	v, err := s.view(ctx, g, m.LastReadSeq)
	if err != nil {
		return nil, err
	}
	s.Publisher.Publish(ctx, Event{Socket: GroupSocket, Membership: Join, Users: []uint64{userID}, Room: groupID,
		Type: EventGroupJoined, Data: views.GroupJoined{Group: *v}})
	member := views.NewGroupMember(m, s.publicUser(ctx, user))
	return &member, nil
}

// RemoveMember removes a member (owner or admin) or lets the caller leave.
// The owner cannot leave (they delete the group instead) nor be removed; an
// admin removes plain members only. The removed user's sockets leave the
// group at once.
func (s *Groups) RemoveMember(ctx context.Context, me *models.User, groupID, userID uint64) error {
	mine, err := models.GetMembership(ctx, s.DB, groupID, me.ID)
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
		target, err := models.GetMembership(ctx, s.DB, groupID, userID)
		if err != nil {
			return apperr.New(apperr.ErrNotFound, "member not found")
		}
		if target.Role == models.GroupRoleOwner || (target.Role == models.GroupRoleAdmin && mine.Role != models.GroupRoleOwner) {
			return apperr.New(apperr.ErrForbidden, "you cannot remove this member")
		}
	}
	if err := models.RemoveGroupMember(ctx, s.DB, groupID, userID); err != nil {
		return err
	}
	s.Publisher.Publish(ctx, Event{Socket: GroupSocket, Membership: Leave, Users: []uint64{userID}, Room: groupID,
		Type: EventGroupLeft, Data: views.GroupLeft{GroupID: groupID}})
	return nil
}

// SetMemberRole makes a member an admin of the group or a plain member
// again. Only the owner hands out or takes back the admin role; the owner's
// own role does not change this way.
func (s *Groups) SetMemberRole(ctx context.Context, me *models.User, groupID, userID uint64, role string) (*views.GroupMember, error) {
	mine, err := models.GetMembership(ctx, s.DB, groupID, me.ID)
	if err != nil {
		return nil, err
	}
	if mine.Role != models.GroupRoleOwner {
		return nil, apperr.New(apperr.ErrForbidden, "only the owner can change roles")
	}
	target, err := models.GetMembership(ctx, s.DB, groupID, userID)
	if err != nil {
		return nil, apperr.New(apperr.ErrNotFound, "member not found")
	}
	if target.Role == models.GroupRoleOwner {
		return nil, apperr.Field("role", "the owner's role cannot change")
	}
	if err := models.SetGroupMemberRole(ctx, s.DB, groupID, userID, role); err != nil {
		return nil, err
	}
	target.Role = role
	user, err := models.GetUserUnscoped(ctx, s.DB, userID)
	if err != nil {
		return nil, err
	}
	member := views.NewGroupMember(target, s.publicUser(ctx, user))
	return &member, nil
}

// manager returns the caller's membership if they are owner or admin: 404 for
// a non-member, 403 for a plain member.
func (s *Groups) manager(ctx context.Context, me *models.User, groupID uint64) (*models.GroupMember, error) {
	mine, err := models.GetMembership(ctx, s.DB, groupID, me.ID)
	if err != nil {
		return nil, err
	}
	if !mine.CanManage() {
		return nil, apperr.New(apperr.ErrForbidden, "only the owner or an admin can do this")
	}
	return mine, nil
}

// view builds a group with its members (and their presence) and its last
// message, as the viewer whose read mark is readSeq sees it.
func (s *Groups) view(ctx context.Context, g *models.Group, readSeq uint64) (*views.Group, error) {
	members, err := models.ListGroupMembers(ctx, s.DB, g.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	users, err := s.publicUsersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var last *models.Message
	if g.LastSeq > 0 {
		page, _, err := models.ListMessages(ctx, s.DB, models.ConvGroup, g.ID, models.HistoryQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page) == 1 {
			last = &page[0]
		}
	}
	v := views.NewGroup(g, readSeq, last).WithMembers(members, users)
	if v.LastMessage != nil {
		if err := extendViewPtrs(ctx, s.DB, []*views.Message{v.LastMessage}); err != nil {
			return nil, err
		}
	}
	return &v, nil
}
