package services

import (
	"github.com/stripe/stripe-go/v76/client"

	"workcomm/search"
	"workcomm/tokens"
)

// Services is every domain of one node over one Core: what app.Open builds
// and hands out, each controller and the socket layer taking only the
// domains they use.
type Services struct {
	*Core
	Auth     *Auth
	Users    *Users
	Friends  *Friends
	Chat     *Chat
	Groups   *Groups
	Payments *Payments
	Admin    *Admin
	Presence *Presence

	// Passwords resets forgotten passwords by mail.
	Passwords *Passwords
	// TwoFactor sets two-factor sign-in up, on and off.
	TwoFactor *TwoFactor
	Search    *Search
	// Attachments and Reactions: rich messages (issue 14).
	Attachments *Attachments
	Reactions   *Reactions
	// Avatars keeps profile pictures.
	Avatars *Avatars
}

// New builds the domains on core; tok signs access tokens, stripe is nil
// when payments are off.
func New(core *Core, tok *tokens.Manager, stripe *client.API) *Services {
	presence := newPresence(core)
	return &Services{
		Core:     core,
		Auth:     &Auth{Core: core, tokens: tok},
		Users:    &Users{Core: core},
		Friends:  &Friends{Core: core, presence: presence},
		Chat:     &Chat{Core: core, commits: &committer{core: core}},
		Groups:   &Groups{Core: core},
		Payments: &Payments{Core: core, stripe: stripe},
		Admin:    &Admin{Core: core, presence: presence},
		Presence: presence,

		Passwords:   &Passwords{Core: core},
		TwoFactor:   &TwoFactor{Core: core},
		Search:      newSearch(core, search.For(core.DB)),
		Attachments: &Attachments{Core: core},
		Reactions:   &Reactions{Core: core},
		Avatars:     &Avatars{Core: core},
	}
}
