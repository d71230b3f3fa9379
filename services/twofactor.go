package services

import (
	"context"
	"errors"
	"strconv"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/mail"
	"workcomm/models"
	"workcomm/twofactor"
	"workcomm/views"
)

// TwoFactor is the two-factor sign-in domain on the user's side: set a TOTP
// secret up, turn it on with a first code (which gives the recovery codes),
// turn it off with the password and a code. The second login step is
// Auth.LoginTwoFactor.
type TwoFactor struct {
	*Core
}

// Setup makes a new pending secret for the caller, replacing an earlier
// pending one; 409 while two-factor is on (turn it off first).
func (s *TwoFactor) Setup(ctx context.Context, me *models.User) (*views.TwoFactorSetup, error) {
	secret, url, err := twofactor.NewSecret(me.Username)
	if err != nil {
		return nil, err
	}
	sealed, err := s.TwoFactorKeys.SealSecret(me.ID, secret)
	if err != nil {
		return nil, err
	}
	if err := models.SetupTwoFactor(ctx, s.DB, me.ID, sealed); err != nil {
		return nil, err
	}
	return &views.TwoFactorSetup{Secret: secret, OtpauthURL: url}, nil
}

// Enable turns the pending secret on with a code from the authenticator
// (proof that it was saved), and returns ten fresh recovery codes, shown
// this once. The code is thereby used.
func (s *TwoFactor) Enable(ctx context.Context, me *models.User, code, lang string) (*views.RecoveryCodes, error) {
	tf, err := models.GetTwoFactor(ctx, s.DB, me.ID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, apperr.New(apperr.ErrConflict, "set two-factor sign-in up first")
	}
	if err != nil {
		return nil, err
	}
	if tf.Enabled {
		return nil, apperr.New(apperr.ErrConflict, "two-factor sign-in is already on")
	}
	secret, err := s.TwoFactorKeys.OpenSecret(me.ID, tf.SecretSealed)
	if err != nil {
		return nil, err
	}
	step, ok := twofactor.Validate(secret, code, s.now())
	if !ok {
		return nil, apperr.Field("code", "this code is not the one your authenticator app shows now")
	}
	codes := twofactor.NewRecoveryCodes()
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i], _ = s.TwoFactorKeys.HashRecoveryCode(me.ID, c)
	}
	if err := models.EnableTwoFactor(ctx, s.DB, me.ID, step, hashes, s.now()); err != nil {
		return nil, err
	}
	s.notifyChange(me, true, lang)
	return &views.RecoveryCodes{RecoveryCodes: codes}, nil
}

// Disable turns two-factor off; it takes the password and a code (from the
// app, or a recovery code), so that a session left open is not enough. A
// wrong code counts against the account's failed-login budget.
func (s *TwoFactor) Disable(ctx context.Context, me *models.User, password, code, lang string) error {
	acct := "user:" + strconv.FormatUint(me.ID, 10)
	if limited, wait := s.Limits.LoginByAcct.Exhausted(ctx, acct); limited {
		return apperr.RateLimited(wait)
	}
	if bcrypt.CompareHashAndPassword([]byte(me.PasswordHash), []byte(password)) != nil {
		s.Limits.LoginByAcct.Spend(ctx, acct)
		return apperr.Field("password", "is not your current password")
	}
	on, err := models.TwoFactorEnabled(ctx, s.DB, me.ID)
	if err != nil {
		return err
	}
	if !on {
		return apperr.New(apperr.ErrConflict, "two-factor sign-in is off")
	}
	ok, err := s.useSecondFactor(ctx, s.DB, me.ID, code, "")
	if err != nil {
		return err
	}
	if !ok {
		s.Limits.LoginByAcct.Spend(ctx, acct)
		return apperr.Field("code", "this code is wrong or was already used")
	}
	if _, err := models.DisableTwoFactor(ctx, s.DB, me.ID); err != nil {
		return err
	}
	s.notifyChange(me, false, lang)
	return nil
}

// notifyChange mails the account's owner that two-factor was turned on or
// off: if it was not them, they learn it. Without mail it is skipped.
func (s *TwoFactor) notifyChange(me *models.User, enabled bool, lang string) {
	if !mail.Available(s.Mailer) {
		return
	}
	msg, err := mail.TwoFactorChangedMessage(lang, me.Email, mail.TwoFactorChanged{Name: me.DisplayName, Enabled: enabled, At: s.now()})
	if err != nil {
		s.Log.Error("two-factor notice not rendered", "err", err)
		return
	}
	s.MailQueue.Enqueue(msg)
}

// useSecondFactor checks a TOTP code or a recovery code of the user and
// spends it (a code of one time step works once; a recovery code once).
// The code field takes either; recoveryCode only a recovery code. false is a
// wrong, used or replayed code.
// It runs on db, which may be a transaction.
func (c *Core) useSecondFactor(ctx context.Context, db *gorm.DB, userID uint64, code, recoveryCode string) (bool, error) {
	if recoveryCode == "" {
		if _, isTOTP := twofactor.NormalizeCode(code); !isTOTP {
			recoveryCode = code // a recovery code typed in the one field
		}
	}
	if recoveryCode != "" {
		hash, ok := c.TwoFactorKeys.HashRecoveryCode(userID, recoveryCode)
		if !ok {
			return false, nil
		}
		return models.UseRecoveryCode(ctx, db, userID, hash, c.now())
	}
	tf, err := models.GetTwoFactor(ctx, db, userID)
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	secret, err := c.TwoFactorKeys.OpenSecret(userID, tf.SecretSealed)
	if err != nil {
		return false, err
	}
	step, ok := twofactor.Validate(secret, code, c.now())
	if !ok {
		return false, nil
	}
	return models.UseTOTPStep(ctx, db, userID, step)
}
