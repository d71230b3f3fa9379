package views

import (
	"time"

	"workcomm/models"
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

	// AvatarURL and StatusText are as in PublicUser.
	AvatarURL  *string `json:"avatarUrl"`
	StatusText *string `json:"statusText"`
	// TwoFactorEnabled says whether sign-in asks for a code (never the
	// secret); set by the services, which look it up.
	TwoFactorEnabled bool `json:"twoFactorEnabled"`
}

// PublicUser is the view of a user for everyone else: never the email.
type PublicUser struct {
	ID          uint64     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"displayName"`
	Online      bool       `json:"online"`
	LastSeenAt  *time.Time `json:"lastSeenAt"`
	Deleted     bool       `json:"deleted,omitempty"`
	// AvatarURL is the user's picture (null: none, show initials);
	// StatusText their status line (null: none).
	AvatarURL  *string `json:"avatarUrl"`
	StatusText *string `json:"statusText"`
}

// NewSelfUser builds the self/admin view. The plan shown is the effective one
// at now: an expired premium reads as free.
func NewSelfUser(u *models.User, now time.Time) SelfUser {
	return SelfUser{
		ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		Role: u.Role, Plan: u.EffectivePlan(now), PlanExpiresAt: utc(u.PlanExpiresAt),
		Banned: u.Banned, CreatedAt: u.CreatedAt.UTC(), StatusText: nonEmpty(u.StatusText),
	}
}

// NewSelfUsers builds the self/admin views of a page of users.
func NewSelfUsers(users []models.User, now time.Time) []SelfUser {
	out := make([]SelfUser, len(users))
	for i := range users {
		out[i] = NewSelfUser(&users[i], now)
	}
	return out
}

// NewPublicUser builds the public view with the given presence; a deleted
// account is never online.
func NewPublicUser(u *models.User, online bool) PublicUser {
	return PublicUser{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
		Online: online && !u.DeletedAt.Valid, LastSeenAt: utc(u.LastSeenAt), Deleted: u.DeletedAt.Valid,
		StatusText: nonEmpty(u.StatusText),
	}
}

// utc is t in UTC, nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// nonEmpty is s, or nil for "" (a JSON null).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// UserUpdated is the data of user.updated on the private socket: the new
// public view of a friend or group co-member (name, status, picture).
type UserUpdated struct {
	User PublicUser `json:"user"`
}
