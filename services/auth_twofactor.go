package services

import (
	"context"
	"errors"
	"strconv"

	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/tokens"
	"workcomm/views"
)

// errChallengeLost rolls the second step back when its challenge was spent
// (or outdated) between the check and the use: the code stays unspent.
var errChallengeLost = errors.New("login challenge spent meanwhile")

// passwordVerified finishes a login whose password was right: a session,
// or, with two-factor on, a challenge (stored hashed, 5 minutes, bound to
// the token version) and no tokens.
func (a *Auth) passwordVerified(ctx context.Context, u *models.User) (*views.LoginAnswer, error) {
	on, err := models.TwoFactorEnabled(ctx, a.DB, u.ID)
	if err != nil {
		return nil, err
	}
	if !on {
		s, err := a.openSession(ctx, u, tokens.NewFamilyID())
		if err != nil {
			return nil, err
		}
		return &views.LoginAnswer{Session: s}, nil
	}
	token, hash := tokens.NewOneTimeToken()
	if err := models.CreateLoginChallenge(ctx, a.DB, u.ID, u.TokenVersion, hash, a.now().Add(models.LoginChallengeTTL)); err != nil {
		return nil, err
	}
	return &views.LoginAnswer{TwoFactorChallenge: &views.TwoFactorChallenge{TwoFactorRequired: true, Challenge: token}}, nil
}

// LoginTwoFactor is the second step of a login: the challenge of the
// password step and a code from the authenticator app or a recovery code.
// Each code works once. A wrong code counts as a failed login (per account
// and per client IP) and against the challenge's own attempts.
func (a *Auth) LoginTwoFactor(ctx context.Context, challenge, code, recoveryCode, clientIP string) (*views.Session, error) {
	if (code == "") == (recoveryCode == "") {
		return nil, apperr.Field("code", "give either a code or a recovery code")
	}
	if limited, wait := a.Limits.LoginByIP.Exhausted(ctx, clientIP); limited {
		return nil, apperr.RateLimited(wait)
	}
	now := a.now()
	ch, err := models.GetLoginChallenge(ctx, a.DB, tokens.HashOneTimeToken(challenge), now)
	if err != nil {
		return nil, err
	}
	acct := "user:" + strconv.FormatUint(ch.UserID, 10)
	if limited, wait := a.Limits.LoginByAcct.Exhausted(ctx, acct); limited {
		return nil, apperr.RateLimited(wait)
	}
	// The code and the challenge are spent together or not at all.
	var passed bool
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := a.useSecondFactor(ctx, tx, ch.UserID, code, recoveryCode)
		if err != nil || !ok {
			return err
		}
		won, err := models.ConsumeLoginChallenge(ctx, tx, ch.ID, now)
		if err != nil {
			return err
		}
		if !won {
			return errChallengeLost
		}
		passed = true
		return nil
	})
	if errors.Is(err, errChallengeLost) {
		return nil, apperr.New(apperr.ErrUnauthorized, "this sign-in has expired; enter your password again")
	}
	if err != nil {
		return nil, err
	}
	if !passed {
		a.Limits.LoginByIP.Spend(ctx, clientIP)
		a.Limits.LoginByAcct.Spend(ctx, acct)
		if _, err := models.FailLoginChallenge(ctx, a.DB, ch.ID); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.ErrInvalidCredentials, "this code is wrong or was already used")
	}
	u, err := models.GetUser(ctx, a.DB, ch.UserID)
	if err != nil {
		return nil, err
	}
	return a.openSession(ctx, u, tokens.NewFamilyID())
}
