package services

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/mail"
	"workcomm/models"
	"workcomm/tokens"
)

// Passwords is the forgotten-password domain: a one-time link by mail, and
// the reset that ends every session of the account.
type Passwords struct {
	*Core
}

// maxResetMailsPerHour bounds the live links of one account, counted in the
// database so that it holds across nodes and restarts, on top of the
// per-address limiter (which is in memory without Redis).
const maxResetMailsPerHour = 5

// Forgot mails a reset link to the account with this email, if there is one.
// Its answer is the same whether or not there is, in words and in time: nil,
// a rate limit, or email_unavailable (checked first, so it cannot tell
// either); the lookup, the token and the mail are done after the answer, by
// Jobs.
func (p *Passwords) Forgot(ctx context.Context, email, clientIP, lang string) error {
	if !mail.Available(p.Mailer) {
		return mail.ErrUnavailable
	}
	if ok, wait := p.Limits.ResetByIP.Allow(ctx, clientIP); !ok {
		return apperr.RateLimited(wait)
	}
	if ok, wait := p.Limits.ResetByAddr.Allow(ctx, strings.ToLower(strings.TrimSpace(email))); !ok {
		return apperr.RateLimited(wait)
	}
	p.Jobs.Go("password reset mail", func(ctx context.Context) {
		if err := p.mailResetLink(ctx, email, lang); err != nil {
			p.Log.ErrorContext(ctx, "password reset mail not prepared", "err", err)
		}
	})
	return nil
}

// mailResetLink makes a reset token for the live, unbanned account with this
// email, if any, and queues its mail.
func (p *Passwords) mailResetLink(ctx context.Context, email, lang string) error {
	u, err := models.FindUserByEmail(ctx, p.DB, email)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Banned {
		return nil // a banned account could not sign in with a new password
	}
	now := p.now()
	n, err := models.CountPasswordResetTokensSince(ctx, p.DB, u.ID, now.Add(-models.PasswordResetTTL))
	if err != nil || n >= maxResetMailsPerHour {
		return err
	}
	token, hash := tokens.NewOneTimeToken()
	if err := models.CreatePasswordResetToken(ctx, p.DB, u.ID, hash, now.Add(models.PasswordResetTTL)); err != nil {
		return err
	}
	msg, err := mail.PasswordResetMessage(lang, u.Email, mail.PasswordReset{
		Name: u.DisplayName, Link: mail.ResetLink(p.Config.AppURL, token), ValidFor: models.PasswordResetTTL,
	})
	if err != nil {
		return err
	}
	p.MailQueue.Enqueue(msg)
	return nil
}

// Reset sets a new password with a reset token, which works once. Every
// session of the account ends: its access tokens (token version), its
// refresh tokens, pending second login steps, and its sockets on every node.
func (p *Passwords) Reset(ctx context.Context, token, newPassword string) error {
	// Hashed before the transaction: bcrypt takes tens of milliseconds that
	// no row lock should wait for.
	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), p.BcryptCost)
	if err != nil {
		return err
	}
	now := p.now()
	var userID uint64
	err = p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if userID, err = models.ConsumePasswordResetToken(ctx, tx, tokens.HashOneTimeToken(token), now); err != nil {
			return err
		}
		if err := models.UpdateUser(ctx, tx, userID, map[string]any{"password_hash": string(hash)}); err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				// The account was deleted since the mail: the link is dead.
				return apperr.Field("token", "this reset link is invalid or has expired; ask for a new one")
			}
			return err
		}
		return endSessions(ctx, tx, userID, now)
	})
	if err != nil {
		return err
	}
	p.Publisher.Kick(ctx, userID)
	return nil
}
