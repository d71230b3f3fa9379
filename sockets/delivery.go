package sockets

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"workcomm/broker"
	"workcomm/services"
)

// Timings of delivery.
const (
	// publishTimeout bounds handing events to the broker; the request that
	// caused them has already committed, so this runs even if that request ended.
	publishTimeout = 5 * time.Second
	// pingPeriod is the contract's ping interval; proxies in front must allow
	// idle connections longer than this.
	pingPeriod = 30 * time.Second
	// closeKicked is the close code of a socket whose user was banned, deleted
	// or changed role: 1008, policy violation.
	closeKicked = 1008
)

// Delivery is this node's side of real-time delivery: the hubs holding its
// sockets, its subscription to the broker, and the publishing the services
// do (it is their services.Publisher). It needs nothing of the services, so
// app.Open builds it first and hands it to them, then to the endpoints
// (Server), which add sockets to its hubs.
type Delivery struct {
	broker  broker.Broker
	log     *slog.Logger
	private *hub
	group   *hub
	pacer   *pacer // write coalescing under load (pacer.go)
	metrics *metrics
	stop    context.CancelFunc
}

var _ services.Publisher = (*Delivery)(nil)

// NewDelivery subscribes a node's delivery to the broker and starts its
// pacer and its ping ticker; Close stops them.
func NewDelivery(ctx context.Context, b broker.Broker, reg prometheus.Registerer, log *slog.Logger) (*Delivery, error) {
	d := &Delivery{broker: b, log: log, private: newHub(hubPrivate), group: newHub(hubGroup),
		pacer: &pacer{}, metrics: newMetrics(reg)}
	if err := b.Subscribe(ctx, d.receive); err != nil {
		return nil, err
	}
	run, stop := context.WithCancel(context.WithoutCancel(ctx))
	d.stop = stop
	go d.pacer.run(run)
	go d.pingAll(run)
	return d, nil
}

// Publish encodes each event's frame once and hands them all to every node
// in one broker call.
func (d *Delivery) Publish(ctx context.Context, evs ...services.Event) {
	es := make([]*brokerEvent, len(evs))
	for i := range evs {
		es[i] = toBrokerEvent(&evs[i])
	}
	d.publish(ctx, es...)
}

// Kick closes every socket of the user on every node.
func (d *Delivery) Kick(ctx context.Context, userID uint64) {
	d.publish(ctx, &brokerEvent{op: opKick, users: []uint64{userID}})
}

// toBrokerEvent encodes a service event's frame and says who gets it.
func toBrokerEvent(ev *services.Event) *brokerEvent {
	e := &brokerEvent{op: opDeliver, hub: hubPrivate, room: ev.Room, exclude: ev.Exclude, users: ev.Users,
		envelope: encodeEnvelope(ev.Type, nil, ev.Data)}
	if ev.Socket == services.GroupSocket {
		e.hub = hubGroup
	}
	switch ev.Membership {
	case services.Join:
		e.op = opJoin
	case services.Leave:
		e.op = opLeave
	}
	return e
}

// publish hands events to the broker. A lost event is not fatal: clients
// fill gaps in seq with sync. When the broker is down (Redis stopped), the
// events are still delivered to this node's own sockets, so a node's own
// delivery never stops; the other nodes' clients catch up with sync once it
// is back.
func (d *Delivery) publish(ctx context.Context, es ...*brokerEvent) {
	if len(es) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	payloads := make([][]byte, len(es))
	for i, e := range es {
		payloads[i] = e.encode()
	}
	if err := d.broker.Publish(ctx, payloads...); err != nil {
		// Some may have gone out before the error: a socket of this node may
		// then get one twice, and clients drop a message they hold by id.
		d.log.Warn("broker publish failed: delivered on this node only", "op", es[0].op, "events", len(es), "err", err)
		for _, p := range payloads {
			d.receive(p)
		}
	}
}

// receive applies a broker event to this node's sockets. It only queues
// frames, so it never waits on a client.
func (d *Delivery) receive(payload []byte) {
	e, err := decodeBrokerEvent(payload)
	if err != nil {
		d.log.Error("bad broker event", "err", err)
		return
	}
	if e.op == opKick {
		d.private.kick(e.users, closeKicked, "session revoked")
		d.group.kick(e.users, closeKicked, "session revoked")
		return
	}
	f := newWireFrame(e.envelope) // once for every recipient on this node
	h := d.hub(e.hub)
	switch {
	case e.op == opJoin:
		h.join(e.users, e.room, f)
	case e.op == opLeave:
		h.leave(e.users, e.room, f)
	case e.room != 0:
		d.pacer.add(h.deliverRoom(e.room, e.exclude, f))
	default:
		d.pacer.add(h.deliverUsers(e.users, e.exclude, f))
	}
}

// hub is the hub of a socket kind.
func (d *Delivery) hub(kind hubKind) *hub {
	if kind == hubGroup {
		return d.group
	}
	return d.private
}

// all returns every socket of this node (pings, shutdown).
func (d *Delivery) all() []*client {
	return append(d.private.all(), d.group.all()...)
}

// pingAll pings every socket of the node every pingPeriod: one ticker for
// all, rather than a timer per socket.
func (d *Delivery) pingAll(ctx context.Context) {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, c := range d.all() {
				c.out.ping()
			}
		}
	}
}

// Close stops the pacer and the pings and ends the broker subscription.
func (d *Delivery) Close() error {
	d.stop()
	return d.broker.Close()
}
