// Package sockets is WorkComm's real-time layer: the WebSocket endpoints
// /ws/private and /ws/group, their hubs, and services.Realtime on top of a
// broker shared by every node.
//
// # Rooms
//
// Each socket kind has its own hub on each node, indexed by user and by room.
// A private socket is addressed by its user (private messages, typing and
// read marks go to the two participants' sockets; presence to friends'). A
// group socket joins one room per group its user belongs to, read from the
// database when it connects; membership changes arrive as broker events
// (group.joined, group.left) and move the node's sockets in and out of rooms
// at once. A change that arrives while a socket is still reading its rooms is
// kept and replayed after, so a socket never misses one. The first frame is
// ready, queued once the rooms are joined: from then on the socket receives
// every event meant for it. Delivery holds the hub's read lock and only queues
// frames; it never waits on a client.
//
// # Delivery guarantees
//
// Persist, then push. A message is committed (its seq taken under the
// conversation row's lock, in the insert transaction) before anything is
// published, and the sending socket's ack is queued before the message.new
// is published, so the sender sees ack first. Every event goes through the
// broker (in-process, or Redis pub/sub with REDIS_URL), and every node,
// the sender's included, delivers it to its own sockets; the frame is encoded
// once by the publishing node and prepared once per receiving node for all
// its recipients. Delivery to live sockets is at least once per socket and
// best effort: a socket whose queue of 256 frames is full is closed with 1013,
// an event lost between nodes is not retried. Clients drop duplicates by
// message id and fill any gap in seq with sync, which reads the database and
// answers at the reader's pace on a separate queue. REST and socket sends take
// the same path (services.SendMessage), so both are pushed alike.
//
// # Connections
//
// Each socket has exactly one reader (which also handles requests, in order)
// and at most one writer, the only goroutine that writes frames, which runs
// only while frames keep coming (it ends after a second without any): an
// idle socket is one goroutine and a 512-byte read buffer. A frame is laid out for the wire once per node
// and shared by every recipient's queue. The writer takes everything
// waiting at once and writes it in one system call, answers (ack, error,
// pong, sync pages) before pushed frames, with a 10 s deadline; on a busy
// node it first waits a short gap after its previous write (pacer.go) so
// that frames coalesce. One ticker per node pings every socket every 30 s;
// 60 s of silence, a frame over 64 KiB (1009), a kick (1008) or shutdown
// (1001) close the socket.
//
// Sends are stored by the group commit (services/chat_commit.go): sends that
// arrive while a transaction is in flight share the next one, and each is
// acknowledged once that one has committed.
//
// # Presence
//
// A user is online while at least one socket of either kind is open on any
// node. Each node counts its sockets per user; the first opening and the last
// closing are recorded in the presence tracker, and only a change of the
// user's overall state is announced (to friends on the private socket, to
// co-members on the group socket) with lastSeenAt, at once when the last
// socket closes. With Redis, each node's entry per user expires after 30 s
// unless refreshed every 10 s, so a crashed node's users fall offline; the
// node that finds them expired announces it.
package sockets
