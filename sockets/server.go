package sockets

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"workcomm/broker"
	"workcomm/controllers"
	"workcomm/models"
	"workcomm/presence"
	"workcomm/services"
)

// Timings of background work.
const (
	// publishTimeout bounds handing one event to the broker; the request that
	// caused it has already committed, so this runs even if that request ended.
	publishTimeout = 5 * time.Second
	// presenceTimeout bounds recording a socket opening or closing and
	// announcing it.
	presenceTimeout = 10 * time.Second
	// closeKicked is the close code of a socket whose user was banned, deleted
	// or changed role: 1008, policy violation.
	closeKicked = websocket.ClosePolicyViolation
)

// Server is the real-time layer of one node: the private and group hubs, the
// broker that joins it to the other nodes, and presence. It implements
// services.Realtime.
type Server struct {
	svc      *services.Deps
	log      *slog.Logger
	broker   broker.Broker
	presence presence.Tracker
	origins  map[string]bool // lower-cased ALLOWED_ORIGINS

	private *hub
	group   *hub
	metrics *metrics
	pacer   pacer // write coalescing under load (pacer.go)

	upgrader websocket.Upgrader
	ctx      context.Context // the life of the node's sockets
	cancel   context.CancelFunc
	conns    sync.WaitGroup
	connsMu  sync.Mutex // orders track's count against Shutdown's flag
	closing  atomic.Bool
}

var _ services.Realtime = (*Server)(nil)

// New builds the real-time layer on a broker and a presence tracker,
// registers its metrics on reg and subscribes it to the broker.
func New(ctx context.Context, svc *services.Deps, b broker.Broker, p presence.Tracker, reg prometheus.Registerer, log *slog.Logger) (*Server, error) {
	s := &Server{svc: svc, log: log, broker: b, presence: p, metrics: newMetrics(reg),
		origins: make(map[string]bool), private: newHub(hubPrivate), group: newHub(hubGroup)}
	for _, o := range svc.Config.AllowedOrigins {
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
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := b.Subscribe(ctx, s.receive); err != nil {
		s.cancel()
		return nil, err
	}
	go s.pacer.run(s.ctx)
	go s.pingAll(s.ctx)
	return s, nil
}

// NewFromConfig builds the real-time layer the configuration asks for: Redis
// pub/sub and shared presence with REDIS_URL, in-process otherwise.
func NewFromConfig(ctx context.Context, svc *services.Deps, reg prometheus.Registerer, log *slog.Logger) (*Server, error) {
	cfg := svc.Config
	if cfg.RedisURL == "" {
		return New(ctx, svc, broker.NewInProcess(), presence.NewLocal(), reg, log)
	}
	rb, err := broker.NewRedis(ctx, cfg.RedisURL, cfg.RedisPrefix, log)
	if err != nil {
		return nil, err
	}
	var built atomic.Pointer[Server] // set once New returns; the reaper runs later
	tracker := presence.NewRedis(rb.Client(), cfg.RedisPrefix, presence.DefaultTimings, log, func(userID uint64) {
		// A dead node left this user online: announce them gone.
		if s := built.Load(); s != nil {
			ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
			defer cancel()
			s.announce(ctx, userID, false)
		}
	})
	s, err := New(ctx, svc, rb, tracker, reg, log)
	if err != nil {
		tracker.Close()
		rb.Close()
		return nil, err
	}
	built.Store(s)
	return s, nil
}

// RedisClient is the broker's Redis client, nil when the broker is in-process:
// other cluster-wide state (rate limits) shares its connections.
func (s *Server) RedisClient() *redis.Client {
	if rb, ok := s.broker.(*broker.Redis); ok {
		return rb.Client()
	}
	return nil
}

// Ping checks the broker (the Redis readiness check).
func (s *Server) Ping(ctx context.Context) error { return s.broker.Ping(ctx) }

// KickUser closes every socket of the user on every node.
func (s *Server) KickUser(ctx context.Context, userID uint64) {
	s.publish(ctx, &event{op: opKick, users: []uint64{userID}})
}

// Online reports which of ids have a socket open on any node. If presence
// cannot be read, nobody is shown online rather than failing the request.
func (s *Server) Online(ctx context.Context, ids []uint64) map[uint64]bool {
	online, err := s.presence.Online(ctx, ids)
	if err != nil {
		s.log.Warn("presence unavailable", "err", err)
	}
	return online
}

// OnlineCount is how many users have a socket open on any node.
func (s *Server) OnlineCount(ctx context.Context) int {
	n, err := s.presence.Count(ctx)
	if err != nil {
		s.log.Warn("presence unavailable", "err", err)
	}
	return n
}

// FriendsChanged tells each of a and b the other's presence, so that new
// friends see each other at once.
func (s *Server) FriendsChanged(ctx context.Context, a, b uint64) {
	users, err := s.svc.UsersByIDs(ctx, []uint64{a, b})
	if err != nil {
		s.log.Warn("presence for new friends failed", "err", err)
		return
	}
	online := s.Online(ctx, []uint64{a, b})
	for _, pair := range [][2]uint64{{a, b}, {b, a}} {
		if u := users[pair[0]]; u != nil {
			s.publish(ctx, &event{op: opDeliver, hub: hubPrivate, users: []uint64{pair[1]},
				frame: presenceFrame(u.ID, online[u.ID], u.LastSeenAt)})
		}
	}
}

// Publish encodes each chat event's frame once and hands them all to every
// node in one broker call.
func (s *Server) Publish(ctx context.Context, evs ...services.Event) {
	es := make([]*event, 0, len(evs))
	for i := range evs {
		if e := s.encode(ctx, &evs[i]); e != nil {
			es = append(es, e)
		}
	}
	s.publish(ctx, es...)
}

// encode turns a service event into a broker event: the frame and who gets it.
func (s *Server) encode(ctx context.Context, ev *services.Event) *event {
	e := &event{op: opDeliver, hub: hubGroup, room: ev.GroupID}
	if ev.Private() {
		e.hub, e.users = hubPrivate, ev.Users
	}
	switch ev.Type {
	case services.EventMessageNew, services.EventMessageUpdated, services.EventMessageDeleted:
		e.frame = encodeFrame(ev.Type, nil, messageData{Message: controllers.NewMessageView(ev.Message)})
	case services.EventTyping:
		data := typingData{UserID: ev.UserID, GroupID: ev.GroupID}
		if ev.Private() {
			data.ToUserID = ev.Users[1]
		}
		e.exclude, e.frame = ev.UserID, encodeFrame(ev.Type, nil, data)
	case services.EventRead:
		ref := controllers.ConversationRef{Type: models.ConvGroup, ID: ev.GroupID}
		if ev.Private() {
			ref = controllers.ConversationRef{Type: models.ConvPrivate, ID: ev.ConvID}
		}
		e.frame = encodeFrame(ev.Type, nil, readData{UserID: ev.UserID, Conversation: ref, Seq: ev.Seq})
	case services.EventGroupJoined:
		e.op, e.users = opJoin, []uint64{ev.UserID}
		e.frame = encodeFrame(ev.Type, nil, groupJoinedData{Group: controllers.NewGroupView(ctx, s, ev.Group)})
	case services.EventGroupLeft:
		e.op = opLeave
		if ev.UserID != 0 {
			e.users = []uint64{ev.UserID}
		}
		e.frame = encodeFrame(ev.Type, nil, groupLeftData{GroupID: ev.GroupID})
	default:
		s.log.Error("unknown chat event", "type", ev.Type)
		return nil
	}
	return e
}

// publish hands e to the broker. A lost event is not fatal: clients fill
// gaps in seq with sync. When the broker is down (Redis stopped), the event
// is still delivered to this node's own sockets, so a node's own delivery
// never stops; the other nodes' clients catch up with sync once it is back.
func (s *Server) publish(ctx context.Context, es ...*event) {
	if len(es) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	payloads := make([][]byte, len(es))
	for i, e := range es {
		payloads[i] = e.encode()
	}
	if err := s.broker.Publish(ctx, payloads...); err != nil {
		// Some may have gone out before the error: a socket of this node may
		// then get one twice, and clients drop a message they hold by id.
		s.log.Warn("broker publish failed: delivered on this node only", "op", es[0].op, "events", len(es), "err", err)
		for _, p := range payloads {
			s.receive(p)
		}
	}
}

// receive applies an event from the broker to this node's sockets. It only
// queues frames, so it never waits on a client.
func (s *Server) receive(payload []byte) {
	e, err := decodeEvent(payload)
	if err != nil {
		s.log.Error("bad broker event", "err", err)
		return
	}
	if e.op == opKick {
		s.private.kick(e.users, closeKicked, "session revoked")
		s.group.kick(e.users, closeKicked, "session revoked")
		return
	}
	f := newWireFrame(e.frame) // once for every recipient on this node
	h := s.private
	if e.hub == hubGroup {
		h = s.group
	}
	switch {
	case e.op == opJoin:
		h.join(e.users, e.room, f)
	case e.op == opLeave:
		h.leave(e.users, e.room, f)
	case e.room != 0:
		s.pacer.add(h.deliverRoom(e.room, e.exclude, f))
	default:
		s.pacer.add(h.deliverUsers(e.users, e.exclude, f))
	}
}

// serve runs one accepted connection: join the hub and the rooms, say
// ready, start the writer and announce presence on the caller's goroutine
// (the HTTP handler's, which ends then, and with it the deep stack that
// database work grows), then read until done and clean up on a fresh
// goroutine, whose stack stays small while the socket idles.
func (s *Server) serve(c *client, rooms func(ctx context.Context) ([]uint64, error), ready func(c *client, rooms []uint64) []byte) {
	gauge := s.metrics.connections.WithLabelValues(c.hub.kind.String())
	gauge.Inc()
	c.hub.add(c)
	if s.closing.Load() {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
	ids, err := rooms(ctx)
	cancel()
	if err != nil {
		s.log.Error("socket rooms unavailable", "user_id", c.userID, "err", err)
		c.close(websocket.CloseInternalServerErr, "try again")
	}
	c.hub.ready(c, ids, func(joined []uint64) []byte {
		slices.Sort(joined)
		return ready(c, joined)
	})
	c.startWriting()
	s.presenceChange(c.userID, true)
	go s.read(c, gauge)
}

// read reads c until it ends, then closes it, leaves the hub and settles
// presence.
func (s *Server) read(c *client, gauge prometheus.Gauge) {
	defer s.conns.Done()
	defer gauge.Dec() // last: a socket counts until its presence is settled
	err := c.readLoop()
	c.close(closeCodeFor(err), "")
	c.hub.remove(c)
	<-c.writerDone
	if errors.Is(err, websocket.ErrReadLimit) {
		c.drain()
	}
	_ = c.conn.Close()
	s.presenceChange(c.userID, false)
}

// pingAll pings every socket of the node every pingPeriod: one ticker for
// all, rather than a timer per socket.
func (s *Server) pingAll(ctx context.Context) {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, h := range []*hub{s.private, s.group} {
				for _, c := range h.all() {
					c.ping()
				}
			}
		}
	}
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

// presenceChange records a socket opening or closing and, when the user came
// online or went offline on every node, tells those who see them.
func (s *Server) presenceChange(userID uint64, open bool) {
	ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
	defer cancel()
	var changed bool
	var err error
	if open {
		changed, err = s.presence.Connect(ctx, userID)
	} else {
		changed, err = s.presence.Disconnect(ctx, userID)
	}
	if err != nil {
		s.log.Warn("presence update failed", "user_id", userID, "err", err)
	}
	if changed {
		s.announce(ctx, userID, open)
	}
}

// announce sends a user's presence to their friends' private sockets and to
// their co-members' group sockets, and records when they were last seen.
func (s *Server) announce(ctx context.Context, userID uint64, online bool) {
	u, err := s.svc.TouchLastSeen(ctx, userID)
	if err != nil {
		s.log.Warn("last seen not recorded", "user_id", userID, "err", err)
		return
	}
	friends, coMembers, err := s.svc.PresenceAudience(ctx, userID)
	if err != nil {
		s.log.Warn("presence audience unavailable", "user_id", userID, "err", err)
		return
	}
	f := presenceFrame(userID, online, u.LastSeenAt)
	if len(friends) > 0 {
		s.publish(ctx, &event{op: opDeliver, hub: hubPrivate, users: friends, frame: f})
	}
	if len(coMembers) > 0 {
		s.publish(ctx, &event{op: opDeliver, hub: hubGroup, users: coMembers, frame: f})
	}
}

func presenceFrame(userID uint64, online bool, lastSeen *time.Time) []byte {
	status := "offline"
	if online {
		status = "online"
	}
	var seen *time.Time
	if lastSeen != nil {
		t := lastSeen.UTC()
		seen = &t
	}
	return encodeFrame("presence", nil, presenceData{UserID: userID, Status: status, LastSeenAt: seen})
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
	for _, h := range []*hub{s.private, s.group} {
		for _, c := range h.all() {
			c.close(websocket.CloseGoingAway, "server shutting down")
		}
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

// Close stops background work and releases the broker and presence.
func (s *Server) Close() error {
	s.closing.Store(true)
	s.cancel()
	return errors.Join(s.presence.Close(), s.broker.Close())
}
