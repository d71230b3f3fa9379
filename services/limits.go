package services

import (
	"time"

	"workcomm/configs"
	"workcomm/ratelimit"
)

// Limits are the rate limiters the use cases consult.
type Limits struct {
	Register      *ratelimit.Limiter // per client IP
	LoginByIP     *ratelimit.Limiter // failures per client IP
	LoginByAcct   *ratelimit.Limiter // failures per account (lower-cased login)
	Writes        *ratelimit.Limiter // REST writes per user
	PaymentIntent *ratelimit.Limiter // PaymentIntents per user (card-testing defence)
	Messages      *ratelimit.Limiter // chat messages per user, REST and socket alike
	Typing        *ratelimit.Limiter // typing events per user
	ResetByIP     *ratelimit.Limiter // password-reset mails asked per client IP
	ResetByAddr   *ratelimit.Limiter // password-reset mails asked per address (known or not)
	Search        *ratelimit.Limiter // message searches per user (each is an index query)
	Uploads       *ratelimit.Limiter // attachment uploads per user
	// SocketRequests counts every inbound socket request per user, whatever its type.
	SocketRequests *ratelimit.Limiter
}

// NewLimits builds the limiters from the configuration.
func NewLimits(c *configs.Config) *Limits {
	return &Limits{
		Register:      ratelimit.New(c.RegisterPerHour, time.Hour),
		LoginByIP:     ratelimit.New(c.LoginFailures, c.LoginWindow),
		LoginByAcct:   ratelimit.New(c.LoginFailures, c.LoginWindow),
		Writes:        ratelimit.New(c.WritesPerMinute, time.Minute),
		PaymentIntent: ratelimit.New(10, time.Hour),
		// The contract's chat limits: 20 messages a second (burst 40), typing 2 a second.
		Messages: ratelimit.NewRate(20, 40),
		Typing:   ratelimit.NewRate(2, 2),
		// Uploads: a pasted batch of ten files at once, then one a second.
		Uploads: ratelimit.NewRate(1, 10),
		// Every socket request, of any type: 50 a second (burst 100) is well
		// above a client's own pace (20 messages, 2 typing, a read mark per
		// message seen, a sync per reconnect) and stops a flood of reads or
		// syncs, which cost database work and fan out to every member.
		SocketRequests: ratelimit.NewRate(50, 100),
		// Reset mails: an office behind one address may have a few people
		// locked out at once (20 an hour), one person needs one or two (3 an
		// hour per address, whether or not it has an account, so the limit
		// itself tells nothing); more is someone filling a mailbox.
		ResetByIP:   ratelimit.New(20, time.Hour),
		ResetByAddr: ratelimit.New(3, time.Hour),
		// Searches: 10 a second (burst 30) is far above typing in a search
		// box (the client waits between keystrokes) and bounds index work.
		Search: ratelimit.NewRate(10, 30),
	}
}

// Share makes the limits that guard accounts and money cluster-wide (see
// ratelimit.Shared). The chat limits stay per node: a socket lives on one
// node, they are checked on every frame, where a round trip would cost most,
// and REST writes are already under the shared Writes budget.
func (l *Limits) Share(s *ratelimit.Shared) {
	l.Register.Share(s, "register")
	l.LoginByIP.Share(s, "login-ip")
	l.LoginByAcct.Share(s, "login-acct")
	l.Writes.Share(s, "writes")
	l.PaymentIntent.Share(s, "payment-intent")
	l.ResetByIP.Share(s, "reset-ip")
	l.ResetByAddr.Share(s, "reset-addr")
}
