package services

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
)

// cliActor is the audit log's actor for the create-admin command: no user, and
// "cli" where a request id would be.
var cliActor = Actor{RequestID: "cli"}

// CreateAdmin makes an admin account, or promotes the existing account with
// that email or username (idempotent: an existing admin is left as is). Weak
// passwords are refused. A promotion ends the user's sessions, as any role
// change does. Each change is written to the audit log with no actor.
func (a *Admin) CreateAdmin(ctx context.Context, email, username, password string) (*models.User, bool, error) {
	if err := CheckPasswordStrength(password); err != nil {
		return nil, false, err
	}
	var existing *models.User
	for _, login := range []string{email, username} {
		if login == "" {
			continue
		}
		u, err := models.FindUserByLogin(ctx, a.DB, login)
		if err == nil {
			existing = u
			break
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return nil, false, err
		}
	}
	if existing != nil {
		u, promoted, err := a.promote(ctx, existing.ID)
		if err == nil && promoted {
			a.Publisher.Kick(ctx, u.ID)
		}
		return u, false, err
	}
	if email == "" || username == "" {
		return nil, false, apperr.New(apperr.ErrValidation, "a new admin needs both -email and -username")
	}
	if err := checkNewAdminNames(email, username); err != nil {
		return nil, false, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), a.BcryptCost)
	if err != nil {
		return nil, false, err
	}
	u := &models.User{Username: username, Email: email, DisplayName: username, PasswordHash: string(hash), Role: models.RoleAdmin, Plan: models.PlanFree}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := models.CreateUser(ctx, tx, u); err != nil {
			return err
		}
		return a.audit(ctx, tx, cliActor, models.AuditUserCreate, u.ID,
			map[string]any{}, map[string]any{"username": u.Username, "email": u.Email, "role": models.RoleAdmin})
	})
	if errors.Is(err, apperr.ErrConflict) {
		// No live account had these names a moment ago, so a deleted one (whose
		// names stay reserved) or a concurrent sign-up holds them. Inside the
		// aborted transaction PostgreSQL cannot say which of the two collided.
		return nil, false, apperr.New(apperr.ErrConflict, "this email or username is taken (a deleted account keeps its names)")
	}
	if err != nil {
		return nil, false, err
	}
	return u, true, nil
}

// promote gives a live user the admin role, unless they have it already
// (then promoted is false and nothing is written).
func (a *Admin) promote(ctx context.Context, id uint64) (u *models.User, promoted bool, err error) {
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := models.LockUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.IsAdmin() {
			u = cur
			return nil
		}
		if err := models.UpdateUser(ctx, tx, id, map[string]any{"role": models.RoleAdmin}); err != nil {
			return err
		}
		if err := endSessions(ctx, tx, id, a.now()); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, cliActor, models.AuditUserPromote, id,
			map[string]any{"role": cur.Role}, map[string]any{"role": models.RoleAdmin}); err != nil {
			return err
		}
		promoted = true
		u, err = models.GetUser(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return u, promoted, nil
}

// adminUsernamePattern is the contract's username rule (3–32 of [A-Za-z0-9_.-]),
// which registration enforces through its request validation.
var adminUsernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,32}$`)

// checkNewAdminNames applies registration's rules to the command's flags.
func checkNewAdminNames(email, username string) error {
	fields := map[string]string{}
	if !adminUsernamePattern.MatchString(username) {
		fields["username"] = "must be 3 to 32 of letters, digits, '_', '.' and '-'"
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		fields["email"] = "must be a valid email address"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	return nil
}

// DescribeError spells an error out for a terminal: its message and, for a
// validation error, every failing field ("password: needs at least 12 characters").
func DescribeError(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	names := make([]string, 0, len(e.Fields))
	for name := range e.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + ": " + e.Fields[name]
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(parts, "; "))
}

// CheckPasswordStrength refuses passwords an admin should not have: short,
// or of a single kind of character.
func CheckPasswordStrength(pw string) error {
	if len([]rune(pw)) < 12 {
		return apperr.Field("password", "an admin password needs at least 12 characters")
	}
	if len([]rune(pw)) > 128 {
		return apperr.Field("password", "must be at most 128 characters")
	}
	kinds := 0
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"} {
		if strings.ContainsAny(pw, set) {
			kinds++
		}
	}
	if strings.IndexFunc(pw, func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", r)
	}) >= 0 {
		kinds++
	}
	if kinds < 3 {
		return apperr.Field("password", "mix at least three of: lower case, upper case, digits, symbols")
	}
	return nil
}
