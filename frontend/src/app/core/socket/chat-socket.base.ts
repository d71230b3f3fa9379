import { DestroyRef, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { ConversationRef, Envelope, Message } from '../api/models';
import { ConversationKey } from '../chat/conversation-key';
import { MessageLists, missingBelow } from '../chat/message-list';
import { Outbox, PendingMessage } from '../chat/socket/outbox';
import { newId } from '../util/id';
import { SocketConnection } from './socket-connection';
import { WEBSOCKET_FACTORY } from './websocket';

/** How long a typing indicator lasts without a new `typing` event (the sender repeats it every ~3 s). */
export const TYPING_TTL_MS = 5_000;

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

/**
 * ChatSocketBase owns one WebSocket of one kind (/ws/private or /ws/group) and the message state it feeds.
 *
 * - The connection (token, backoff, heartbeat) is a SocketConnection; a refused refresh forgets everything.
 * - After every `ready`: `sync` from the last contiguous seq of each conversation, then the resend of every
 *   unacknowledged message with its first clientMsgId (the server answers a duplicate with the first message).
 * - Messages de-duplicated by id and ordered by seq; a gap in seq asks for a `sync`.
 * - One dispatch table, built once; each new socket gets the same bound listener.
 */
export abstract class ChatSocketBase {
  /** '/ws/private' or '/ws/group'. */
  protected abstract socketPath(): string;
  /** The conversation field of this socket kind for a key: {toUserId} or {groupId}. */
  protected abstract target(key: ConversationKey): Record<string, number> | null;
  /** The key of a message whose conversation id we have not seen yet (null: ask the store). */
  protected abstract guessKey(message: Message): ConversationKey | null;
  /** The key a `typing` or `read` event refers to. */
  protected abstract eventKey(data: { userId?: number; toUserId?: number; groupId?: number; conversation?: ConversationRef }): ConversationKey | null;

  protected readonly auth = inject(AuthService);
  private readonly connection = new SocketConnection({
    path: this.socketPath(),
    openSocket: inject(WEBSOCKET_FACTORY),
    tokens: this.auth,
    onFrame: (env) => this.dispatch(env),
    onRejected: () => this.stop(),
  });

  private readonly lists = new MessageLists();
  private readonly outbox = new Outbox((p) => this.transmit(p));
  private readonly typingState = signal<Record<ConversationKey, Record<number, number>>>({});
  private readonly readsState = signal<Record<ConversationKey, Record<number, number>>>({});
  private readonly presenceState = signal<Record<number, 'online' | 'offline'>>({});

  /** Connection state. */
  readonly status = this.connection.status;
  /** Confirmed messages per conversation key, ascending seq, no duplicates. */
  readonly messages = this.lists.all;
  /** Unacknowledged messages per conversation key, oldest first. */
  readonly pending = this.outbox.pending;
  /** Who is typing: key → userId → expiry time (ms). */
  readonly typing = this.typingState.asReadonly();
  /** Read marks of other participants: key → userId → seq. */
  readonly reads = this.readsState.asReadonly();
  /** Presence by user id, from live events. */
  readonly presence = this.presenceState.asReadonly();
  /** Stream of events for list stores. */
  readonly events = new Subject<SocketEvent>();

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
  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.stop();
      this.connection.dispose();
    });
  }

  /** start connects (idempotent) and keeps the socket connected until stop(). */
  start(): void {
    this.connection.start();
  }

  /** stop closes the socket and forgets all state (sign-out). */
  stop(): void {
    this.connection.stop();
    for (const t of this.typingTimers.values()) clearTimeout(t);
    this.typingTimers.clear();
    this.keyByConversation.clear();
    this.unresolved = [];
    this.lists.clear();
    this.outbox.clear();
    this.typingState.set({});
    this.readsState.set({});
    this.presenceState.set({});
  }

  /** send queues a message (optimistic, pending) and sends it when the socket is open; returns its clientMsgId. */
  send(key: ConversationKey, body: string): string {
    return this.outbox.add(key, body).clientMsgId;
  }

  /** retry sends a refused message again with its clientMsgId. */
  retry(key: ConversationKey, clientMsgId: string): void {
    this.outbox.retry(key, clientMsgId);
  }

  /** confirm settles a pending message that was delivered another way (the REST fallback). */
  confirm(key: ConversationKey, clientMsgId: string, message: Message): void {
    this.outbox.settle(key, clientMsgId);
    this.keyByConversation.set(refKey(message.conversation), key);
    const known = this.lists.has(key, message.id);
    this.lists.merge(key, [message]);
    if (!known) this.events.next({ type: 'message', key, message });
  }

  /** markFailed records that the server refused a pending message (no automatic resend then). */
  markFailed(key: ConversationKey, clientMsgId: string, code: string): void {
    this.outbox.markFailed(key, clientMsgId, code);
  }

  /** pendingMessage finds an unacknowledged message. */
  pendingMessage(key: ConversationKey, clientMsgId: string): PendingMessage | undefined {
    return this.outbox.get(key, clientMsgId);
  }

  /** discard drops a refused pending message. */
  discard(key: ConversationKey, clientMsgId: string): void {
    this.outbox.settle(key, clientMsgId);
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
    return this.connection.isOpen();
  }

  private frame(env: Envelope): boolean {
    return this.connection.send(env);
  }

  private transmit(p: PendingMessage): void {
    // Only after `ready`: before it, the resend in onReady sends it (once).
    if (!this.connection.ready) return;
    const target = this.target(p.key);
    if (!target) return;
    this.frame({ type: 'message.send', id: p.clientMsgId, data: { ...target, body: p.body, clientMsgId: p.clientMsgId } });
  }

  // --- inbound ------------------------------------------------------------------------------------------

  private dispatch(env: Envelope): void {
    this.handlers[env.type]?.(env.data, env);
  }

  private onReady(): void {
    const conversations: Record<string, number>[] = [];
    for (const key of this.lists.keys()) {
      const target = this.target(key);
      const afterSeq = this.lastSeq(key);
      if (target && afterSeq > 0) conversations.push({ ...target, afterSeq });
    }
    if (conversations.length > 0) this.frame({ type: 'sync', id: newId(), data: { conversations } });
    this.outbox.resendAll();
    this.events.next({ type: 'ready' });
  }

  private onAck(id: string | undefined, message: Message | undefined): void {
    if (!id || !message) return;
    const p = this.outbox.take(id);
    const key = p?.key ?? this.resolve(message);
    if (!key) return;
    this.keyByConversation.set(refKey(message.conversation), key);
    const known = this.lists.has(key, message.id);
    this.lists.merge(key, [message]);
    if (!known) this.events.next({ type: 'message', key, message });
  }

  private onError(id: string | undefined, data: { code?: string; message?: string } | undefined): void {
    const code = data?.code ?? 'internal';
    if (id) this.outbox.refuse(id, code);
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
    if (message.clientMsgId) this.outbox.settle(key, message.clientMsgId);
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
}
