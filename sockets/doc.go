// Package sockets is WorkComm's real-time layer: the WebSocket endpoints
// /ws/private and /ws/group, and the delivery of pushed frames to them on
// every node through a broker. It has two sides, built one after the other:
//
//   - Delivery (delivery.go) is what the services publish to (their
//     services.Publisher): the node's hubs, its broker subscription, and
//     the turning of a service event into a broker event and then into wire
//     frames. It needs nothing of the services.
//   - Server (server.go, protocol.go) is the endpoints: it accepts sockets,
//     adds them to the Delivery's hubs, reads their requests and asks the
//     App (app.go, a narrow interface the services provide) to act on them.
//
// Three kinds of "frame" meet here: a service event (services.Event: a frame
// type, its data and who gets it), a broker event (broker_event.go: the same
// with the frame's JSON envelope encoded once, carried to every node), and a
// wire frame (writer.go: the envelope laid out for the WebSocket, once per
// node, shared by every recipient's writer).
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
// ready, queued before the socket's writer starts: from then on the socket
// receives every event meant for it. Delivery holds the hub's read lock and
// only queues frames; nothing under a hub's lock waits on a client.
//
// # Delivery guarantees
//
// Persist, then push. A message is committed (its seq taken under the
// conversation row's lock, in the insert transaction) before anything is
// published, and the sending socket's ack is queued before the message.new
// is published, so the sender sees ack first. Every event goes through the
// broker (in-process, or Redis pub/sub with REDIS_URL), and every node,
// the sender's included, delivers it to its own sockets; the frame is encoded
// once by the publishing node and laid out once per receiving node for all
// its recipients. Delivery to live sockets is at least once per socket and
// best effort: a socket whose queue of 256 frames is full is closed with 1013,
// an event lost between nodes is not retried. Clients drop duplicates by
// message id and fill any gap in seq with sync, which reads the database and
// answers at the reader's pace on a separate queue. REST and socket sends take
// the same path (services.Chat.Send), so both are pushed alike.
//
// # Connections
//
// Each socket has exactly one reader (which also handles requests, in order)
// and one writer (writer.go), the only code that writes to the connection,
// pongs and close frames included, whose goroutine runs only while frames
// keep coming (it ends after a second without any): an idle socket is one
// goroutine and a 512-byte read buffer. The writer takes everything waiting
// at once and writes it in one system call, answers (ack, error, pong, sync
// pages) before pushed frames, with a 10 s deadline; on a busy node it first
// waits a short gap after its previous write (pacer.go) so that frames
// coalesce. One ticker per node pings every socket every 30 s; 60 s of
// silence, a frame over 64 KiB (1009), a kick (1008) or shutdown (1001)
// close the socket.
//
// Sends are stored by the group commit (services/committer.go): sends that
// arrive while a transaction is in flight share the next one, and each is
// acknowledged once that one has committed.
//
// # Presence
//
// The endpoints tell the App when a socket opens or closes; the Presence
// service counts sockets per user on every node and announces a change of a
// user's overall state (services/presence.go).
package sockets
