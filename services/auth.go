package services

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/tokens"
)

// Session is what register, login and refresh answer: the user and a token pair.
type Session struct {
	User         *models.User
	AccessToken  string
	RefreshToken string
	ExpiresIn    int // seconds
}

// RegisterInput is a validated registration.
type RegisterInput struct {
	Username, Email, Password, DisplayName string
}

// dummyHash is compared against when the login names nobody, so that an unknown
// user costs the same time as a wrong password (no enumeration by timing).
// It is made on first use, not at start-up: every process (migrate, seed, each
// test binary) would otherwise pay a bcrypt hash it may never need.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("workcomm-dummy-password"), bcrypt.DefaultCost)
	return h
})

// Register creates a user and opens a session; limited per client IP.
func (d *Deps) Register(ctx context.Context, in RegisterInput, clientIP string) (*Session, error) {
	if ok, wait := d.Limits.Register.Allow(ctx, clientIP); !ok {
		return nil, apperr.RateLimited(wait)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), d.BcryptCost)
	if err != nil {
		return nil, err
	}
	display := strings.TrimSpace(in.DisplayName)
	if display == "" {
		display = in.Username
	}
	u := &models.User{
		Username:     in.Username,
		Email:        strings.TrimSpace(in.Email),
		DisplayName:  display,
		PasswordHash: string(hash),
		Role:         models.RoleUser,
		Plan:         models.PlanFree,
	}
	if err := models.CreateUser(ctx, d.DB, u); err != nil {
		return nil, err
	}
	return d.openSession(ctx, u, tokens.NewFamilyID())
}

// Login checks a login (email or username) and password. Failures are limited
// per account and per client IP; successes do not count.
func (d *Deps) Login(ctx context.Context, login, password, clientIP string) (*Session, error) {
	if limited, wait := d.Limits.LoginByIP.Exhausted(ctx, clientIP); limited {
		return nil, apperr.RateLimited(wait)
	}
	u, err := models.FindUserByLogin(ctx, d.DB, login)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	// The account budget is keyed by the account itself, so that alternating
	// its email and username does not double the guesses; a login that names
	// nobody has a budget of its own.
	acct := "login:" + strings.ToLower(strings.TrimSpace(login))
	hash := dummyHash()
	if u != nil {
		acct, hash = "user:"+strconv.FormatUint(u.ID, 10), []byte(u.PasswordHash)
	}
	if limited, wait := d.Limits.LoginByAcct.Exhausted(ctx, acct); limited {
		return nil, apperr.RateLimited(wait)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		d.Limits.LoginByIP.Spend(ctx, clientIP)
		d.Limits.LoginByAcct.Spend(ctx, acct)
		return nil, apperr.ErrInvalidCredentials
	}
	if u.Banned {
		return nil, apperr.New(apperr.ErrForbidden, "this account is banned")
	}
	return d.openSession(ctx, u, tokens.NewFamilyID())
}

// Refresh rotates a refresh token: it works once. Presenting a used or revoked
// token revokes its whole family (the token was stolen or replayed).
func (d *Deps) Refresh(ctx context.Context, raw string) (*Session, error) {
	invalid := apperr.New(apperr.ErrUnauthorized, "refresh token is invalid or expired")
	if raw == "" {
		return nil, invalid
	}
	now := d.now()
	t, err := models.FindRefreshToken(ctx, d.DB, tokens.HashRefreshToken(raw))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	familyRevoked, err := models.RefreshFamilyRevoked(ctx, d.DB, t.FamilyID)
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil || t.RevokedAt != nil || familyRevoked {
		if err := models.RevokeRefreshFamily(ctx, d.DB, t.FamilyID, now); err != nil {
			return nil, err
		}
		d.Log.Warn("refresh token reuse: family revoked", "user_id", t.UserID)
		return nil, invalid
	}
	if now.After(t.ExpiresAt) {
		return nil, invalid
	}
	won, err := models.MarkRefreshTokenUsed(ctx, d.DB, t.ID, now)
	if err != nil {
		return nil, err
	}
	if !won { // a concurrent refresh used it first: that is reuse too
		if err := models.RevokeRefreshFamily(ctx, d.DB, t.FamilyID, now); err != nil {
			return nil, err
		}
		return nil, invalid
	}
	u, err := models.GetUser(ctx, d.DB, t.UserID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if u.Banned {
		return nil, apperr.New(apperr.ErrForbidden, "this account is banned")
	}
	return d.openSession(ctx, u, t.FamilyID)
}

// Logout revokes the presented refresh token's family: that login ends.
func (d *Deps) Logout(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	t, err := models.FindRefreshToken(ctx, d.DB, tokens.HashRefreshToken(raw))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil // logging out twice is not an error
	}
	if err != nil {
		return err
	}
	return models.RevokeRefreshFamily(ctx, d.DB, t.FamilyID, d.now())
}

func (d *Deps) openSession(ctx context.Context, u *models.User, family string) (*Session, error) {
	access, err := d.Tokens.Issue(u.ID, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	raw := tokens.NewRefreshToken()
	rt := &models.RefreshToken{
		UserID:    u.ID,
		FamilyID:  family,
		TokenHash: tokens.HashRefreshToken(raw),
		ExpiresAt: d.now().Add(d.Config.RefreshTokenTTL),
	}
	if err := models.CreateRefreshToken(ctx, d.DB, rt); err != nil {
		return nil, err
	}
	return &Session{User: u, AccessToken: access, RefreshToken: raw, ExpiresIn: int(d.Tokens.TTL().Seconds())}, nil
}

// Authenticate resolves an access token to its live, unbanned user, checking
// the token version so that a ban, delete or role change applies at once.
func (d *Deps) Authenticate(ctx context.Context, raw string) (*models.User, error) {
	id, ver, err := d.Tokens.Verify(raw)
	if err != nil {
		return nil, apperr.New(apperr.ErrUnauthorized, "access token is invalid or expired")
	}
	u, err := models.GetUser(ctx, d.DB, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, apperr.New(apperr.ErrUnauthorized, "access token is invalid or expired")
	}
	if err != nil {
		return nil, err
	}
	if u.Banned || u.TokenVersion != ver {
		return nil, apperr.New(apperr.ErrUnauthorized, "access token is no longer valid")
	}
	return u, nil
}
