package services

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
)

// CreateAdmin makes an admin account, or promotes the existing account with
// that email or username (idempotent). Weak passwords are refused.
func (d *Deps) CreateAdmin(ctx context.Context, email, username, password string) (*models.User, bool, error) {
	if err := CheckPasswordStrength(password); err != nil {
		return nil, false, err
	}
	var existing *models.User
	for _, login := range []string{email, username} {
		if login == "" {
			continue
		}
		u, err := models.FindUserByLogin(ctx, d.DB, login)
		if err == nil {
			existing = u
			break
		}
		if !errors.Is(err, apperr.ErrNotFound) {
			return nil, false, err
		}
	}
	if existing != nil {
		err := d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := models.UpdateUser(ctx, tx, existing.ID, map[string]any{"role": models.RoleAdmin}); err != nil {
				return err
			}
			return models.BumpTokenVersion(ctx, tx, existing.ID)
		})
		if err != nil {
			return nil, false, err
		}
		u, err := models.GetUser(ctx, d.DB, existing.ID)
		return u, false, err
	}
	if email == "" || username == "" {
		return nil, false, apperr.New(apperr.ErrValidation, "a new admin needs both -email and -username")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), d.BcryptCost)
	if err != nil {
		return nil, false, err
	}
	u := &models.User{Username: username, Email: email, DisplayName: username, PasswordHash: string(hash), Role: models.RoleAdmin, Plan: models.PlanFree}
	if err := models.CreateUser(ctx, d.DB, u); err != nil {
		return nil, false, err
	}
	return u, true, nil
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
