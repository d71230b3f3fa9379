package controllers

import (
	"context"
	"time"

	"workcomm/models"
	"workcomm/services"
)

// SelfUser is the view of a user for themself and for admins.
type SelfUser struct {
	ID            uint64     `json:"id"`
	Username      string     `json:"username"`
	Email         string     `json:"email"`
	DisplayName   string     `json:"displayName"`
	Role          string     `json:"role"`
	Plan          string     `json:"plan"`
	PlanExpiresAt *time.Time `json:"planExpiresAt"`
	Banned        bool       `json:"banned"`
	CreatedAt     time.Time  `json:"createdAt"`
}

// PublicUser is the view of a user for everyone else: never the email.
type PublicUser struct {
	ID          uint64     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"displayName"`
	Online      bool       `json:"online"`
	LastSeenAt  *time.Time `json:"lastSeenAt"`
	Deleted     bool       `json:"deleted,omitempty"`
}

// NewSelfUser builds the self/admin view. The plan shown is the effective one:
// an expired premium reads as free.
func NewSelfUser(u *models.User) SelfUser {
	return SelfUser{
		ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		Role: u.Role, Plan: u.EffectivePlan(time.Now()), PlanExpiresAt: utc(u.PlanExpiresAt),
		Banned: u.Banned, CreatedAt: u.CreatedAt.UTC(),
	}
}

// NewPublicUser builds the public view with the given presence.
func NewPublicUser(u *models.User, online bool) PublicUser {
	return PublicUser{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
		Online: online && !u.DeletedAt.Valid, LastSeenAt: utc(u.LastSeenAt), Deleted: u.DeletedAt.Valid,
	}
}

// publicUsers builds public views for many users with one presence lookup.
func publicUsers(ctx context.Context, rt services.Realtime, users []*models.User) []PublicUser {
	ids := make([]uint64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	online := rt.Online(ctx, ids)
	out := make([]PublicUser, len(users))
	for i, u := range users {
		out[i] = NewPublicUser(u, online[u.ID])
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// publicUsersByID loads users (deleted ones too, shown as deleted) and builds
// their public views, keyed by id.
func publicUsersByID(ctx context.Context, svc *services.Deps, ids []uint64) (map[uint64]PublicUser, error) {
	users, err := svc.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*models.User, 0, len(users))
	for _, u := range users {
		list = append(list, u)
	}
	out := make(map[uint64]PublicUser, len(list))
	for _, v := range publicUsers(ctx, svc.Realtime, list) {
		out[v.ID] = v
	}
	return out, nil
}
