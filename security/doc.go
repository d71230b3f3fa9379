// Package security is WorkComm's attacker's test suite. It holds tests only:
// each drives the real router (testenv, exactly as main builds it) on SQLite
// and on PostgreSQL, as an attacker would, and checks that nobody reads or
// changes what is not theirs:
//
//   - broken object-level authorization: walking the ids of every object type
//     (conversations, messages, groups, members, payments, friend requests,
//     audit entries), over REST and over both sockets;
//   - mass assignment: forbidden fields on every write;
//   - JWT attacks (alg none, algorithm confusion, foreign kid/jku/jwk headers,
//     missing or wrong claims, tokens of deleted, banned or demoted users) on
//     REST and on the WebSocket handshake; refresh-token reuse and races;
//   - Cross-Site WebSocket Hijacking (foreign, null and look-alike Origins);
//   - hostile input: oversize and deeply nested JSON, SQL injection strings in
//     every search, filter and field, stored XSS payloads kept as data;
//   - login brute force and credential stuffing; user enumeration through
//     register, login and search answers;
//   - leaks: no password hash, refresh-token hash, other user's email or
//     client secret in any REST answer or socket frame of a scripted session;
//   - resource exhaustion: a request waiting for an exhausted connection pool
//     ends in 503 and the server recovers; socket request floods are throttled.
//
// Run it with `go test ./security/` (PostgreSQL as for every suite: see
// testenv).
package security
