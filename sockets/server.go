package sockets

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"workcomm/apperr"
	"workcomm/middlewares"
)

// presenceTimeout bounds reading a socket's rooms, and recording its
// opening or closing (presence).
const presenceTimeout = 10 * time.Second

// Server is the endpoint side of the real-time layer: /ws/private and
// /ws/group accept sockets, add them to the Delivery's hubs, read their
// requests and ask the App to act on them.
type Server struct {
	app      App
	delivery *Delivery
	log      *slog.Logger
	origins  map[string]bool // lower-cased ALLOWED_ORIGINS
	cfg      Config

	upgrader websocket.Upgrader
	ctx      context.Context // the life of the node's sockets
	cancel   context.CancelFunc
	conns    sync.WaitGroup
	connsMu  sync.Mutex // orders track's count against Shutdown's flag
	closing  atomic.Bool
}

// New builds the endpoints on the app and the node's delivery.
func New(app App, d *Delivery, cfg Config, log *slog.Logger) *Server {
	s := &Server{app: app, delivery: d, log: log, cfg: cfg, origins: make(map[string]bool)}
	for _, o := range cfg.AllowedOrigins {
		s.origins[strings.ToLower(o)] = true
	}
	s.upgrader = websocket.Upgrader{
		// The Origin is checked before the upgrade, to answer 403 in the contract's shape.
		CheckOrigin:     func(*http.Request) bool { return true },
		WriteBufferPool: &sync.Pool{}, // idle sockets hold no write buffer
		// 512 bytes hold a typical request (a message.send is a few hundred
		// bytes); a larger payload is read straight into the message, past
		// the buffer. The default (the HTTP server's 4 KiB reader) would stay
		// with every idle socket.
		ReadBufferSize: 512,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// PrivateSocket serves GET /ws/private: the user's own room, where their
// private messages, typing, read marks and friends' presence arrive.
// Conversations are named by toUserId.
func (s *Server) PrivateSocket(c *gin.Context) {
	s.accept(c, s.delivery.private, noRooms, privateReady)
}

// GroupSocket serves GET /ws/group: a room per group the user is in, kept in
// step with membership (group.joined, group.left). Conversations are named by
// groupId.
func (s *Server) GroupSocket(c *gin.Context) {
	s.accept(c, s.delivery.group, s.app.GroupIDsOf, groupReady)
}

// noRooms: the private socket is addressed by user, not by room.
func noRooms(context.Context, uint64) ([]uint64, error) { return nil, nil }

// privateReady is the first frame of a private socket: {userId}.
func privateReady(c *client, _ []uint64) []byte {
	return encodeEnvelope("ready", nil, struct {
		UserID uint64 `json:"userId"`
	}{c.userID})
}

// groupReady is the first frame of a group socket: {userId, groups}, the
// rooms it has joined.
func groupReady(c *client, rooms []uint64) []byte {
	return encodeEnvelope("ready", nil, struct {
		UserID uint64   `json:"userId"`
		Groups []uint64 `json:"groups"`
	}{c.userID, rooms})
}

// accept runs the checks both socket kinds share before the upgrade (Origin:
// 403, token: 401, in the contract's error shape), then upgrades and serves
// the connection.
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
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	u, err := s.app.Authenticate(ctx, raw)
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
	cl := newClient(h, conn, s.delivery.pacer, s.delivery.metrics.slowCloses, u)
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

// serve runs one accepted connection: join the hub and the rooms, say
// ready, start the writer and announce presence on the caller's goroutine
// (the HTTP handler's, which ends then, and with it the deep stack that
// database work grows), then read until done and clean up on a fresh
// goroutine, whose stack stays small while the socket idles.
func (s *Server) serve(c *client, rooms func(ctx context.Context) ([]uint64, error), ready func(c *client, rooms []uint64) []byte) {
	gauge := s.delivery.metrics.connections.WithLabelValues(c.hub.kind.String())
	gauge.Inc()
	c.hub.add(c)
	if s.closing.Load() {
		c.out.close(websocket.CloseGoingAway, "server shutting down")
	}
	ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
	ids, err := rooms(ctx)
	if err != nil {
		s.log.Error("socket rooms unavailable", "user_id", c.userID, "err", err)
		c.out.close(websocket.CloseInternalServerErr, "try again")
	}
	cancel()
	joined := c.hub.ready(c, ids)
	slices.Sort(joined)
	c.out.answerNow(ready(c, joined)) // first: the writer has not started
	c.out.start()
	ctx, cancel = context.WithTimeout(s.ctx, presenceTimeout)
	defer cancel()
	s.app.Connected(ctx, c.userID)
	go s.read(c, gauge)
}

// read reads c until it ends, then closes it, leaves the hub and settles
// presence.
func (s *Server) read(c *client, gauge prometheus.Gauge) {
	defer s.conns.Done()
	defer gauge.Dec() // last: a socket counts until its presence is settled
	err := c.readLoop(func(typ int, data []byte) { s.dispatch(c, typ, data) })
	c.out.close(closeCodeFor(err), "")
	c.hub.remove(c)
	<-c.out.finished()
	if errors.Is(err, websocket.ErrReadLimit) {
		c.drain()
	}
	_ = c.conn.Close()
	ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
	defer cancel()
	s.app.Disconnected(ctx, c.userID)
}

// closeCodeFor is the close code answering a reader's end.
func closeCodeFor(err error) int {
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		return websocket.CloseMessageTooBig
	case websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway):
		return websocket.CloseNormalClosure
	}
	return websocket.CloseGoingAway // silent for too long, or the connection broke
}

// track counts a socket about to open, unless shutdown has begun. Under
// connsMu with Shutdown's flag, so that no socket is counted once Shutdown
// waits for the count to reach zero (a WaitGroup must not grow from zero
// while waited on) and none opens unseen by it.
func (s *Server) track() bool {
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.conns.Add(1)
	return true
}

// Shutdown closes every socket of this node with 1001 (going away), so that
// clients reconnect elsewhere, and waits for them to finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.connsMu.Lock()
	s.closing.Store(true)
	s.connsMu.Unlock()
	for _, c := range s.delivery.all() {
		c.out.close(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("sockets still open at shutdown deadline")
	}
}

// Close refuses new sockets and ends the background work of open ones
// (presence updates, requests in flight).
func (s *Server) Close() {
	s.closing.Store(true)
	s.cancel()
}
