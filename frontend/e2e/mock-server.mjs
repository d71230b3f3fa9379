// A small in-memory stand-in for the WorkComm Go server, written from shared/API.md, so that the frontend
// and e2e/demo.mjs can be exercised before (or without) the real backend. Not a reference implementation:
// it keeps only what the browser app uses. Serves the built app (SPA fallback), REST under /api/v1 and the
// two WebSockets.
//
//   npm run build && node e2e/mock-server.mjs            # http://127.0.0.1:18090
//   MOCK_PORT=18090 MOCK_WEBHOOK_SECRET=whsec_mock MOCK_ADMIN=admin MOCK_ADMIN_PASSWORD=admin-password

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const PORT = Number(process.env.MOCK_PORT || 18090);
const HOST = process.env.MOCK_HOST || '127.0.0.1';
const WEBHOOK_SECRET = process.env.MOCK_WEBHOOK_SECRET || 'whsec_mock';
const STATIC = fileURLToPath(new URL('../dist/workcomm/browser/', import.meta.url));
const ACCESS_TTL_S = 900;

// --- state -----------------------------------------------------------------------------------------------
let nextId = 1;
const id = () => nextId++;
const now = () => new Date().toISOString();
const users = new Map(); // id -> user (with password)
const access = new Map(); // token -> userId
const refresh = new Map(); // token -> { userId, used, family }
const requests = new Map(); // id -> { id, fromId, toId, createdAt }
const friendships = new Map(); // "a:b" (a<b) -> since
const privateConvs = new Map(); // "a:b" -> { id, a, b, messages: [], reads: {} }
const groups = new Map(); // id -> { id, name, description, ownerId, createdAt, members: Map(userId -> {role, joinedAt}), messages, reads, deleted }
const payments = new Map();
const events = new Set();
const audit = [];
const sockets = new Set(); // { ws, kind, userId }
const plans = [
  { id: 'premium_monthly', name: 'Premium, monthly', amount: 900, currency: 'eur', days: 30 },
  { id: 'premium_yearly', name: 'Premium, yearly', amount: 9000, currency: 'eur', days: 365 },
];

function addUser({ username, email, password, displayName, role = 'user' }) {
  const u = {
    id: id(), username, email, password, displayName: displayName || username, role, plan: 'free', planExpiresAt: null,
    banned: false, createdAt: now(),
  };
  users.set(u.id, u);
  return u;
}
addUser({
  username: process.env.MOCK_ADMIN || 'admin', email: 'admin@example.com',
  password: process.env.MOCK_ADMIN_PASSWORD || 'admin-password', role: 'admin',
});

const selfView = ({ password, ...u }) => u;
const online = (uid) => [...sockets].some((s) => s.userId === uid);
const publicView = (u) => ({ id: u.id, username: u.username, displayName: u.displayName, online: online(u.id), lastSeenAt: null });
const pairKey = (a, b) => (a < b ? `${a}:${b}` : `${b}:${a}`);
const areFriends = (a, b) => friendships.has(pairKey(a, b));

class HttpError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    Object.assign(this, { status, code, fields });
  }
}
const fail = (status, code, message = code, fields) => {
  throw new HttpError(status, code, message, fields);
};

function issue(res, user) {
  const accessToken = randomBytes(24).toString('hex');
  const refreshToken = randomBytes(24).toString('hex');
  access.set(accessToken, user.id);
  refresh.set(refreshToken, { userId: user.id, used: false });
  res.setHeader('Set-Cookie', `wc_refresh=${refreshToken}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=2592000`);
  return { user: selfView(user), accessToken, refreshToken, expiresIn: ACCESS_TTL_S };
}

function revokeUser(uid) {
  for (const [t, u] of access) if (u === uid) access.delete(t);
  for (const [t, r] of refresh) if (r.userId === uid) refresh.delete(t);
  for (const s of sockets) if (s.userId === uid) s.ws.close(4001, 'revoked');
}

function cookie(req, name) {
  const m = (req.headers.cookie || '').split(/;\s*/).find((c) => c.startsWith(name + '='));
  return m ? decodeURIComponent(m.slice(name.length + 1)) : '';
}

function authUser(req) {
  const h = req.headers.authorization || '';
  const uid = h.startsWith('Bearer ') ? access.get(h.slice(7)) : undefined;
  const u = uid && users.get(uid);
  if (!u || u.banned) fail(401, 'unauthorized');
  return u;
}

// --- messages --------------------------------------------------------------------------------------------
function privateConv(a, b) {
  const k = pairKey(a, b);
  if (!privateConvs.has(k)) privateConvs.set(k, { id: id(), a: Math.min(a, b), b: Math.max(a, b), messages: [], reads: {} });
  return privateConvs.get(k);
}

function postMessage(sender, target, body, clientMsgId) {
  const text = String(body ?? '').trim();
  if (!text || [...text].length > 4000) fail(400, 'validation_failed', 'body', { body: '1 to 4000 characters' });
  let conv, type, recipients;
  if (target.toUserId) {
    const peer = users.get(Number(target.toUserId));
    if (!peer) fail(404, 'not_found');
    if (!areFriends(sender.id, peer.id)) fail(403, 'forbidden', 'not friends');
    conv = privateConv(sender.id, peer.id);
    type = 'private';
    recipients = [sender.id, peer.id];
  } else {
    const g = groups.get(Number(target.groupId));
    if (!g || g.deleted || !g.members.has(sender.id)) fail(404, 'not_found');
    conv = g;
    type = 'group';
    recipients = [...g.members.keys()];
  }
  if (clientMsgId) {
    const dup = conv.messages.find((m) => m.senderId === sender.id && m.clientMsgId === clientMsgId);
    if (dup) return { message: dup, created: false, kind: type, recipients };
  }
  const message = {
    id: id(), conversation: { type, id: conv.id }, seq: conv.messages.length + 1, senderId: sender.id, body: text,
    clientMsgId: clientMsgId || null, createdAt: now(), editedAt: null, deleted: false,
  };
  conv.messages.push(message);
  return { message, created: true, kind: type, recipients };
}

function push(kind, userIds, env, except) {
  const frame = JSON.stringify(env);
  for (const s of sockets) if (s.kind === kind && userIds.includes(s.userId) && s !== except) s.ws.send(frame);
}

function findMessage(kind, mid) {
  const convs = kind === 'private' ? privateConvs.values() : groups.values();
  for (const c of convs) {
    const m = c.messages.find((x) => x.id === mid);
    if (m) return { conv: c, m };
  }
  fail(404, 'not_found');
}

function page(list, q) {
  const before = Number(q.get('before')) || 0;
  const after = Number(q.get('after')) || 0;
  const limit = Math.min(Number(q.get('limit')) || 50, 100);
  let items = list;
  if (before) items = items.filter((m) => m.seq < before).slice(-limit);
  else if (after) items = items.filter((m) => m.seq > after).slice(0, limit);
  else items = items.slice(-limit);
  const hasMore = items.length > 0 && (after ? items[items.length - 1].seq < list.length : items[0].seq > 1);
  return { items, hasMore };
}

function groupView(g, uid, withMembers = true) {
  const last = g.messages[g.messages.length - 1] || null;
  const v = {
    id: g.id, name: g.name, description: g.description, ownerId: g.ownerId, createdAt: g.createdAt,
    unread: Math.max(0, g.messages.length - (g.reads[uid] || 0)), lastMessage: last,
  };
  if (withMembers) {
    v.members = [...g.members].map(([mid, m]) => ({ user: publicView(users.get(mid)), role: m.role, joinedAt: m.joinedAt }));
  }
  return v;
}

function memberGroup(uid, gid) {
  const g = groups.get(Number(gid));
  if (!g || g.deleted || !g.members.has(uid)) fail(404, 'not_found');
  return g;
}

// --- REST ------------------------------------------------------------------------------------------------
const routes = [];
const route = (method, pattern, fn) =>
  routes.push({ method, re: new RegExp('^/api/v1' + pattern.replace(/:(\w+)/g, '(?<$1>[^/]+)') + '$'), fn });

route('POST', '/auth/register', ({ body, res }) => {
  const fields = {};
  if (!/^[A-Za-z0-9_.-]{3,32}$/.test(body.username || '')) fields.username = 'invalid';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email || '')) fields.email = 'invalid';
  if ([...(body.password || '')].length < 8) fields.password = 'too short';
  if (Object.keys(fields).length) fail(400, 'validation_failed', 'invalid', fields);
  const all = [...users.values()];
  if (all.some((u) => u.username.toLowerCase() === body.username.toLowerCase())) fail(409, 'username_taken');
  if (all.some((u) => u.email.toLowerCase() === body.email.toLowerCase())) fail(409, 'email_taken');
  return [201, issue(res, addUser(body))];
});
route('POST', '/auth/login', ({ body, res }) => {
  const l = String(body.login || '').toLowerCase();
  const u = [...users.values()].find((x) => x.username.toLowerCase() === l || x.email.toLowerCase() === l);
  if (!u || u.password !== body.password) fail(401, 'invalid_credentials');
  if (u.banned) fail(403, 'forbidden', 'banned');
  return [200, issue(res, u)];
});
route('POST', '/auth/refresh', ({ req, body, res }) => {
  const raw = body.refreshToken || cookie(req, 'wc_refresh');
  const r = refresh.get(raw);
  if (!r) fail(401, 'unauthorized');
  if (r.used) {
    revokeUser(r.userId);
    fail(401, 'unauthorized', 'reused');
  }
  r.used = true;
  const u = users.get(r.userId);
  if (!u || u.banned) fail(401, 'unauthorized');
  return [200, issue(res, u)];
});
route('POST', '/auth/logout', ({ req, body, res }) => {
  refresh.delete(body.refreshToken || cookie(req, 'wc_refresh'));
  res.setHeader('Set-Cookie', 'wc_refresh=; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=0');
  return [204];
});
route('GET', '/users/me', ({ me }) => [200, selfView(me())]);
route('GET', '/users', ({ me, q }) => {
  me();
  const s = (q.get('q') || '').toLowerCase();
  const items = [...users.values()]
    .filter((u) => s && (u.username.toLowerCase().startsWith(s) || u.displayName.toLowerCase().startsWith(s)))
    .map(publicView);
  return [200, { items, nextCursor: null }];
});
route('GET', '/friends', ({ me }) => {
  const uid = me().id;
  const items = [];
  for (const [k, since] of friendships) {
    const [a, b] = k.split(':').map(Number);
    if (a === uid || b === uid) items.push({ user: publicView(users.get(a === uid ? b : a)), since });
  }
  return [200, { items, nextCursor: null }];
});
const requestView = (r) => ({ id: r.id, from: publicView(users.get(r.fromId)), to: publicView(users.get(r.toId)), createdAt: r.createdAt });
route('GET', '/friends/requests', ({ me }) => {
  const uid = me().id;
  const all = [...requests.values()];
  return [200, { incoming: all.filter((r) => r.toId === uid).map(requestView), outgoing: all.filter((r) => r.fromId === uid).map(requestView) }];
});
route('POST', '/friends/requests', ({ me, body }) => {
  const u = me();
  const to = users.get(Number(body.userId));
  if (!to) fail(404, 'not_found');
  if (to.id === u.id) fail(400, 'validation_failed');
  if (areFriends(u.id, to.id)) fail(409, 'conflict');
  const reverse = [...requests.values()].find((r) => r.fromId === to.id && r.toId === u.id);
  if (reverse) {
    requests.delete(reverse.id);
    friendships.set(pairKey(u.id, to.id), now());
    return [200, { user: publicView(to), since: now() }];
  }
  if ([...requests.values()].some((r) => r.fromId === u.id && r.toId === to.id)) fail(409, 'conflict');
  const r = { id: id(), fromId: u.id, toId: to.id, createdAt: now() };
  requests.set(r.id, r);
  return [201, requestView(r)];
});
route('POST', '/friends/requests/:id/accept', ({ me, p }) => {
  const r = requests.get(Number(p.id));
  if (!r || r.toId !== me().id) fail(404, 'not_found');
  requests.delete(r.id);
  friendships.set(pairKey(r.fromId, r.toId), now());
  return [200, { user: publicView(users.get(r.fromId)), since: now() }];
});
route('POST', '/friends/requests/:id/decline', ({ me, p }) => {
  const r = requests.get(Number(p.id));
  if (!r || r.toId !== me().id) fail(404, 'not_found');
  requests.delete(r.id);
  return [204];
});
route('DELETE', '/friends/:userId', ({ me, p }) => {
  friendships.delete(pairKey(me().id, Number(p.userId)));
  return [204];
});

route('GET', '/chat/private', ({ me }) => {
  const uid = me().id;
  const items = [...privateConvs.values()]
    .filter((c) => (c.a === uid || c.b === uid) && c.messages.length)
    .map((c) => ({
      peer: publicView(users.get(c.a === uid ? c.b : c.a)), conversationId: c.id, lastMessage: c.messages[c.messages.length - 1],
      unread: c.messages.filter((m) => m.seq > (c.reads[uid] || 0) && m.senderId !== uid).length, lastReadSeq: c.reads[uid] || 0,
    }));
  return [200, { items, nextCursor: null }];
});
route('GET', '/chat/private/:userId/messages', ({ me, p, q }) => {
  const u = me();
  if (!areFriends(u.id, Number(p.userId))) fail(403, 'forbidden');
  return [200, page(privateConv(u.id, Number(p.userId)).messages, q)];
});
route('POST', '/chat/private/:userId/messages', ({ me, p, body }) => {
  const r = postMessage(me(), { toUserId: Number(p.userId) }, body.body, body.clientMsgId);
  if (r.created) push('private', r.recipients, { type: 'message.new', data: { message: r.message } });
  return [r.created ? 201 : 200, r.message];
});
route('POST', '/chat/private/:userId/read', ({ me, p, body }) => {
  const u = me();
  const c = privateConv(u.id, Number(p.userId));
  c.reads[u.id] = Math.max(c.reads[u.id] || 0, Number(body.seq) || 0);
  push('private', [c.a, c.b], { type: 'read', data: { userId: u.id, conversation: { type: 'private', id: c.id }, seq: c.reads[u.id] } });
  return [204];
});
for (const kind of ['private', 'group']) {
  const base = kind === 'private' ? '/chat/private/messages/:id' : '/chat/groups/messages/:id';
  const recipients = (conv) => (kind === 'private' ? [conv.a, conv.b] : [...conv.members.keys()]);
  route('PATCH', base, ({ me, p, body }) => {
    const { conv, m } = findMessage(kind, Number(p.id));
    if (m.senderId !== me().id) fail(404, 'not_found');
    m.body = String(body.body || '').trim();
    m.editedAt = now();
    push(kind, recipients(conv), { type: 'message.updated', data: { message: m } });
    return [200, m];
  });
  route('DELETE', base, ({ me, p }) => {
    const { conv, m } = findMessage(kind, Number(p.id));
    if (m.senderId !== me().id) fail(404, 'not_found');
    Object.assign(m, { body: '', deleted: true });
    push(kind, recipients(conv), { type: 'message.deleted', data: { message: m } });
    return [204];
  });
}
route('POST', '/chat/groups', ({ me, body }) => {
  const u = me();
  if (!String(body.name || '').trim()) fail(400, 'validation_failed', 'name', { name: 'required' });
  const g = {
    id: id(), name: body.name.trim(), description: body.description || '', ownerId: u.id, createdAt: now(),
    members: new Map([[u.id, { role: 'owner', joinedAt: now() }]]), messages: [], reads: {}, deleted: false,
  };
  for (const mid of body.memberIds || []) {
    if (!users.has(Number(mid))) fail(400, 'validation_failed', 'memberIds');
    g.members.set(Number(mid), { role: 'member', joinedAt: now() });
  }
  groups.set(g.id, g);
  joinRooms(g);
  return [201, groupView(g, u.id)];
});
route('GET', '/chat/groups', ({ me }) => {
  const uid = me().id;
  return [200, { items: [...groups.values()].filter((g) => !g.deleted && g.members.has(uid)).map((g) => groupView(g, uid, false)), nextCursor: null }];
});
route('GET', '/chat/groups/:id', ({ me, p }) => {
  const uid = me().id;
  return [200, groupView(memberGroup(uid, p.id), uid)];
});
route('POST', '/chat/groups/:id/members', ({ me, p, body }) => {
  const u = me();
  const g = memberGroup(u.id, p.id);
  if (!['owner', 'admin'].includes(g.members.get(u.id).role)) fail(403, 'forbidden');
  if (!users.has(Number(body.userId))) fail(404, 'not_found');
  g.members.set(Number(body.userId), { role: 'member', joinedAt: now() });
  joinRooms(g);
  return [201, groupView(g, u.id)];
});
route('DELETE', '/chat/groups/:id/members/:userId', ({ me, p }) => {
  const u = me();
  const g = memberGroup(u.id, p.id);
  const target = Number(p.userId);
  if (target !== u.id && !['owner', 'admin'].includes(g.members.get(u.id).role)) fail(403, 'forbidden');
  g.members.delete(target);
  push('group', [target], { type: 'group.left', data: { groupId: g.id } });
  return [204];
});
route('GET', '/chat/groups/:id/messages', ({ me, p, q }) => [200, page(memberGroup(me().id, p.id).messages, q)]);
route('POST', '/chat/groups/:id/messages', ({ me, p, body }) => {
  const r = postMessage(me(), { groupId: Number(p.id) }, body.body, body.clientMsgId);
  if (r.created) push('group', r.recipients, { type: 'message.new', data: { message: r.message } });
  return [r.created ? 201 : 200, r.message];
});
route('POST', '/chat/groups/:id/read', ({ me, p, body }) => {
  const u = me();
  const g = memberGroup(u.id, p.id);
  g.reads[u.id] = Math.max(g.reads[u.id] || 0, Number(body.seq) || 0);
  push('group', [...g.members.keys()], { type: 'read', data: { userId: u.id, conversation: { type: 'group', id: g.id }, seq: g.reads[u.id] } });
  return [204];
});

route('GET', '/payments/plans', () => [200, { items: plans, nextCursor: null }]);
route('GET', '/payments/config', () => [200, { enabled: true, publishableKey: 'pk_test_mock' }]);
route('POST', '/payments/intent', ({ me, body, req }) => {
  const u = me();
  const plan = plans.find((x) => x.id === body.planId);
  if (!plan) fail(400, 'validation_failed', 'planId', { planId: 'unknown plan' });
  const key = req.headers['idempotency-key'];
  const again = key && [...payments.values()].find((x) => x.userId === u.id && x.key === key);
  if (again) return [200, { payment: again.view, clientSecret: again.secret }];
  const pid = id();
  const view = {
    id: pid, planId: plan.id, amount: plan.amount, currency: 'eur', status: 'pending', stripePaymentIntentId: `pi_mock_${pid}`,
    createdAt: now(), updatedAt: now(),
  };
  payments.set(pid, { userId: u.id, key, view, secret: `pi_mock_${pid}_secret_mock`, days: plan.days });
  return [201, { payment: view, clientSecret: `pi_mock_${pid}_secret_mock` }];
});
route('GET', '/payments', ({ me }) => {
  const uid = me().id;
  return [200, { items: [...payments.values()].filter((x) => x.userId === uid).map((x) => x.view), nextCursor: null }];
});
route('GET', '/payments/:id', ({ me, p }) => {
  const x = payments.get(Number(p.id));
  if (!x || x.userId !== me().id) fail(404, 'not_found');
  return [200, x.view];
});
route('POST', '/payments/webhook', ({ raw, req }) => {
  const sig = String(req.headers['stripe-signature'] || '');
  const t = /t=(\d+)/.exec(sig)?.[1];
  const v1 = /v1=([0-9a-f]+)/.exec(sig)?.[1];
  const want = t && createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${raw}`).digest('hex');
  if (!want || !v1 || v1.length !== want.length || !timingSafeEqual(Buffer.from(v1), Buffer.from(want))) fail(400, 'validation_failed', 'signature');
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) fail(400, 'validation_failed', 'stale');
  const ev = JSON.parse(raw);
  if (events.has(ev.id)) return [200, { received: true }];
  events.add(ev.id);
  const x = [...payments.values()].find((y) => y.view.stripePaymentIntentId === ev.data?.object?.id);
  if (x && ev.type === 'payment_intent.succeeded' && x.view.status !== 'succeeded') {
    x.view.status = 'succeeded';
    x.view.updatedAt = now();
    const u = users.get(x.userId);
    const from = Math.max(Date.now(), u.planExpiresAt ? Date.parse(u.planExpiresAt) : 0);
    u.plan = 'premium';
    u.planExpiresAt = new Date(from + x.days * 86400_000).toISOString();
  }
  return [200, { received: true }];
});

const adminOnly = (me) => {
  const u = me();
  if (u.role !== 'admin') fail(403, 'forbidden');
  return u;
};
route('GET', '/admin/users', ({ me, q }) => {
  adminOnly(me);
  const s = (q.get('q') || '').toLowerCase();
  const items = [...users.values()].filter((u) => !s || u.username.toLowerCase().includes(s) || u.email.toLowerCase().includes(s)).map(selfView);
  return [200, { items, nextCursor: null }];
});
route('PATCH', '/admin/users/:id', ({ me, p, body }) => {
  const a = adminOnly(me);
  const u = users.get(Number(p.id));
  if (!u) fail(404, 'not_found');
  if (u.id === a.id) fail(400, 'validation_failed', 'self');
  const before = { role: u.role, banned: u.banned };
  if (body.role) u.role = body.role;
  if (typeof body.banned === 'boolean') u.banned = body.banned;
  audit.push({ id: id(), actorId: a.id, action: 'user.update', targetType: 'user', targetId: u.id, requestId: randomBytes(4).toString('hex'), before, after: { role: u.role, banned: u.banned }, createdAt: now() });
  revokeUser(u.id);
  return [200, selfView(u)];
});
route('GET', '/admin/payments', ({ me, q }) => {
  adminOnly(me);
  const st = q.get('status');
  return [200, { items: [...payments.values()].map((x) => x.view).filter((v) => !st || v.status === st), nextCursor: null }];
});
route('GET', '/admin/stats', ({ me }) => {
  adminOnly(me);
  const revenueCents = [...payments.values()].filter((x) => x.view.status === 'succeeded').reduce((n, x) => n + x.view.amount, 0);
  const messages24h = [...privateConvs.values(), ...groups.values()].reduce((n, c) => n + c.messages.length, 0);
  return [200, { users: users.size, onlineNow: new Set([...sockets].map((s) => s.userId)).size, messages24h, groups: groups.size, revenueCents }];
});
route('GET', '/admin/audit', ({ me }) => {
  adminOnly(me);
  return [200, { items: [...audit].reverse(), nextCursor: null }];
});

// --- HTTP server -----------------------------------------------------------------------------------------
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

// The same strict policy as the Go server's: no inline scripts or handlers, Stripe allowed.
const CSP = "default-src 'self'; script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; " +
  "connect-src 'self' ws: wss: https://api.stripe.com; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; " +
  "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

function serveStatic(url, res) {
  let file = normalize(join(STATIC, decodeURIComponent(url.pathname)));
  if (!file.startsWith(STATIC) || !existsSync(file) || statSync(file).isDirectory()) file = join(STATIC, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404).end('build the app first: npm run build');
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP });
  createReadStream(file).pipe(res);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === '/healthz') return void res.writeHead(200).end('{"status":"ok"}');
  if (!url.pathname.startsWith('/api/')) return serveStatic(url, res);
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const send = (status, body) => {
    res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  try {
    let body = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        fail(400, 'invalid_json');
      }
    }
    for (const r of routes) {
      const m = r.method === req.method && r.re.exec(url.pathname);
      if (!m) continue;
      const [status, out] = await r.fn({ req, res, raw, body, p: m.groups || {}, q: url.searchParams, me: () => authUser(req) });
      return send(status, out);
    }
    fail(404, 'not_found');
  } catch (e) {
    if (e instanceof HttpError) return send(e.status, { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } });
    console.error(e);
    send(500, { error: { code: 'internal', message: 'internal' } });
  }
});

// --- WebSockets ------------------------------------------------------------------------------------------
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

function friendsOf(uid) {
  const out = [];
  for (const k of friendships.keys()) {
    const [a, b] = k.split(':').map(Number);
    if (a === uid) out.push(b);
    if (b === uid) out.push(a);
  }
  return out;
}

function presence(uid, status) {
  push('private', friendsOf(uid), { type: 'presence', data: { userId: uid, status, lastSeenAt: status === 'offline' ? now() : null } });
}

function joinRooms(g) {
  for (const s of sockets) {
    if (s.kind === 'group' && g.members.has(s.userId) && !s.groups.has(g.id)) {
      s.groups.add(g.id);
      s.ws.send(JSON.stringify({ type: 'group.joined', data: { group: groupView(g, s.userId, false) } }));
    }
  }
}

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const kind = url.pathname === '/ws/private' ? 'private' : url.pathname === '/ws/group' ? 'group' : null;
  const uid = access.get(url.searchParams.get('access_token') || '');
  const user = uid && users.get(uid);
  if (!kind || !user || user.banned) {
    socket.write(`HTTP/1.1 ${kind ? '401 Unauthorized' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
    return socket.destroy();
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const wasOnline = online(user.id);
    const s = { ws, kind, userId: user.id, groups: new Set() };
    sockets.add(s);
    if (kind === 'group') for (const g of groups.values()) if (!g.deleted && g.members.has(user.id)) s.groups.add(g.id);
    ws.send(JSON.stringify({ type: 'ready', data: { userId: user.id, ...(kind === 'group' ? { groups: [...s.groups] } : {}) } }));
    if (!wasOnline) presence(user.id, 'online');
    ws.on('close', () => {
      sockets.delete(s);
      if (!online(user.id)) setTimeout(() => !online(user.id) && presence(user.id, 'offline'), 1000);
    });
    ws.on('message', (data) => {
      let env;
      try {
        env = JSON.parse(String(data));
      } catch {
        return ws.send(JSON.stringify({ type: 'error', data: { code: 'invalid_json', message: 'bad frame' } }));
      }
      const reply = (type, d) => ws.send(JSON.stringify({ type, ...(env.id ? { id: env.id } : {}), data: d }));
      const d = env.data || {};
      const target = kind === 'private' ? { toUserId: Number(d.toUserId) } : { groupId: Number(d.groupId) };
      try {
        switch (env.type) {
          case 'message.send': {
            const r = postMessage(users.get(user.id), target, d.body, d.clientMsgId);
            reply('ack', { message: r.message });
            if (r.created) push(kind, r.recipients, { type: 'message.new', data: { message: r.message } });
            break;
          }
          case 'typing': {
            const to = kind === 'private' ? [target.toUserId] : [...memberGroup(user.id, target.groupId).members.keys()].filter((x) => x !== user.id);
            push(kind, to, { type: 'typing', data: { userId: user.id, ...target } });
            break;
          }
          case 'read': {
            const conv = kind === 'private' ? privateConv(user.id, target.toUserId) : memberGroup(user.id, target.groupId);
            conv.reads[user.id] = Math.max(conv.reads[user.id] || 0, Number(d.seq) || 0);
            const to = kind === 'private' ? [conv.a, conv.b] : [...conv.members.keys()];
            push(kind, to, { type: 'read', data: { userId: user.id, conversation: { type: kind, id: conv.id }, seq: conv.reads[user.id] } });
            break;
          }
          case 'sync': {
            for (const c of d.conversations || []) {
              const conv = c.toUserId ? privateConv(user.id, Number(c.toUserId)) : memberGroup(user.id, c.groupId);
              for (const m of conv.messages.filter((x) => x.seq > (Number(c.afterSeq) || 0))) ws.send(JSON.stringify({ type: 'message.new', data: { message: m } }));
            }
            reply('sync.done', {});
            break;
          }
          case 'ping':
            reply('pong', {});
            break;
          default:
            reply('error', { code: 'validation_failed', message: `unknown type ${env.type}` });
        }
      } catch (e) {
        reply('error', { code: e.code || 'internal', message: e.message });
      }
    });
  });
});

server.listen(PORT, HOST, () => console.log(`mock WorkComm server on http://${HOST}:${PORT} (static: ${STATIC})`));
