// Package services holds WorkComm's use cases: what happens when a user
// registers, befriends someone or sends a message. Controllers call one method
// here; the methods call models (inside transactions where several rows change)
// and tell the real-time layer what happened.
package services

import (
	"context"
	"log/slog"
	"time"

	"github.com/stripe/stripe-go/v76/client"
	"gorm.io/gorm"

	"workcomm/configs"
	"workcomm/ratelimit"
	"workcomm/tokens"
)

// Realtime is what services need from the socket layer, on every node. The
// socket package provides the real one; NopRealtime stands in where none runs.
type Realtime interface {
	// KickUser closes every socket of the user, on every node (ban, delete, role change).
	KickUser(ctx context.Context, userID uint64)
	// Online reports which of ids have at least one open socket on any node.
	Online(ctx context.Context, ids []uint64) map[uint64]bool
	// OnlineCount is how many distinct users have at least one open socket on
	// any node (admin stats).
	OnlineCount(ctx context.Context) int
	// FriendsChanged tells the sockets of a and b that their friendship began
	// or ended, so presence follows it.
	FriendsChanged(ctx context.Context, a, b uint64)
	// Publish hands chat events to every node, in order, which pushes each to
	// the sockets it concerns. Call it after the change is committed; pass a
	// batch's events in one call, so that they cost one broker round trip.
	Publish(ctx context.Context, evs ...Event)
}

// NopRealtime is a Realtime that does nothing: nobody is online.
type NopRealtime struct{}

// KickUser does nothing.
func (NopRealtime) KickUser(context.Context, uint64) {}

// Online reports nobody.
func (NopRealtime) Online(context.Context, []uint64) map[uint64]bool { return nil }

// FriendsChanged does nothing.
func (NopRealtime) FriendsChanged(context.Context, uint64, uint64) {}

// Publish does nothing.
func (NopRealtime) Publish(context.Context, ...Event) {}

// OnlineCount reports nobody.
func (NopRealtime) OnlineCount(context.Context) int { return 0 }

// Limits are the rate limiters the use cases consult.
type Limits struct {
	Register      *ratelimit.Limiter // per client IP
	LoginByIP     *ratelimit.Limiter // failures per client IP
	LoginByAcct   *ratelimit.Limiter // failures per account (lower-cased login)
	Writes        *ratelimit.Limiter // REST writes per user
	PaymentIntent *ratelimit.Limiter // PaymentIntents per user (card-testing defence)
	Messages      *ratelimit.Limiter // chat messages per user, REST and socket alike
	Typing        *ratelimit.Limiter // typing events per user
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
		// Every socket request, of any type: 50 a second (burst 100) is well
		// above a client's own pace (20 messages, 2 typing, a read mark per
		// message seen, a sync per reconnect) and stops a flood of reads or
		// syncs, which cost database work and fan out to every member.
		SocketRequests: ratelimit.NewRate(50, 100),
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
}

// Deps is everything the services share.
type Deps struct {
	Config     *configs.Config
	DB         *gorm.DB
	Tokens     *tokens.Manager
	Limits     *Limits
	Realtime   Realtime
	Log        *slog.Logger
	BcryptCost int
	Now        func() time.Time

	// Stripe is the Stripe API client; nil when payments are off (no keys).
	Stripe *client.API

	commits commitQueue // sends waiting for the group commit (chat_commit.go)
}

// now is the clock, in UTC.
func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}
