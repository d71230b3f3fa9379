package sockets

import (
	"context"
	"time"

	"workcomm/models"
	"workcomm/services"
	"workcomm/views"
)

// App is what the socket layer asks of the application, and all it asks
// (the way Mattermost's hub takes a SuiteIFace): who a token is, what a
// request does, and that a socket opened or closed. app.Open provides it
// from the Auth, Chat, Groups and Presence services.
type App interface {
	// Authenticate resolves a handshake's access token to its live user.
	Authenticate(ctx context.Context, rawToken string) (*models.User, error)
	// GroupIDsOf lists the live groups a user is in: a group socket's rooms.
	GroupIDsOf(ctx context.Context, userID uint64) ([]uint64, error)
	// AllowRequest spends one of the user's socket-request tokens; false
	// with how long to wait when none is left.
	AllowRequest(ctx context.Context, userID uint64) (bool, time.Duration)

	// Send, Typing, MarkRead and History are the chat requests, with the
	// same rules as their REST routes.
	Send(ctx context.Context, me *models.User, key services.ConvKey, in services.SendInput) (*views.Message, bool, error)
	Typing(ctx context.Context, me *models.User, key services.ConvKey) error
	MarkRead(ctx context.Context, me *models.User, key services.ConvKey, seq uint64) error
	History(ctx context.Context, me *models.User, key services.ConvKey, q models.HistoryQuery) (*views.History, error)

	// Connected and Disconnected say that a socket of the user opened or
	// closed on this node (presence: a change is announced to those who see
	// the user, with when they were last seen).
	Connected(ctx context.Context, userID uint64)
	Disconnected(ctx context.Context, userID uint64)
}

// Config is what the endpoints read of the configuration.
type Config struct {
	// AllowedOrigins are the Origins a browser may open a socket from (empty:
	// the request's own host only).
	AllowedOrigins []string
	// HandshakeTimeout bounds the handshake's database work (REQUEST_TIMEOUT).
	HandshakeTimeout time.Duration
}
