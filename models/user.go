package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"workcomm/apperr"
)

// Roles and plans.
const (
	RoleUser    = "user"
	RoleAdmin   = "admin"
	PlanFree    = "free"
	PlanPremium = "premium"
)

// User is an account. Username and email are unique case-insensitively through
// their lower-cased copies, indexed on both databases the same way; the unique
// indexes cover soft-deleted rows too, so a deleted user's name stays reserved.
type User struct {
	ID            uint64 `gorm:"primaryKey"`
	Username      string `gorm:"size:32;not null"`
	UsernameLower string `gorm:"size:32;not null;uniqueIndex"`
	Email         string `gorm:"size:254;not null"`
	EmailLower    string `gorm:"size:254;not null;uniqueIndex"`
	DisplayName   string `gorm:"size:64;not null;index"`
	PasswordHash  string `gorm:"size:100;not null"`
	Role          string `gorm:"size:16;not null;default:user"`
	Plan          string `gorm:"size:16;not null;default:free"`
	PlanExpiresAt *time.Time
	Banned        bool `gorm:"not null;default:false"`
	// TokenVersion goes into every access token; bumping it (ban, role change,
	// delete) makes every token issued before invalid at once.
	TokenVersion int `gorm:"not null;default:0"`
	LastSeenAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    gorm.DeletedAt `gorm:"index"`

	// StatusText is the short line others see beside the name ("" is none):
	// at most 100 code points, so 400 bytes of UTF-8.
	StatusText string `gorm:"size:400;not null;default:''"`
	// AvatarKey is the storage prefix of the user's picture (its variants
	// are AvatarKey+"/256" and "/64"); "" is none. A new picture gets a new
	// key, so a cached old one is never shown for it.
	AvatarKey string `gorm:"size:80;not null;default:''"`
}

// EffectivePlan is the plan that limits apply to: an expired premium is free.
func (u *User) EffectivePlan(now time.Time) string {
	if u.Plan == PlanPremium && (u.PlanExpiresAt == nil || u.PlanExpiresAt.After(now)) {
		return PlanPremium
	}
	return PlanFree
}

// IsAdmin reports the admin role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// CreateUser inserts u, mapping duplicate keys to username_taken/email_taken.
func CreateUser(ctx context.Context, db *gorm.DB, u *User) error {
	u.UsernameLower = strings.ToLower(u.Username)
	u.EmailLower = strings.ToLower(u.Email)
	err := db.WithContext(ctx).Create(u).Error
	if IsUniqueViolation(err) {
		return takenError(ctx, db, u)
	}
	return err
}

// takenError says which of username or email is taken (both may be).
func takenError(ctx context.Context, db *gorm.DB, u *User) error {
	var n int64
	db.WithContext(ctx).Unscoped().Model(&User{}).Where("username_lower = ?", u.UsernameLower).Count(&n)
	if n > 0 {
		return apperr.WithCode(apperr.ErrConflict, "username_taken", "this username is taken")
	}
	return apperr.WithCode(apperr.ErrConflict, "email_taken", "an account already uses this email")
}

// GetUser loads a live (not soft-deleted) user.
func GetUser(ctx context.Context, db *gorm.DB, id uint64) (*User, error) {
	var u User
	if err := db.WithContext(ctx).First(&u, id).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// GetUserIdentity loads what a socket keeps of a live user (id, username,
// role, plan and its expiry, banned, token version: the caller's identity
// for the chat services) in one indexed read of those columns, without the
// rest of the row. The socket handshake runs it once per connection.
func GetUserIdentity(ctx context.Context, db *gorm.DB, id uint64) (*User, error) {
	u := &User{}
	var expires sql.NullTime
	err := db.WithContext(ctx).Raw(`SELECT id, username, role, plan, plan_expires_at, banned, token_version
FROM users WHERE id = ? AND deleted_at IS NULL`, id).Row().
		Scan(&u.ID, &u.Username, &u.Role, &u.Plan, &expires, &u.Banned, &u.TokenVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ErrNotFound, "user not found")
	}
	if err != nil {
		return nil, err
	}
	if expires.Valid {
		u.PlanExpiresAt = &expires.Time
	}
	return u, nil
}

// GetUserUnscoped loads a user, deleted or not.
func GetUserUnscoped(ctx context.Context, db *gorm.DB, id uint64) (*User, error) {
	var u User
	if err := db.WithContext(ctx).Unscoped().First(&u, id).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// FindUserByLogin finds a live user by email or username, case-insensitively.
func FindUserByLogin(ctx context.Context, db *gorm.DB, login string) (*User, error) {
	l := strings.ToLower(strings.TrimSpace(login))
	var u User
	err := db.WithContext(ctx).Where("username_lower = ? OR email_lower = ?", l, l).First(&u).Error
	if err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// FindUserByEmail finds a live user by email, case-insensitively (a password
// reset names an address, never a username).
func FindUserByEmail(ctx context.Context, db *gorm.DB, email string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("email_lower = ?", strings.ToLower(strings.TrimSpace(email))).First(&u).Error
	if err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// LiveUserIDs returns which of ids are live users (for memberIds checks).
func LiveUserIDs(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]bool, error) {
	var found []uint64
	if err := db.WithContext(ctx).Model(&User{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return nil, err
	}
	out := make(map[uint64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// UsersByIDs loads live or deleted users by id, keyed by id.
func UsersByIDs(ctx context.Context, db *gorm.DB, ids []uint64) (map[uint64]*User, error) {
	out := make(map[uint64]*User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := db.WithContext(ctx).Unscoped().Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for i := range users {
		out[users[i].ID] = &users[i]
	}
	return out, nil
}

// UpdateUser writes the given columns of user id (scoped by key, always).
func UpdateUser(ctx context.Context, db *gorm.DB, id uint64, cols map[string]any) error {
	res := db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.ErrNotFound, "user not found")
	}
	return nil
}

// BumpTokenVersion invalidates every access token of the user.
func BumpTokenVersion(ctx context.Context, db *gorm.DB, id uint64) error {
	return db.WithContext(ctx).Model(&User{}).Unscoped().Where("id = ?", id).
		Update("token_version", gorm.Expr("token_version + 1")).Error
}

// TouchLastSeen records when the user was last connected.
func TouchLastSeen(ctx context.Context, db *gorm.DB, id uint64, at time.Time) error {
	return db.WithContext(ctx).Model(&User{}).Where("id = ?", id).UpdateColumn("last_seen_at", at).Error
}

// LockUser reads a user row FOR UPDATE inside a transaction (no-op lock on SQLite,
// whose single writer serialises transactions anyway).
func LockUser(ctx context.Context, tx *gorm.DB, id uint64) (*User, error) {
	var u User
	q := tx.WithContext(ctx)
	if IsPostgres(tx) {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&u, id).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserPage is a page of users ordered by id.
type UserPage struct {
	Users  []User
	NextID uint64 // 0 when there is no further page
}

// UserSearch filters a user listing.
type UserSearch struct {
	Prefix    string // username or display name prefix, case-insensitive
	AfterID   uint64 // cursor: ids strictly greater
	Limit     int
	ExcludeID uint64 // the caller, for people search
}

// SearchUsers pages live users by ascending id; paging by id keeps pages stable
// while users are added.
func SearchUsers(ctx context.Context, db *gorm.DB, s UserSearch) (*UserPage, error) {
	q := db.WithContext(ctx).Model(&User{}).Order("id ASC").Limit(s.Limit + 1)
	if s.AfterID > 0 {
		q = q.Where("id > ?", s.AfterID)
	}
	if s.ExcludeID > 0 {
		q = q.Where("id <> ?", s.ExcludeID)
	}
	if p := strings.ToLower(strings.TrimSpace(s.Prefix)); p != "" {
		if !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			// No name holds a NUL or invalid UTF-8 (PostgreSQL refuses them
			// in a query with an error): nothing matches.
			return &UserPage{Users: []User{}}, nil
		}
		pattern := escapeLike(p) + "%"
		q = q.Where("(username_lower LIKE ? ESCAPE '\\' OR LOWER(display_name) LIKE ? ESCAPE '\\')", pattern, pattern)
	}
	var users []User
	if err := q.Find(&users).Error; err != nil {
		return nil, err
	}
	page := &UserPage{Users: users}
	if len(users) > s.Limit {
		page.Users = users[:s.Limit]
		page.NextID = page.Users[s.Limit-1].ID
	}
	return page, nil
}

// escapeLike makes a user's text match literally inside LIKE.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
