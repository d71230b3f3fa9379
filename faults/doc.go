// Package faults proves, with real processes on loopback, that WorkComm keeps
// working under faults: it holds tests only. Each test builds the server once,
// runs nodes as processes, and starts its own PostgreSQL cluster and Redis
// server when it injects a fault into them — the machine's shared PostgreSQL
// and Redis (used by other packages' tests at the same time) are never
// stopped. Faults injected:
//
//   - PostgreSQL stopped in immediate mode and started again while messages
//     and webhooks flow: fast 503s meanwhile, the pool heals by itself, every
//     acknowledged message stored exactly once (a Jepsen-style set check);
//   - one of two nodes killed with SIGKILL under a few hundred clients, which
//     reconnect to the other with jitter and sync: nothing acknowledged lost,
//     no duplicate after dedupe, order kept;
//   - Redis stopped for 30 s: sends persist, /readyz reports it, a node's own
//     delivery never stops, cross-node delivery resumes by itself;
//   - webhook deliveries repeated, concurrent across nodes, out of order, and
//     a crash between commit and answer followed by the retry;
//   - resource limits: a 10 MB body, a huge limit, slowloris headers, a
//     flooding socket, a socket that stops reading, an exhausted DB pool;
//   - a soak of mixed load (WORKCOMM_SOAK, default 1m) whose goroutines,
//     heap, open files and DB connections show no growth trend.
//
// The tests run when their dependencies exist (PostgreSQL's server binaries,
// redis-server, the go command, the machine's PostgreSQL for some) and fail,
// never skip, under WORKCOMM_REQUIRE_FAULTS=1 (CI). Every wait is bounded.
package faults
