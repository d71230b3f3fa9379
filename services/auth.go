package services

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/tokens"
	"workcomm/views"
)

// Auth is the sessions domain: registration, login, token rotation and the
// check of every access token.
type Auth struct {
	*Core
	tokens *tokens.Manager
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
func (a *Auth) Register(ctx context.Context, in RegisterInput, clientIP string) (*views.Session, error) {
	if ok, wait := a.Limits.Register.Allow(ctx, clientIP); !ok {
		return nil, apperr.RateLimited(wait)
	}
	u, err := a.register(ctx, in)
	if err != nil {
		return nil, err
	}
	return a.openSession(ctx, u, tokens.NewFamilyID())
}

// register creates the account of a registration.
func (a *Auth) register(ctx context.Context, in RegisterInput) (*models.User, error) {
	if slices.Contains(ReservedUsernames, strings.ToLower(in.Username)) {
		return nil, apperr.Field("username", "is reserved")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), a.BcryptCost)
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
	if err := models.CreateUser(ctx, a.DB, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Login checks a login (email or username) and password. Failures are limited
// per account and per client IP; successes do not count. With two-factor on,
// the answer is a challenge for LoginTwoFactor, not a session.
func (a *Auth) Login(ctx context.Context, login, password, clientIP string) (*views.LoginAnswer, error) {
	if limited, wait := a.Limits.LoginByIP.Exhausted(ctx, clientIP); limited {
		return nil, apperr.RateLimited(wait)
	}
	u, err := models.FindUserByLogin(ctx, a.DB, login)
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
	if limited, wait := a.Limits.LoginByAcct.Exhausted(ctx, acct); limited {
		return nil, apperr.RateLimited(wait)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		a.Limits.LoginByIP.Spend(ctx, clientIP)
		a.Limits.LoginByAcct.Spend(ctx, acct)
		return nil, apperr.ErrInvalidCredentials
	}
	if u.Banned {
		return nil, apperr.New(apperr.ErrForbidden, "this account is banned")
	}
	return a.passwordVerified(ctx, u)
}

// Refresh rotates a refresh token: it works once. Presenting a used or revoked
// token revokes its whole family (the token was stolen or replayed).
func (a *Auth) Refresh(ctx context.Context, raw string) (*views.Session, error) {
	invalid := apperr.New(apperr.ErrUnauthorized, "refresh token is invalid or expired")
	if raw == "" {
		return nil, invalid
	}
	now := a.now()
	t, err := models.FindRefreshToken(ctx, a.DB, tokens.HashRefreshToken(raw))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	familyRevoked, err := models.RefreshFamilyRevoked(ctx, a.DB, t.FamilyID)
	if err != nil {
		return nil, err
	}
	if t.UsedAt != nil || t.RevokedAt != nil || familyRevoked {
		if err := models.RevokeRefreshFamily(ctx, a.DB, t.FamilyID, now); err != nil {
			return nil, err
		}
		a.Log.Warn("refresh token reuse: family revoked", "user_id", t.UserID)
		return nil, invalid
	}
	if now.After(t.ExpiresAt) {
		return nil, invalid
	}
	won, err := models.MarkRefreshTokenUsed(ctx, a.DB, t.ID, now)
	if err != nil {
		return nil, err
	}
	if !won { // a concurrent refresh used it first: that is reuse too
		if err := models.RevokeRefreshFamily(ctx, a.DB, t.FamilyID, now); err != nil {
			return nil, err
		}
		return nil, invalid
	}
	u, err := models.GetUser(ctx, a.DB, t.UserID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if u.Banned {
		return nil, apperr.New(apperr.ErrForbidden, "this account is banned")
	}
	return a.openSession(ctx, u, t.FamilyID)
}

// Logout revokes the presented refresh token's family: that login ends.
func (a *Auth) Logout(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	t, err := models.FindRefreshToken(ctx, a.DB, tokens.HashRefreshToken(raw))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil // logging out twice is not an error
	}
	if err != nil {
		return err
	}
	return models.RevokeRefreshFamily(ctx, a.DB, t.FamilyID, a.now())
}

// openSession issues an access token and a refresh token of family.
func (a *Auth) openSession(ctx context.Context, u *models.User, family string) (*views.Session, error) {
	access, err := a.tokens.Issue(u.ID, u.TokenVersion)
	if err != nil {
		return nil, err
	}
	raw := tokens.NewRefreshToken()
	rt := &models.RefreshToken{
		UserID:    u.ID,
		FamilyID:  family,
		TokenHash: tokens.HashRefreshToken(raw),
		ExpiresAt: a.now().Add(a.Config.RefreshTokenTTL),
	}
	if err := models.CreateRefreshToken(ctx, a.DB, rt); err != nil {
		return nil, err
	}
	self, err := a.selfUser(ctx, u)
	if err != nil {
		return nil, err
	}
	return &views.Session{User: *self, AccessToken: access, RefreshToken: raw, ExpiresIn: int(a.tokens.TTL().Seconds())}, nil
}

// Authenticate resolves an access token to its live, unbanned user, checking
// the token version so that a ban, delete or role change applies at once.
func (a *Auth) Authenticate(ctx context.Context, raw string) (*models.User, error) {
	return a.authenticate(ctx, raw, models.GetUser)
}

// AuthenticateSocket is Authenticate for a socket's handshake, with the same
// checks (signature and expiry, deleted, banned, token version), reading
// only the columns a socket keeps of its user (models.GetUserIdentity): a
// node restart brings every socket of the company back at once.
func (a *Auth) AuthenticateSocket(ctx context.Context, raw string) (*models.User, error) {
	return a.authenticate(ctx, raw, models.GetUserIdentity)
}

func (a *Auth) authenticate(ctx context.Context, raw string, load func(context.Context, *gorm.DB, uint64) (*models.User, error)) (*models.User, error) {
	id, ver, err := a.tokens.Verify(raw)
	if err != nil {
		return nil, apperr.New(apperr.ErrUnauthorized, "access token is invalid or expired")
	}
	u, err := load(ctx, a.DB, id)
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

// endSessions makes every access token of the user invalid (the auth check
// compares token versions) and revokes every refresh token, inside tx.
func endSessions(ctx context.Context, tx *gorm.DB, userID uint64, now time.Time) error {
	if err := models.BumpTokenVersion(ctx, tx, userID); err != nil {
		return err
	}
	return models.RevokeUserRefreshTokens(ctx, tx, userID, now)
}
