package app

import (
	"context"
	"time"

	"workcomm/mail"
	"workcomm/services"
	"workcomm/twofactor"
)

// mailDrainTimeout bounds how long a closing node keeps sending the mails
// still queued: a few SMTP deliveries, not a hung relay.
const mailDrainTimeout = 15 * time.Second

// openAccounts gives core what the account features need: the Mailer the
// contract asks for (SMTP with SMTP_URL; without it .eml files under the
// outbox folder in development, or none in production, where the routes that
// mail answer 503 email_unavailable), its background queue, and the keys of
// two-factor sign-in.
func (a *App) openAccounts(core *services.Core) error {
	cfg := a.Config
	mailer, err := mail.New(mail.Options{
		SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Timeout: cfg.SMTPTimeout,
		OutboxDir: cfg.OutboxDir(), Production: cfg.Production(), Log: a.Log,
	})
	if err != nil {
		return err
	}
	keys, err := twofactor.NewKeys(cfg.JWTSecret)
	if err != nil {
		return err
	}
	queue := mail.NewQueue(mailer, 0, a.Log)
	a.closers = append(a.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), mailDrainTimeout)
		defer cancel()
		return queue.Close(ctx)
	})
	// The jobs close before the mail queue (closers run in reverse): a job
	// still running may queue a mail.
	jobs := services.NewJobs(0, a.Log)
	a.closers = append(a.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), mailDrainTimeout)
		defer cancel()
		return jobs.Close(ctx)
	})
	core.Mailer, core.MailQueue, core.TwoFactorKeys, core.Jobs = mailer, queue, keys, jobs
	return nil
}
