package services

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/views"
)

// Admin is the administration domain: users' roles, bans and deletion,
// everyone's payments, the dashboard, the audit log, and the create-admin
// command (admin_cli.go). Every change is written to the audit log in the
// same transaction.
type Admin struct {
	*Core
	presence *Presence
}

// Actor is who performs an administrative action, and through which request:
// both go into the audit log.
type Actor struct {
	User      *models.User
	RequestID string
}

// AdminUserChange is a validated PATCH /admin/users/:id; nil fields are left alone.
type AdminUserChange struct {
	Role   *string
	Banned *bool
}

// statsMessageWindow is the contract's "messages in the last 24 hours".
const statsMessageWindow = 24 * time.Hour

// ListUsers pages every live user (banned ones too) by ascending id,
// optionally filtered by a username or display-name prefix.
func (a *Admin) ListUsers(ctx context.Context, q string, page Page) (views.List[views.SelfUser], error) {
	res, err := models.SearchUsers(ctx, a.DB, models.UserSearch{Prefix: q, AfterID: page.After.ID, Limit: page.Limit})
	if err != nil {
		return views.List[views.SelfUser]{}, err
	}
	items, err := a.selfUsers(ctx, res.Users)
	if err != nil {
		return views.List[views.SelfUser]{}, err
	}
	return views.NewList(items, views.IDCursor(res.NextID)), nil
}

// UpdateUser changes a user's role and/or ban. A ban or a role change
// takes effect at once: the user's tokens stop working and their sockets
// close. The change and its audit entry are one transaction. An admin cannot
// ban or demote themself (validation_failed), and the last active admin
// cannot lose the role (conflict).
func (a *Admin) UpdateUser(ctx context.Context, actor Actor, targetID uint64, in AdminUserChange) (*views.SelfUser, error) {
	if targetID == actor.User.ID {
		fields := map[string]string{}
		if in.Banned != nil && *in.Banned {
			fields["banned"] = "you cannot ban yourself"
		}
		if in.Role != nil && *in.Role != models.RoleAdmin {
			fields["role"] = "you cannot demote yourself"
		}
		if len(fields) > 0 {
			return nil, apperr.Validation(fields)
		}
	}
	var updated *models.User
	var invalidated bool
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		target, err := lockActorAndTarget(ctx, tx, actor.User.ID, targetID)
		if err != nil {
			return err
		}
		before, after, cols := map[string]any{}, map[string]any{}, map[string]any{}
		if in.Role != nil && *in.Role != target.Role {
			before["role"], after["role"], cols["role"] = target.Role, *in.Role, *in.Role
		}
		if in.Banned != nil && *in.Banned != target.Banned {
			before["banned"], after["banned"], cols["banned"] = target.Banned, *in.Banned, *in.Banned
		}
		if len(cols) == 0 {
			updated = target // nothing changes: no audit entry, tokens kept
			return nil
		}
		next := *target
		if r, ok := cols["role"].(string); ok {
			next.Role = r
		}
		if b, ok := cols["banned"].(bool); ok {
			next.Banned = b
		}
		if isActiveAdmin(target) && !isActiveAdmin(&next) {
			if err := ensureAnotherAdmin(ctx, tx, target.ID); err != nil {
				return err
			}
		}
		if err := ensureActorIsAdmin(ctx, tx, actor.User.ID); err != nil {
			return err
		}
		if err := models.UpdateUser(ctx, tx, target.ID, cols); err != nil {
			return err
		}
		// A role change or a ban ends every session; an unban alone has
		// nothing left to end (the ban did it).
		if _, roleChanged := cols["role"]; roleChanged || next.Banned {
			if err := endSessions(ctx, tx, target.ID, a.now()); err != nil {
				return err
			}
			invalidated = true
		}
		if err := a.audit(ctx, tx, actor, updateAction(after), target.ID, before, after); err != nil {
			return err
		}
		updated, err = models.GetUser(ctx, tx, target.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if invalidated {
		a.Publisher.Kick(ctx, targetID)
	}
	return a.selfUser(ctx, updated)
}

// DeleteUser soft-deletes a user: the account disappears from searches and
// can no longer log in, its username and email stay reserved, its messages stay
// (shown with a deleted author). Tokens and sockets end at once.
func (a *Admin) DeleteUser(ctx context.Context, actor Actor, targetID uint64) error {
	if targetID == actor.User.ID {
		return apperr.Field("id", "you cannot delete yourself")
	}
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		target, err := lockActorAndTarget(ctx, tx, actor.User.ID, targetID)
		if err != nil {
			return err
		}
		if isActiveAdmin(target) {
			if err := ensureAnotherAdmin(ctx, tx, target.ID); err != nil {
				return err
			}
		}
		if err := ensureActorIsAdmin(ctx, tx, actor.User.ID); err != nil {
			return err
		}
		if err := models.UpdateUser(ctx, tx, target.ID, map[string]any{"deleted_at": a.now()}); err != nil {
			return err
		}
		if err := endSessions(ctx, tx, target.ID, a.now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, models.AuditUserDelete, target.ID,
			map[string]any{"deleted": false}, map[string]any{"deleted": true})
	})
	if err != nil {
		return err
	}
	a.Publisher.Kick(ctx, targetID)
	return nil
}

// ListPayments pages every user's payments, newest first, optionally only
// those in one status.
func (a *Admin) ListPayments(ctx context.Context, status string, page Page) (views.List[views.AdminPayment], error) {
	if status != "" && !models.ValidPaymentStatus(status) {
		return views.List[views.AdminPayment]{}, apperr.Field("status", "must be one of: pending, processing, succeeded, failed, canceled")
	}
	res, err := models.ListPayments(ctx, a.DB, models.PaymentFilter{Status: status, BeforeID: page.After.ID, Limit: page.Limit})
	if err != nil {
		return views.List[views.AdminPayment]{}, err
	}
	return views.NewAdminPaymentList(res), nil
}

// ListAudit pages the audit log, newest first.
func (a *Admin) ListAudit(ctx context.Context, page Page) (views.List[views.AuditEntry], error) {
	res, err := models.ListAuditEntries(ctx, a.DB, page.After.ID, page.Limit)
	if err != nil {
		return views.List[views.AuditEntry]{}, err
	}
	return views.NewAuditList(res), nil
}

// Stats counts users, sockets, recent messages, groups and revenue.
func (a *Admin) Stats(ctx context.Context) (*views.Stats, error) {
	var s views.Stats
	var err error
	if s.Users, err = models.CountLiveUsers(ctx, a.DB); err != nil {
		return nil, err
	}
	s.OnlineNow = a.presence.OnlineCount(ctx)
	if s.Messages24h, err = models.CountMessagesSince(ctx, a.DB, a.now().Add(-statsMessageWindow)); err != nil {
		return nil, err
	}
	if s.Groups, err = models.CountGroups(ctx, a.DB); err != nil {
		return nil, err
	}
	if s.RevenueCents, err = models.RevenueCents(ctx, a.DB); err != nil {
		return nil, err
	}
	if s.StorageBytes, err = models.StorageBytes(ctx, a.DB); err != nil {
		return nil, err
	}
	return &s, nil
}

// lockActorAndTarget locks both rows in id order (two admins acting on each
// other at once cannot deadlock) and returns the target. The actor's row is
// locked so that it cannot lose the role while acting: that, with the rule that
// nobody demotes themself, keeps at least one admin whatever runs concurrently.
func lockActorAndTarget(ctx context.Context, tx *gorm.DB, actorID, targetID uint64) (*models.User, error) {
	first, second := actorID, targetID
	if second < first {
		first, second = second, first
	}
	var target *models.User
	ids := []uint64{first, second}
	if first == second {
		ids = ids[:1]
	}
	for _, id := range ids {
		u, err := models.LockUser(ctx, tx, id)
		switch {
		case errors.Is(err, apperr.ErrNotFound) && id == actorID:
			return nil, apperr.New(apperr.ErrForbidden, "administrators only")
		case err != nil:
			return nil, err
		}
		if id == targetID {
			target = u
		}
	}
	return target, nil
}

// ensureActorIsAdmin re-reads the (locked) actor inside the transaction: an
// admin demoted or banned by another while this request ran may not act.
func ensureActorIsAdmin(ctx context.Context, tx *gorm.DB, actorID uint64) error {
	u, err := models.GetUser(ctx, tx, actorID)
	if errors.Is(err, apperr.ErrNotFound) {
		return apperr.New(apperr.ErrForbidden, "administrators only")
	}
	if err != nil {
		return err
	}
	if !isActiveAdmin(u) {
		return apperr.New(apperr.ErrForbidden, "administrators only")
	}
	return nil
}

// ensureAnotherAdmin refuses to remove the last active admin.
func ensureAnotherAdmin(ctx context.Context, tx *gorm.DB, targetID uint64) error {
	n, err := models.CountActiveAdmins(ctx, tx, targetID)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.ErrConflict, "this is the last administrator: promote another user first")
	}
	return nil
}

// isActiveAdmin is an admin who can act: live and not banned.
func isActiveAdmin(u *models.User) bool { return u.IsAdmin() && !u.Banned && !u.DeletedAt.Valid }

// audit appends an entry about a user to the log, in the caller's transaction.
func (a *Admin) audit(ctx context.Context, tx *gorm.DB, actor Actor, action string, targetID uint64, before, afterFields map[string]any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	after, err := json.Marshal(afterFields)
	if err != nil {
		return err
	}
	e := &models.AuditEntry{
		Action: action, TargetType: models.AuditTargetUser, TargetID: targetID,
		RequestID: actor.RequestID, Before: string(b), After: string(after), CreatedAt: a.now(),
	}
	if actor.User != nil {
		id := actor.User.ID
		e.ActorID = &id
	}
	return models.CreateAuditEntry(ctx, tx, e)
}

// updateAction names a PATCH by what it changed.
func updateAction(after map[string]any) string {
	if len(after) > 1 {
		return models.AuditUserUpdate
	}
	if role, ok := after["role"]; ok {
		if role == models.RoleAdmin {
			return models.AuditUserPromote
		}
		return models.AuditUserDemote
	}
	if after["banned"] == true {
		return models.AuditUserBan
	}
	return models.AuditUserUnban
}
