package sockets

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the socket layer's series on /metrics.
type metrics struct {
	connections *prometheus.GaugeVec
	slowCloses  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "workcomm_websocket_connections",
			Help: "Open WebSocket connections on this node, by kind (private, group). A socket counts until its presence is settled.",
		}, []string{"kind"}),
		slowCloses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "workcomm_websocket_slow_closes_total",
			Help: "Sockets closed with 1013 because their outbound queue was full.",
		}),
	}
	reg.MustRegister(m.connections, m.slowCloses)
	return m
}

func (k hubKind) String() string {
	if k == hubGroup {
		return "group"
	}
	return "private"
}
