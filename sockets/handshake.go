package sockets

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"workcomm/apperr"
	"workcomm/middlewares"
)

// accept runs the checks both socket kinds share before the upgrade (Origin:
// 403, token: 401, in the contract's error shape), then upgrades and serves
// the connection (see Server.serve).
func (s *Server) accept(c *gin.Context, h *hub, rooms func(ctx context.Context, userID uint64) ([]uint64, error), ready func(*client, []uint64) []byte) {
	if err := s.checkOrigin(c.Request); err != nil {
		middlewares.Abort(c, err)
		return
	}
	// Browsers cannot set headers on a WebSocket, hence ?access_token=; the
	// access log records the path without its query, so it is never logged.
	raw := middlewares.BearerToken(c.GetHeader("Authorization"))
	if raw == "" {
		raw = c.Query("access_token")
	}
	if raw == "" {
		middlewares.Abort(c, apperr.New(apperr.ErrUnauthorized, "missing access token"))
		return
	}
	// The handshake waits for the database no longer than a REST request
	// does: an exhausted pool answers 503 instead of holding the upgrade.
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.svc.Config.RequestTimeout)
	defer cancel()
	u, err := s.svc.Authenticate(ctx, raw)
	if err != nil {
		middlewares.Abort(c, err)
		return
	}
	if !websocket.IsWebSocketUpgrade(c.Request) {
		middlewares.Abort(c, apperr.New(apperr.ErrValidation, "this endpoint takes a WebSocket upgrade"))
		return
	}
	if !s.track() {
		middlewares.Abort(c, apperr.New(apperr.ErrUnavailable, "server shutting down"))
		return
	}
	conn, err := s.upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		s.conns.Done()
		return // the upgrader has answered the client
	}
	cl := newClient(s, h, conn, u)
	s.serve(cl, func(ctx context.Context) ([]uint64, error) { return rooms(ctx, u.ID) }, ready)
}

// checkOrigin allows a request without Origin (not a browser), an Origin in
// ALLOWED_ORIGINS, or, when none is configured, an Origin on the request's
// own host.
func (s *Server) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if len(s.origins) > 0 {
		if s.origins[strings.ToLower(strings.TrimRight(origin, "/"))] {
			return nil
		}
	} else if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	return apperr.New(apperr.ErrForbidden, "origin not allowed")
}
