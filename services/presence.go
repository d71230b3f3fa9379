package services

import (
	"context"
	"time"

	"workcomm/models"
	"workcomm/views"
)

// presenceTimeout bounds announcing one change of a user's presence.
const presenceTimeout = 10 * time.Second

// Presence is the online-status domain. A user is online while at least one
// socket of either kind is open on any node (Core.Tracker counts them); only
// a change of that state is announced, to friends on the private socket and
// to co-members on the group socket, with when the user was last seen.
type Presence struct {
	*Core
	batch *presenceBatch // nil: each change is announced at once
}

// newPresence builds the domain; changes are gathered for
// Config.PresenceWindow before they are announced (presenceBatch).
func newPresence(core *Core) *Presence {
	p := &Presence{Core: core}
	if core.Config != nil && core.Config.PresenceWindow > 0 {
		p.batch = newPresenceBatch(p, core.Config.PresenceWindow)
	}
	return p
}

// Close announces the changes still gathered; changes after it are
// announced at once. app.Open closes it after the sockets, before the
// database and the broker.
func (p *Presence) Close() error {
	if p.batch != nil {
		p.batch.close()
	}
	return nil
}

// Connected records a socket of the user opening and announces them online
// if it is their first anywhere.
func (p *Presence) Connected(ctx context.Context, userID uint64) {
	changed, err := p.Tracker.Connect(ctx, userID)
	p.settle(ctx, userID, true, changed, err)
}

// Disconnected records a socket of the user closing and announces them
// offline if it was their last anywhere.
func (p *Presence) Disconnected(ctx context.Context, userID uint64) {
	changed, err := p.Tracker.Disconnect(ctx, userID)
	p.settle(ctx, userID, false, changed, err)
}

func (p *Presence) settle(ctx context.Context, userID uint64, online, changed bool, err error) {
	if err != nil {
		p.Log.WarnContext(ctx, "presence update failed", "user_id", userID, "err", err)
	}
	if changed {
		p.change(ctx, userID, online)
	}
}

// change announces that the user came online or went offline: with the
// other changes of its window, or at once without one.
func (p *Presence) change(ctx context.Context, userID uint64, online bool) {
	if p.batch != nil {
		p.batch.add(ctx, userID, online)
		return
	}
	p.announce(ctx, map[uint64]bool{userID: online})
}

// WatchExpired announces offline the users whose node died with their
// sockets open (the tracker finds them expired), until ctx ends. app.Open
// starts it once everything is built.
func (p *Presence) WatchExpired(ctx context.Context) {
	expired := p.Tracker.Expired()
	for {
		select {
		case <-ctx.Done():
			return
		case id, ok := <-expired:
			if !ok {
				return
			}
			actx, cancel := context.WithTimeout(ctx, presenceTimeout)
			p.change(actx, id, false)
			cancel()
		}
	}
}

// OnlineCount is how many distinct users have a socket open on any node.
func (p *Presence) OnlineCount(ctx context.Context) int {
	n, err := p.Tracker.Count(ctx)
	if err != nil {
		p.Log.WarnContext(ctx, "presence unavailable", "err", err)
	}
	return n
}

// introductions are the events that tell each of a and b the other's
// presence, so that new friends see each other at once (and former friends'
// clients can drop it). The caller publishes them with its own events.
func (p *Presence) introductions(ctx context.Context, a, b uint64) []Event {
	users, err := models.UsersByIDs(ctx, p.DB, []uint64{a, b})
	if err != nil {
		p.Log.WarnContext(ctx, "presence for new friends failed", "err", err)
		return nil
	}
	online := p.online(ctx, []uint64{a, b})
	var evs []Event
	for _, pair := range [][2]uint64{{a, b}, {b, a}} {
		if u := users[pair[0]]; u != nil {
			evs = append(evs, Event{Socket: PrivateSocket, Users: []uint64{pair[1]}, Type: EventPresence,
				Data: views.NewPresence(u.ID, online[u.ID], u.LastSeenAt)})
		}
	}
	return evs
}
