import { DestroyRef, InjectionToken, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';
import { environment } from '../../../environments/environment';
import { AuthService } from '../auth/auth.service';
import { ConversationRef, Envelope, Message } from '../api/models';
import { ConversationKey } from '../chat/conversation-key';
import { MessageLists, missingBelow } from '../chat/message-list';

/** The part of the browser WebSocket that the socket services use (a fake implements it in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** WEBSOCKET_FACTORY opens a socket; tests replace it with a fake. */
export const WEBSOCKET_FACTORY = new InjectionToken<(url: string) => WebSocketLike>('WEBSOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => (url: string) => new WebSocket(url) as unknown as WebSocketLike,
});

/** WebSocket.OPEN, spelled out so that tests need no browser WebSocket. */
const OPEN = 1;

/** First reconnect delay; doubles on each failed attempt. */
export const RECONNECT_BASE_MS = 500;
/** Longest wait between two attempts, so a server back after an outage is found within half a minute. */
export const RECONNECT_MAX_MS = 30_000;
/** How long a typing indicator lasts without a new `typing` event (the sender repeats it every ~3 s). */
export const TYPING_TTL_MS = 5_000;
/** Send an app-level `ping` this often, so a half-open connection (sleep, proxy) shows up. */
export const HEARTBEAT_MS = 25_000;
/** A socket silent for this long is dead: close it and reconnect (the server's own limit is 60 s). */
export const SILENCE_LIMIT_MS = 60_000;
/** Refresh the token before connecting when it expires within this margin. */
const TOKEN_MARGIN_MS = 30_000;
/**
 * A socket refused before `ready` may mean a revoked token (ban) or just a server or network outage, which
 * the browser does not tell apart. Refresh for that reason at most this often: each refresh rotates the
 * refresh token, and a rotation racing a page reload would look like token reuse to the server.
 */
export const REFRESH_THROTTLE_MS = 30_000;

/** Connection state shown in the UI. */
export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

/** A message sent but not yet acknowledged: shown with a pending mark, resent on reconnect. */
export interface PendingMessage {
  clientMsgId: string;
  key: ConversationKey;
  body: string;
  createdAt: string;
  /** The error code when the server refused it (no automatic resend then). */
  failed?: string;
}

/** Events for stores that keep lists (unread counts, conversation order, group membership). */
export type SocketEvent =
  | { type: 'ready' }
  | { type: 'message'; key: ConversationKey; message: Message }
  | { type: 'read'; key: ConversationKey; userId: number; seq: number }
  | { type: 'unknown-conversation'; conversation: ConversationRef }
  | { type: 'group.joined'; group: unknown }
  | { type: 'group.left'; groupId: number }
  | { type: 'error'; code: string; message: string };

function refKey(ref: ConversationRef): string {
  return `${ref.type}:${ref.id}`;
}

/** newId makes a client id: crypto.randomUUID where the page is a secure context, a random string elsewhere. */
export function newId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * ChatSocketBase owns one WebSocket of one kind (/ws/private or /ws/group) and the message state it feeds.
 *
 * - Auth with `?access_token=`; a refresh first when the token is about to expire or the last attempt was
 *   refused before `ready`; a refused refresh ends the session (banned, revoked), so the socket stops.
 * - Reconnect with exponential backoff and full jitter, at once when the browser comes back online.
 * - After every `ready`: `sync` from the last contiguous seq of each conversation, then the resend of every
 *   unacknowledged message with its first clientMsgId (the server answers a duplicate with the first message).
 * - Messages de-duplicated by id and ordered by seq; a gap in seq asks for a `sync`.
 * - One dispatch table, built once; each new socket gets the same bound listener.
 */
export abstract class ChatSocketBase {
  /** '/ws/private' or '/ws/group'. */
  protected abstract readonly path: string;
  /** The conversation field of this socket kind for a key: {toUserId} or {groupId}. */
  protected abstract target(key: ConversationKey): Record<string, number> | null;
  /** The key of a message whose conversation id we have not seen yet (null: ask the store). */
  protected abstract guessKey(message: Message): ConversationKey | null;
  /** The key a `typing` or `read` event refers to. */
  protected abstract eventKey(data: { userId?: number; toUserId?: number; groupId?: number; conversation?: ConversationRef }): ConversationKey | null;

  protected readonly auth = inject(AuthService);
  private readonly openSocket = inject(WEBSOCKET_FACTORY);

  private readonly lists = new MessageLists();
  private readonly statusState = signal<SocketStatus>('idle');
  private readonly pendingState = signal<Record<ConversationKey, PendingMessage[]>>({});
  private readonly typingState = signal<Record<ConversationKey, Record<number, number>>>({});
  private readonly readsState = signal<Record<ConversationKey, Record<number, number>>>({});
  private readonly presenceState = signal<Record<number, 'online' | 'offline'>>({});

  /** Connection state. */
  readonly status = this.statusState.asReadonly();
  /** Confirmed messages per conversation key, ascending seq, no duplicates. */
  readonly messages = this.lists.all;
  /** Unacknowledged messages per conversation key, oldest first. */
  readonly pending = this.pendingState.asReadonly();
  /** Who is typing: key → userId → expiry time (ms). */
  readonly typing = this.typingState.asReadonly();
  /** Read marks of other participants: key → userId → seq. */
  readonly reads = this.readsState.asReadonly();
  /** Presence by user id, from live events. */
  readonly presence = this.presenceState.asReadonly();
  /** Stream of events for list stores. */
  readonly events = new Subject<SocketEvent>();

  private ws: WebSocketLike | null = null;
  private wanted = false;
  private attempt = 0;
  private gotReady = false;
  private refreshBeforeConnect = false;
  private lastRefreshAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** server conversation ("private:12") → our key ("u:5"). */
  private readonly keyByConversation = new Map<string, ConversationKey>();
  /** Messages waiting for their conversation to be known. */
  private unresolved: Message[] = [];

  /** The dispatch table: registered once for the lifetime of the service. */
  private readonly handlers: Record<string, (data: any, env: Envelope) => void> = {
    ready: () => this.onReady(),
    ack: (data, env) => this.onAck(env.id, data?.message),
    error: (data, env) => this.onError(env.id, data),
    'message.new': (data) => this.onMessage(data?.message, true),
    'message.updated': (data) => this.onMessage(data?.message, false),
    'message.deleted': (data) => this.onMessage(data?.message, false),
    typing: (data) => this.onTyping(data),
    read: (data) => this.onRead(data),
    presence: (data) => this.onPresence(data),
    'group.joined': (data) => this.events.next({ type: 'group.joined', group: data?.group }),
    'group.left': (data) => this.events.next({ type: 'group.left', groupId: Number(data?.groupId) }),
    'sync.done': () => undefined,
    pong: () => undefined,
  };
  /** The one listener every socket gets. */
  private readonly onFrame = (ev: { data: unknown }) => this.dispatch(ev.data);
  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => this.ws?.close(4000, 'offline');

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
    inject(DestroyRef).onDestroy(() => {
      this.stop();
      if (typeof window !== 'undefined') {
        window.removeEventListener('online', this.onOnline);
        window.removeEventListener('offline', this.onOffline);
      }
    });
  }

  /** start connects (idempotent) and keeps the socket connected until stop(). */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt = 0;
    void this.connect();
  }

  /** stop closes the socket and forgets all state (sign-out). */
  stop(): void {
    this.wanted = false;
    this.clearReconnect();
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, 'bye');
    }
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.keyByConversation.clear();
    this.unresolved = [];
    this.statusState.set('idle');
    this.lists.clear();
    this.pendingState.set({});
    this.typingState.set({});
    this.readsState.set({});
    this.presenceState.set({});
  }

  /** send queues a message (optimistic, pending) and sends it when the socket is open; returns its clientMsgId. */
  send(key: ConversationKey, body: string): string {
    const pending: PendingMessage = { clientMsgId: newId(), key, body, createdAt: new Date().toISOString() };
    this.pendingState.update((all) => ({ ...all, [key]: [...(all[key] ?? []), pending] }));
    this.transmit(pending);
    return pending.clientMsgId;
  }

  /** retry sends a refused message again with its clientMsgId. */
  retry(key: ConversationKey, clientMsgId: string): void {
    const p = (this.pendingState()[key] ?? []).find((x) => x.clientMsgId === clientMsgId);
    if (!p) return;
    const again = { ...p, failed: undefined };
    this.replacePending(key, clientMsgId, again);
    this.transmit(again);
  }

  /** confirm settles a pending message that was delivered another way (the REST fallback). */
  confirm(key: ConversationKey, clientMsgId: string, message: Message): void {
    this.replacePending(key, clientMsgId, null);
    this.keyByConversation.set(refKey(message.conversation), key);
    const known = this.lists.has(key, message.id);
    this.lists.merge(key, [message]);
    if (!known) this.events.next({ type: 'message', key, message });
  }

  /** markFailed records that the server refused a pending message (no automatic resend then). */
  markFailed(key: ConversationKey, clientMsgId: string, code: string): void {
    const p = this.pendingMessage(key, clientMsgId);
    if (p) this.replacePending(key, clientMsgId, { ...p, failed: code });
  }

  /** pendingMessage finds an unacknowledged message. */
  pendingMessage(key: ConversationKey, clientMsgId: string): PendingMessage | undefined {
    return (this.pendingState()[key] ?? []).find((p) => p.clientMsgId === clientMsgId);
  }

  /** discard drops a refused pending message. */
  discard(key: ConversationKey, clientMsgId: string): void {
    this.replacePending(key, clientMsgId, null);
  }

  /** sendTyping tells the others that we type (the caller throttles). */
  sendTyping(key: ConversationKey): void {
    const target = this.target(key);
    if (target) this.frame({ type: 'typing', data: target });
  }

  /** sendRead stores our read mark through the socket; false when the socket is not open (use REST). */
  sendRead(key: ConversationKey, seq: number): boolean {
    const target = this.target(key);
    if (!target || !this.isOpen()) return false;
    return this.frame({ type: 'read', data: { ...target, seq } });
  }

  /** ingest merges messages from REST (history pages) into the same de-duplicated state. */
  ingest(key: ConversationKey, messages: readonly Message[]): void {
    for (const m of messages) this.keyByConversation.set(refKey(m.conversation), key);
    this.lists.merge(key, messages);
  }

  /** learnConversation tells the socket which key a server conversation belongs to. */
  learnConversation(ref: ConversationRef, key: ConversationKey): void {
    this.keyByConversation.set(refKey(ref), key);
    const waiting = this.unresolved.filter((m) => refKey(m.conversation) === refKey(ref));
    if (waiting.length === 0) return;
    this.unresolved = this.unresolved.filter((m) => refKey(m.conversation) !== refKey(ref));
    this.lists.merge(key, waiting);
    for (const m of waiting) this.events.next({ type: 'message', key, message: m });
  }

  /** upsert applies a message changed through REST (edit, delete) at once. */
  upsert(key: ConversationKey, message: Message): void {
    this.lists.merge(key, [message]);
  }

  /** lastSeq is the highest seq seen without a gap in a conversation (0: none). */
  lastSeq(key: ConversationKey): number {
    return this.lists.lastSeq(key);
  }

  /** isOpen tells whether the socket is connected and ready. */
  isOpen(): boolean {
    return this.statusState() === 'open' && this.ws?.readyState === OPEN;
  }

  // --- connection ---------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.wanted || this.ws) return;
    this.statusState.set(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const suspectToken = this.refreshBeforeConnect && Date.now() - this.lastRefreshAt >= REFRESH_THROTTLE_MS;
    if (suspectToken || !this.auth.tokenValidFor(TOKEN_MARGIN_MS)) {
      this.lastRefreshAt = Date.now();
      const outcome = await this.auth.refresh();
      if (!this.wanted) return;
      if (outcome === 'rejected') {
        this.stop();
        return;
      }
      if (outcome === 'network') {
        this.scheduleReconnect();
        return;
      }
      this.refreshBeforeConnect = false;
    }
    const token = this.auth.accessToken();
    if (!token || this.ws) {
      if (!token) this.scheduleReconnect();
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = this.openSocket(this.url(token));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.gotReady = false;
    ws.onmessage = this.onFrame;
    ws.onerror = () => undefined;
    ws.onclose = () => this.onClose(ws);
  }

  private onClose(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopHeartbeat();
    // Closed before `ready`: the handshake may have been refused (expired or revoked token).
    if (!this.gotReady) this.refreshBeforeConnect = true;
    this.gotReady = false;
    if (this.wanted) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer) return;
    this.statusState.set('reconnecting');
    const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.attempt);
    // "Equal jitter": at least half the ceiling, so clients that lost the server together spread out.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private reconnectNow(): void {
    if (!this.wanted || this.ws) return;
    this.clearReconnect();
    this.attempt = 0;
    void this.connect();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.lastFrameAt = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        this.ws?.close(4002, 'silent');
        return;
      }
      this.frame({ type: 'ping', id: newId() });
    }, HEARTBEAT_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private url(token: string): string {
    let base = environment.socketBaseUrl.replace(/\/$/, '');
    if (!base && typeof location !== 'undefined') {
      base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    }
    return `${base}${this.path}?access_token=${encodeURIComponent(token)}`;
  }

  private frame(env: Envelope): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    try {
      this.ws.send(JSON.stringify(env));
      return true;
    } catch {
      return false;
    }
  }

  private transmit(p: PendingMessage): void {
    // Only after `ready`: before it, the resend in onReady sends it (once).
    if (!this.gotReady) return;
    const target = this.target(p.key);
    if (!target) return;
    this.frame({ type: 'message.send', id: p.clientMsgId, data: { ...target, body: p.body, clientMsgId: p.clientMsgId } });
  }

  // --- inbound ------------------------------------------------------------------------------------------

  private dispatch(raw: unknown): void {
    this.lastFrameAt = Date.now();
    let env: Envelope;
    try {
      env = JSON.parse(String(raw)) as Envelope;
    } catch {
      return;
    }
    const handler = env && typeof env.type === 'string' ? this.handlers[env.type] : undefined;
    handler?.(env.data, env);
  }

  private onReady(): void {
    this.gotReady = true;
    this.attempt = 0;
    this.refreshBeforeConnect = false;
    this.statusState.set('open');
    this.startHeartbeat();
    const conversations: Record<string, number>[] = [];
    for (const key of this.lists.keys()) {
      const target = this.target(key);
      const afterSeq = this.lastSeq(key);
      if (target && afterSeq > 0) conversations.push({ ...target, afterSeq });
    }
    if (conversations.length > 0) this.frame({ type: 'sync', id: newId(), data: { conversations } });
    for (const list of Object.values(this.pendingState())) {
      for (const p of list) if (!p.failed) this.transmit(p);
    }
    this.events.next({ type: 'ready' });
  }

  private onAck(id: string | undefined, message: Message | undefined): void {
    if (!id || !message) return;
    const p = this.findPending(id);
    const key = p?.key ?? this.resolve(message);
    if (p) this.replacePending(p.key, p.clientMsgId, null);
    if (!key) return;
    this.keyByConversation.set(refKey(message.conversation), key);
    const known = this.lists.has(key, message.id);
    this.lists.merge(key, [message]);
    if (!known) this.events.next({ type: 'message', key, message });
  }

  private onError(id: string | undefined, data: { code?: string; message?: string } | undefined): void {
    const code = data?.code ?? 'internal';
    const p = id ? this.findPending(id) : undefined;
    if (p) this.replacePending(p.key, p.clientMsgId, { ...p, failed: code });
    this.events.next({ type: 'error', code, message: data?.message ?? '' });
  }

  private onMessage(message: Message | undefined, isNew: boolean): void {
    if (!message || typeof message.id !== 'number') return;
    const key = this.resolve(message);
    if (!key) {
      this.unresolved.push(message);
      this.events.next({ type: 'unknown-conversation', conversation: message.conversation });
      return;
    }
    const known = this.lists.has(key, message.id);
    if (!isNew && !known) {
      // An edit of a message we never loaded: history will bring it when needed.
      return;
    }
    const missing = missingBelow(this.lists.of(key), message.seq);
    // Our own message echoed (other tab, or ack lost): it is no longer pending.
    if (message.clientMsgId) {
      const p = (this.pendingState()[key] ?? []).find((x) => x.clientMsgId === message.clientMsgId);
      if (p) this.replacePending(key, p.clientMsgId, null);
    }
    this.lists.merge(key, [message]);
    if (isNew) this.clearTyping(key, message.senderId);
    if (isNew && !known) {
      if (missing !== null) {
        const target = this.target(key);
        if (target) this.frame({ type: 'sync', id: newId(), data: { conversations: [{ ...target, afterSeq: missing }] } });
      }
      this.events.next({ type: 'message', key, message });
    }
  }

  private onTyping(data: { userId?: number }): void {
    const userId = Number(data?.userId);
    if (!userId || userId === this.auth.user()?.id) return;
    const key = this.eventKey(data);
    if (!key) return;
    const expires = Date.now() + TYPING_TTL_MS;
    this.typingState.update((all) => ({ ...all, [key]: { ...(all[key] ?? {}), [userId]: expires } }));
    const timerKey = `${key}|${userId}`;
    const old = this.typingTimers.get(timerKey);
    if (old) clearTimeout(old);
    this.typingTimers.set(
      timerKey,
      setTimeout(() => this.clearTyping(key, userId), TYPING_TTL_MS),
    );
  }

  private clearTyping(key: ConversationKey, userId: number): void {
    const timerKey = `${key}|${userId}`;
    const t = this.typingTimers.get(timerKey);
    if (t) clearTimeout(t);
    this.typingTimers.delete(timerKey);
    const current = this.typingState()[key];
    if (!current || !(userId in current)) return;
    const { [userId]: _gone, ...rest } = current;
    this.typingState.update((all) => ({ ...all, [key]: rest }));
  }

  private onRead(data: { userId?: number; conversation?: ConversationRef; seq?: number }): void {
    const userId = Number(data?.userId);
    const seq = Number(data?.seq);
    if (!userId || !seq) return;
    const key = this.eventKey(data);
    if (!key) return;
    this.readsState.update((all) => {
      const current = all[key] ?? {};
      if ((current[userId] ?? 0) >= seq) return all;
      return { ...all, [key]: { ...current, [userId]: seq } };
    });
    this.events.next({ type: 'read', key, userId, seq });
  }

  private onPresence(data: { userId?: number; status?: string }): void {
    const userId = Number(data?.userId);
    if (!userId) return;
    const status = data?.status === 'online' ? 'online' : 'offline';
    this.presenceState.update((all) => ({ ...all, [userId]: status }));
  }

  // --- state helpers ------------------------------------------------------------------------------------

  /** keyOfConversation maps a server conversation to our key, if known. */
  protected keyOfConversation(ref: ConversationRef | undefined): ConversationKey | null {
    return ref ? (this.keyByConversation.get(refKey(ref)) ?? null) : null;
  }

  private resolve(message: Message): ConversationKey | null {
    const known = this.keyByConversation.get(refKey(message.conversation));
    if (known) return known;
    const guess = this.guessKey(message);
    if (guess) this.keyByConversation.set(refKey(message.conversation), guess);
    return guess;
  }

  private findPending(clientMsgId: string): PendingMessage | undefined {
    for (const list of Object.values(this.pendingState())) {
      const p = list.find((x) => x.clientMsgId === clientMsgId);
      if (p) return p;
    }
    return undefined;
  }

  private replacePending(key: ConversationKey, clientMsgId: string, next: PendingMessage | null): void {
    this.pendingState.update((all) => {
      const list = all[key] ?? [];
      const updated = next
        ? list.map((p) => (p.clientMsgId === clientMsgId ? next : p))
        : list.filter((p) => p.clientMsgId !== clientMsgId);
      return { ...all, [key]: updated };
    });
  }
}
