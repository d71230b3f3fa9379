package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/testenv"
	"workcomm/tokens"
	"workcomm/twofactor"
)

// concurrentRounds is how many times each race is run: one round can be won
// by the first goroutine simply starting first, several make an interleaving
// where both reach the database together likely.
const concurrentRounds = 8

func migrated(t *testing.T, kind string) *gorm.DB {
	t.Helper()
	db, _ := testenv.OpenDB(t, kind)
	if err := models.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

func newUser(t *testing.T, db *gorm.DB, name string) *models.User {
	t.Helper()
	u := &models.User{Username: name, Email: name + "@example.com", DisplayName: name, PasswordHash: "x"}
	if err := models.CreateUser(context.Background(), db, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// race runs fn twice at once and returns how many calls reported a win.
func race(t *testing.T, fn func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	wins := make(chan bool, 2)
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := fn()
			if err != nil {
				errs <- err
				return
			}
			wins <- ok
		}()
	}
	close(start)
	wg.Wait()
	close(wins)
	close(errs)
	for err := range errs {
		t.Fatalf("a racer failed: %v", err)
	}
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	return n
}

func isField(err error, field string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && errors.Is(err, apperr.ErrValidation) && e.Fields[field] != ""
}

func TestPasswordResetTokens(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		db := migrated(t, kind)
		alice, bob := newUser(t, db, "alice"), newUser(t, db, "bob")
		now := time.Now().UTC()
		issue := func(u *models.User, expires time.Time) string {
			t.Helper()
			token, hash := tokens.NewOneTimeToken()
			if len(token) < 43 || strings.ContainsAny(token, "+/=") {
				t.Fatalf("token %q: want ≥ 256 bits, URL-safe", token)
			}
			if err := models.CreatePasswordResetToken(ctx, db, u.ID, hash, expires); err != nil {
				t.Fatal(err)
			}
			return token
		}
		consume := func(tx *gorm.DB, token string) (uint64, error) {
			return models.ConsumePasswordResetToken(ctx, tx, tokens.HashOneTimeToken(token), time.Now().UTC())
		}

		t.Run("only the hash is stored", func(t *testing.T) {
			token := issue(alice, now.Add(time.Hour))
			var stored []string
			if err := db.Model(&models.PasswordResetToken{}).Pluck("token_hash", &stored).Error; err != nil {
				t.Fatal(err)
			}
			for _, h := range stored {
				if h == token || len(h) != 64 {
					t.Fatalf("stored %q for token %q", h, token)
				}
			}
		})
		t.Run("a token works once and spends the user's other tokens, not others'", func(t *testing.T) {
			first, second := issue(alice, now.Add(time.Hour)), issue(alice, now.Add(time.Hour))
			bobs := issue(bob, now.Add(time.Hour))
			id, err := consume(db, first)
			if err != nil || id != alice.ID {
				t.Fatalf("consume = %d, %v; want alice (%d)", id, err, alice.ID)
			}
			if _, err := consume(db, first); !isField(err, "token") {
				t.Fatalf("reused: %v, want a validation error on token", err)
			}
			if _, err := consume(db, second); !isField(err, "token") {
				t.Fatalf("alice's other token still works: %v", err)
			}
			if id, err := consume(db, bobs); err != nil || id != bob.ID {
				t.Fatalf("bob's token: %d, %v", id, err)
			}
		})
		t.Run("an expired or unknown token fails", func(t *testing.T) {
			expired := issue(alice, now.Add(-time.Second))
			if _, err := consume(db, expired); !isField(err, "token") {
				t.Fatalf("expired: %v", err)
			}
			unknown, _ := tokens.NewOneTimeToken()
			if _, err := consume(db, unknown); !isField(err, "token") {
				t.Fatalf("unknown: %v", err)
			}
		})
		t.Run("a rolled-back reset leaves the token usable", func(t *testing.T) {
			token := issue(alice, now.Add(time.Hour))
			boom := errors.New("the password update failed")
			err := db.Transaction(func(tx *gorm.DB) error {
				if _, err := consume(tx, token); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatal(err)
			}
			if id, err := consume(db, token); err != nil || id != alice.ID {
				t.Fatalf("after the rollback: %d, %v", id, err)
			}
		})
		t.Run("two concurrent resets with one token: exactly one wins", func(t *testing.T) {
			for round := range concurrentRounds {
				token := issue(alice, now.Add(time.Hour))
				wins := race(t, func() (bool, error) {
					var won bool
					err := db.Transaction(func(tx *gorm.DB) error {
						_, err := consume(tx, token)
						if isField(err, "token") {
							return nil
						}
						won = err == nil
						return err
					})
					return won, err
				})
				if wins != 1 {
					t.Fatalf("round %d: %d winners", round, wins)
				}
			}
		})
		t.Run("counting and pruning", func(t *testing.T) {
			n, err := models.CountPasswordResetTokensSince(ctx, db, bob.ID, now.Add(-time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("bob's tokens in the last minute: %d, %v; want 1", n, err)
			}
			gone, err := models.DeleteExpiredPasswordResetTokens(ctx, db, now.Add(2*time.Hour))
			if err != nil || gone == 0 {
				t.Fatalf("pruned %d, %v", gone, err)
			}
			var left int64
			db.Model(&models.PasswordResetToken{}).Count(&left)
			if left != 0 {
				t.Fatalf("%d tokens left after pruning past every expiry", left)
			}
		})
	})
}

func TestTwoFactorLifecycle(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		db := migrated(t, kind)
		keys, err := twofactor.NewKeys([]byte("server-secret-server-secret-0123"))
		if err != nil {
			t.Fatal(err)
		}
		carol := newUser(t, db, "carol")
		at := time.Date(2026, 5, 1, 12, 0, 15, 0, time.UTC)
		codeAt := func(secret string, when time.Time) string {
			c, err := totp.GenerateCode(secret, when)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		setup := func(u *models.User) string {
			t.Helper()
			secret, _, err := twofactor.NewSecret(u.Username)
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := keys.SealSecret(u.ID, secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := models.SetupTwoFactor(ctx, db, u.ID, sealed); err != nil {
				t.Fatal(err)
			}
			return secret
		}
		// storedSecret reads the secret back as login would.
		storedSecret := func(u *models.User) string {
			t.Helper()
			tf, err := models.GetTwoFactor(ctx, db, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			s, err := keys.OpenSecret(u.ID, tf.SecretSealed)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		hashes := func(u *models.User, codes []string) []string {
			out := make([]string, len(codes))
			for i, c := range codes {
				out[i], _ = keys.HashRecoveryCode(u.ID, c)
			}
			return out
		}

		if _, err := models.GetTwoFactor(ctx, db, carol.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("before setup: %v, want not_found", err)
		}
		first := setup(carol)
		secret := setup(carol) // a second setup replaces a pending secret
		if first == secret || storedSecret(carol) != secret {
			t.Fatal("a second setup did not replace the pending secret")
		}
		if on, _ := models.TwoFactorEnabled(ctx, db, carol.ID); on {
			t.Fatal("a pending setup counts as enabled")
		}
		if ok, _ := models.UseTOTPStep(ctx, db, carol.ID, twofactor.StepAt(at)); ok {
			t.Fatal("a pending factor accepted a login code")
		}

		// Enable with a code computed from the stored secret.
		step, ok := twofactor.Validate(storedSecret(carol), codeAt(secret, at), at)
		if !ok {
			t.Fatal("the enabling code did not validate")
		}
		codes := twofactor.NewRecoveryCodes()
		if err := models.EnableTwoFactor(ctx, db, carol.ID, step, hashes(carol, codes), at); err != nil {
			t.Fatal(err)
		}
		if on, _ := models.TwoFactorEnabled(ctx, db, carol.ID); !on {
			t.Fatal("not enabled")
		}
		if err := models.EnableTwoFactor(ctx, db, carol.ID, step+5, hashes(carol, codes), at); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("enabling twice: %v, want conflict", err)
		}
		if err := models.SetupTwoFactor(ctx, db, carol.ID, "v1.replacement"); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("setup while on: %v, want conflict", err)
		}
		if storedSecret(carol) != secret {
			t.Fatal("a setup while on replaced the secret")
		}

		t.Run("a login code works once; ±1 step, not ±2", func(t *testing.T) {
			// The enabling code's step is spent already.
			if ok, _ := models.UseTOTPStep(ctx, db, carol.ID, step); ok {
				t.Fatal("the code that enabled two-factor worked again for login")
			}
			later := at.Add(90 * time.Second) // three steps on
			c := codeAt(secret, later)
			s, ok := twofactor.Validate(storedSecret(carol), c, later)
			if !ok {
				t.Fatal("a fresh code did not validate")
			}
			if used, err := models.UseTOTPStep(ctx, db, carol.ID, s); !used || err != nil {
				t.Fatalf("first use: %v, %v", used, err)
			}
			s2, ok := twofactor.Validate(storedSecret(carol), c, later.Add(20*time.Second))
			if !ok {
				t.Fatal("the same code no longer validates 20 s later (it should, then be refused as used)")
			}
			if used, _ := models.UseTOTPStep(ctx, db, carol.ID, s2); used {
				t.Fatal("the same code was accepted twice")
			}
			// The previous step's code, typed late, is also spent: a step
			// at or before the last used one is refused.
			prev, ok := twofactor.Validate(storedSecret(carol), codeAt(secret, later.Add(-30*time.Second)), later)
			if !ok {
				t.Fatal("the previous step's code does not validate")
			}
			if used, _ := models.UseTOTPStep(ctx, db, carol.ID, prev); used {
				t.Fatal("an earlier step was accepted after a later one")
			}
			next := later.Add(30 * time.Second)
			if s, ok := twofactor.Validate(storedSecret(carol), codeAt(secret, next.Add(30*time.Second)), next); !ok {
				t.Fatal("the next step's code does not validate")
			} else if used, _ := models.UseTOTPStep(ctx, db, carol.ID, s); !used {
				t.Fatal("the next step's code was refused")
			}
			if _, ok := twofactor.Validate(storedSecret(carol), codeAt(secret, next.Add(90*time.Second)), next); ok {
				t.Fatal("a code two steps ahead validated")
			}
		})
		t.Run("two concurrent logins with one code: exactly one wins", func(t *testing.T) {
			base := twofactor.StepAt(at) + 100
			for round := range int64(concurrentRounds) {
				s := base + round
				if wins := race(t, func() (bool, error) { return models.UseTOTPStep(ctx, db, carol.ID, s) }); wins != 1 {
					t.Fatalf("round %d: %d winners", round, wins)
				}
			}
		})
		t.Run("a recovery code works once, even raced", func(t *testing.T) {
			h, _ := keys.HashRecoveryCode(carol.ID, strings.ToUpper(codes[0]))
			if used, err := models.UseRecoveryCode(ctx, db, carol.ID, h, at); !used || err != nil {
				t.Fatalf("first use: %v, %v", used, err)
			}
			if used, _ := models.UseRecoveryCode(ctx, db, carol.ID, h, at); used {
				t.Fatal("a recovery code worked twice")
			}
			wrong, _ := keys.HashRecoveryCode(carol.ID, "00000-00000")
			if used, _ := models.UseRecoveryCode(ctx, db, carol.ID, wrong, at); used {
				t.Fatal("a wrong recovery code worked")
			}
			dave := newUser(t, db, "dave")
			other, _ := keys.HashRecoveryCode(dave.ID, codes[1])
			if used, _ := models.UseRecoveryCode(ctx, db, dave.ID, other, at); used {
				t.Fatal("carol's code worked for dave")
			}
			for i := 1; i <= concurrentRounds; i++ {
				h, _ := keys.HashRecoveryCode(carol.ID, codes[i])
				if wins := race(t, func() (bool, error) { return models.UseRecoveryCode(ctx, db, carol.ID, h, at) }); wins != 1 {
					t.Fatalf("code %d: %d winners", i, wins)
				}
			}
			if n, _ := models.RemainingRecoveryCodes(ctx, db, carol.ID); n != int64(len(codes)-1-concurrentRounds) {
				t.Fatalf("%d codes left", n)
			}
		})
		t.Run("new recovery codes replace the old ones", func(t *testing.T) {
			fresh := twofactor.NewRecoveryCodes()
			if err := models.ReplaceRecoveryCodes(ctx, db, carol.ID, hashes(carol, fresh), at); err != nil {
				t.Fatal(err)
			}
			old, _ := keys.HashRecoveryCode(carol.ID, codes[9])
			if used, _ := models.UseRecoveryCode(ctx, db, carol.ID, old, at); used {
				t.Fatal("an old code still works")
			}
			if n, _ := models.RemainingRecoveryCodes(ctx, db, carol.ID); n != 10 {
				t.Fatalf("%d codes, want 10", n)
			}
		})
		t.Run("no view carries the secret", func(t *testing.T) {
			tf, _ := models.GetTwoFactor(ctx, db, carol.ID)
			raw, _ := json.Marshal(tf)
			if strings.Contains(string(raw), tf.SecretSealed) || strings.Contains(string(raw), secret) {
				t.Fatalf("JSON of the model shows the secret: %s", raw)
			}
		})
		t.Run("admins see who has it on", func(t *testing.T) {
			erin := newUser(t, db, "erin")
			setup(erin) // pending only
			on, err := models.TwoFactorEnabledAmong(ctx, db, []uint64{carol.ID, erin.ID, 999})
			if err != nil || !on[carol.ID] || on[erin.ID] || len(on) != 1 {
				t.Fatalf("%v, %v; want only carol", on, err)
			}
		})
		t.Run("disabling removes everything", func(t *testing.T) {
			wasOn, err := models.DisableTwoFactor(ctx, db, carol.ID)
			if err != nil || !wasOn {
				t.Fatalf("%v, %v", wasOn, err)
			}
			if _, err := models.GetTwoFactor(ctx, db, carol.ID); !errors.Is(err, apperr.ErrNotFound) {
				t.Fatalf("after disable: %v", err)
			}
			var codesLeft int64
			db.Model(&models.RecoveryCode{}).Where("user_id = ?", carol.ID).Count(&codesLeft)
			if codesLeft != 0 {
				t.Fatalf("%d recovery codes left", codesLeft)
			}
			if ok, _ := models.UseTOTPStep(ctx, db, carol.ID, twofactor.StepAt(at)+10_000); ok {
				t.Fatal("a code worked after disable")
			}
			if wasOn, _ := models.DisableTwoFactor(ctx, db, carol.ID); wasOn {
				t.Fatal("disabling twice reports it was on")
			}
			// And it can be set up afresh.
			setup(carol)
		})
	})
}

func TestLoginChallenges(t *testing.T) {
	testenv.ForEachDB(t, func(t *testing.T, kind string) {
		ctx := context.Background()
		db := migrated(t, kind)
		u := newUser(t, db, "frank")
		now := time.Now().UTC()
		issue := func(expires time.Time) (string, uint64) {
			t.Helper()
			token, hash := tokens.NewOneTimeToken()
			fresh, err := models.GetUser(ctx, db, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := models.CreateLoginChallenge(ctx, db, u.ID, fresh.TokenVersion, hash, expires); err != nil {
				t.Fatal(err)
			}
			c, err := models.GetLoginChallenge(ctx, db, hash, now)
			if err != nil && expires.After(now) {
				t.Fatal(err)
			}
			var id uint64
			if c != nil {
				id = c.ID
			}
			return token, id
		}
		get := func(token string) error {
			_, err := models.GetLoginChallenge(ctx, db, tokens.HashOneTimeToken(token), now)
			return err
		}

		t.Run("a challenge is bound to its user and works once", func(t *testing.T) {
			token, id := issue(now.Add(models.LoginChallengeTTL))
			c, err := models.GetLoginChallenge(ctx, db, tokens.HashOneTimeToken(token), now)
			if err != nil || c.UserID != u.ID {
				t.Fatalf("%+v, %v", c, err)
			}
			if ok, err := models.ConsumeLoginChallenge(ctx, db, id, now); !ok || err != nil {
				t.Fatalf("consume: %v, %v", ok, err)
			}
			if ok, _ := models.ConsumeLoginChallenge(ctx, db, id, now); ok {
				t.Fatal("consumed twice")
			}
			if err := get(token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("a used challenge: %v, want unauthorized", err)
			}
		})
		t.Run("an expired or unknown challenge is refused", func(t *testing.T) {
			token, _ := issue(now.Add(-time.Second))
			if err := get(token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("expired: %v", err)
			}
			unknown, _ := tokens.NewOneTimeToken()
			if err := get(unknown); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("unknown: %v", err)
			}
		})
		t.Run("wrong codes use up a challenge", func(t *testing.T) {
			token, id := issue(now.Add(models.LoginChallengeTTL))
			for i := 1; i <= models.MaxLoginChallengeAttempts; i++ {
				left, err := models.FailLoginChallenge(ctx, db, id)
				if err != nil || left != models.MaxLoginChallengeAttempts-i {
					t.Fatalf("failure %d: %d left, %v", i, left, err)
				}
			}
			if err := get(token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("out of attempts: %v", err)
			}
			if ok, _ := models.ConsumeLoginChallenge(ctx, db, id, now); ok {
				t.Fatal("a challenge out of attempts was consumed")
			}
		})
		t.Run("a token version bump (reset, ban, role change) ends it", func(t *testing.T) {
			token, id := issue(now.Add(models.LoginChallengeTTL))
			if err := models.BumpTokenVersion(ctx, db, u.ID); err != nil {
				t.Fatal(err)
			}
			if err := get(token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("after a bump: %v", err)
			}
			if ok, _ := models.ConsumeLoginChallenge(ctx, db, id, now); ok {
				t.Fatal("consumed after a bump")
			}
		})
		t.Run("a ban ends it", func(t *testing.T) {
			token, id := issue(now.Add(models.LoginChallengeTTL))
			if err := models.UpdateUser(ctx, db, u.ID, map[string]any{"banned": true}); err != nil {
				t.Fatal(err)
			}
			defer models.UpdateUser(ctx, db, u.ID, map[string]any{"banned": false})
			if err := get(token); !errors.Is(err, apperr.ErrUnauthorized) {
				t.Fatalf("banned: %v", err)
			}
			if ok, _ := models.ConsumeLoginChallenge(ctx, db, id, now); ok {
				t.Fatal("consumed for a banned user")
			}
		})
		t.Run("two concurrent second steps: exactly one wins", func(t *testing.T) {
			for round := range concurrentRounds {
				_, id := issue(now.Add(models.LoginChallengeTTL))
				if wins := race(t, func() (bool, error) { return models.ConsumeLoginChallenge(ctx, db, id, now) }); wins != 1 {
					t.Fatalf("round %d: %d winners", round, wins)
				}
			}
		})
		t.Run("pruning", func(t *testing.T) {
			if n, err := models.DeleteExpiredLoginChallenges(ctx, db, now.Add(time.Hour)); err != nil || n == 0 {
				t.Fatalf("pruned %d, %v", n, err)
			}
		})
	})
}
