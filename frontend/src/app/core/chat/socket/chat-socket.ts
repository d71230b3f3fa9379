import { DestroyRef, Signal, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';
import { ConversationRef, Envelope, Friend, FriendRequest, GroupSettings, Message, PublicUser, Reaction, SendExtras, sendExtras } from '../../api/models';
import { AuthService } from '../../auth/auth.service';
import { SocketConnection, SocketStatus } from '../../socket/socket-connection';
import { WEBSOCKET_FACTORY } from '../../socket/websocket';
import { newId } from '../../util/id';
import { ConversationKey, ConversationKind, groupKey, idOf, kindOf, privateKey } from '../conversation-key';
import { MessageLists, mergeMessages, missingBelow } from '../message-list';
import { ConversationResolver } from './conversation-resolver';
import { Outbox, PendingMessage } from './outbox';
import { TypingTracker } from './typing-tracker';

/** How many live messages a detached conversation keeps aside at most (attach's `sync` brings any others). */
const HELD_MAX = 200;

/** Events for stores that keep lists (unread counts, conversation order, group membership). */
export type SocketEvent =
  | { type: 'ready' }
  | { type: 'message'; key: ConversationKey; message: Message }
  | { type: 'read'; key: ConversationKey; userId: number; seq: number }
  | { type: 'unknown-conversation'; conversation: ConversationRef }
  | { type: 'group.joined'; group: unknown }
  | { type: 'group.left'; groupId: number }
  | { type: 'group.updated'; group: GroupSettings }
  | { type: 'friend.requested'; request: FriendRequest }
  | { type: 'friend.accepted'; friend: Friend }
  | { type: 'friend.declined'; requestId: number }
  | { type: 'friend.removed'; userId: number }
  | { type: 'settings.updated'; key: ConversationKey; muted: boolean }
  | { type: 'user.updated'; user: PublicUser }
  | { type: 'error'; code: string; message: string };

/** The conversation fields of a `typing` or `read` event. */
export interface EventTarget {
  userId?: number;
  toUserId?: number;
  groupId?: number;
  conversation?: ConversationRef;
}

/** What tells the two socket kinds apart: everything else is the same ChatSocket. */
export interface SocketKind {
  /** The socket's URL path. */
  readonly path: '/ws/private' | '/ws/group';
  /** The conversations it carries. */
  readonly kind: ConversationKind;
  /** The frame field that names one of them: `{toUserId}` or `{groupId}`. */
  readonly field: 'toUserId' | 'groupId';
  /** The key of a message whose server conversation is not known yet; null: hold it until the store knows. */
  guessKey(message: Message, me: number | undefined): ConversationKey | null;
  /** The key a `typing` or `read` event refers to (`known` maps a server conversation already seen). */
  eventKey(data: EventTarget, me: number | undefined, known: (ref?: ConversationRef) => ConversationKey | null): ConversationKey | null;
}

/**
 * ChatSocket is one socket kind (/ws/private or /ws/group) and the message state it feeds, put together from
 * its parts: the SocketConnection (token, backoff, heartbeat), MessageLists (dedupe by id, order by seq),
 * the Outbox (pending, resend), a TypingTracker and a ConversationResolver.
 *
 * After every `ready`: a `sync` from the last contiguous seq of each conversation, then the resend of every
 * unacknowledged message with its first clientMsgId. A gap in seq asks for a `sync`. One dispatch table,
 * built once; the connection gives every new socket the same listener.
 */
export class ChatSocket {
  private readonly auth = inject(AuthService);
  private readonly connection: SocketConnection;
  private readonly lists = new MessageLists();
  private readonly outbox = new Outbox((p) => this.transmit(p));
  private readonly typingTracker = new TypingTracker();
  private readonly resolver = new ConversationResolver();
  private readonly readsState = signal<Record<ConversationKey, Record<number, number>>>({});
  private readonly presenceState = signal<Record<number, 'online' | 'offline'>>({});
  private readonly lastSeenState = signal<Record<number, string>>({});
  /** Live messages of a detached conversation, kept aside until its window reaches the end again. */
  private held: Record<ConversationKey, Message[]> = {};

  /** Connection state. */
  readonly status: Signal<SocketStatus>;
  /** Confirmed messages per conversation key, ascending seq, no duplicates. */
  readonly messages = this.lists.all;
  /** The conversations shown as an old window (newer messages not loaded; see MessageLists). */
  readonly detached = this.lists.detached;
  /** Unacknowledged messages per conversation key, oldest first. */
  readonly pending = this.outbox.pending;
  /** Who is typing: key → userId → expiry time (ms). */
  readonly typing = this.typingTracker.typing;
  /** Read marks of other participants: key → userId → seq. */
  readonly reads = this.readsState.asReadonly();
  /** Presence by user id, from live events. */
  readonly presence = this.presenceState.asReadonly();
  /** When each user was last seen (RFC 3339), from live presence events. */
  readonly lastSeen = this.lastSeenState.asReadonly();
  /** Stream of events for list stores. */
  readonly events = new Subject<SocketEvent>();

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
    'group.updated': (data) => {
      if (typeof data?.group?.id === 'number') this.events.next({ type: 'group.updated', group: data.group });
    },
    'friend.requested': (data) => {
      if (typeof data?.request?.id === 'number' && data.request.from && data.request.to) {
        this.events.next({ type: 'friend.requested', request: data.request });
      }
    },
    'friend.accepted': (data) => {
      if (typeof data?.friend?.user?.id === 'number') this.events.next({ type: 'friend.accepted', friend: data.friend });
    },
    'friend.declined': (data) => {
      if (typeof data?.requestId === 'number') this.events.next({ type: 'friend.declined', requestId: data.requestId });
    },
    'friend.removed': (data) => {
      if (typeof data?.userId === 'number') this.events.next({ type: 'friend.removed', userId: data.userId });
    },
    // My own settings of a conversation, changed on another device.
    'settings.updated': (data) => {
      const key = typeof data?.groupId === 'number' ? groupKey(data.groupId) : typeof data?.toUserId === 'number' ? privateKey(data.toUserId) : null;
      if (key) this.events.next({ type: 'settings.updated', key, muted: !!data.muted });
    },
    'reaction.added': (data) => this.onReaction(data, true),
    'reaction.removed': (data) => this.onReaction(data, false),
    'user.updated': (data) => {
      if (typeof data?.user?.id === 'number') this.events.next({ type: 'user.updated', user: data.user });
    },
    'sync.done': () => undefined,
    pong: () => undefined,
  };

  constructor(private readonly socketKind: SocketKind) {
    this.connection = new SocketConnection({
      path: socketKind.path,
      openSocket: inject(WEBSOCKET_FACTORY),
      tokens: this.auth,
      onFrame: (env) => {
        if (Object.hasOwn(this.handlers, env.type)) this.handlers[env.type](env.data, env);
      },
      // A refused refresh ends the session: forget everything, as on sign-out.
      onRejected: () => this.stop(),
    });
    this.status = this.connection.status;
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
    this.typingTracker.clear();
    this.resolver.clear();
    this.lists.clear();
    this.held = {};
    this.outbox.clear();
    this.readsState.set({});
    this.presenceState.set({});
    this.lastSeenState.set({});
  }

  /** isOpen tells whether the socket is connected and ready. */
  isOpen(): boolean {
    return this.connection.isOpen();
  }

  /** send queues a message (optimistic, pending) and sends it when the socket is ready; returns its clientMsgId. */
  send(key: ConversationKey, body: string, extras: SendExtras = {}): string {
    return this.outbox.add(key, body, extras).clientMsgId;
  }

  /**
   * applyReaction changes a message's reaction bar for one user's emoji. Our own change may arrive twice (the
   * REST answer and the socket event): `me` tells whether it is already counted, so it is applied once.
   */
  applyReaction(messageId: number, userId: number, emoji: string, added: boolean): void {
    const mine = userId === this.me();
    this.lists.patch(messageId, (m) => ({ ...m, reactions: nextReactions(m.reactions ?? [], emoji, added, mine) }));
  }

  /** retry sends a refused message again with its clientMsgId. */
  retry(key: ConversationKey, clientMsgId: string): void {
    this.outbox.retry(key, clientMsgId);
  }

  /** discard drops a refused pending message. */
  discard(key: ConversationKey, clientMsgId: string): void {
    this.outbox.settle(key, clientMsgId);
  }

  /** pendingMessage finds an unacknowledged message. */
  pendingMessage(key: ConversationKey, clientMsgId: string): PendingMessage | undefined {
    return this.outbox.get(key, clientMsgId);
  }

  /** confirm settles a pending message that was delivered another way (the REST fallback). */
  confirm(key: ConversationKey, clientMsgId: string, message: Message): void {
    this.outbox.settle(key, clientMsgId);
    this.accept(key, message);
  }

  /** markFailed records that the server refused a pending message (no automatic resend then). */
  markFailed(key: ConversationKey, clientMsgId: string, code: string): void {
    this.outbox.markFailed(key, clientMsgId, code);
  }

  /** sendTyping tells the others that we type (the caller throttles). */
  sendTyping(key: ConversationKey): void {
    const target = this.target(key);
    if (target) this.connection.send({ type: 'typing', data: target });
  }

  /** sendRead stores our read mark through the socket; false when the socket is not open (use REST). */
  sendRead(key: ConversationKey, seq: number): boolean {
    const target = this.target(key);
    if (!target || !this.isOpen()) return false;
    return this.connection.send({ type: 'read', data: { ...target, seq } });
  }

  /** ingest merges messages from REST (history pages) into the same de-duplicated state. */
  ingest(key: ConversationKey, messages: readonly Message[]): void {
    for (const m of messages) this.resolver.learn(m.conversation, key);
    this.lists.merge(key, messages);
  }

  /**
   * showWindow replaces a conversation's messages by a history page around an old message (a search hit);
   * newer: more messages follow the page. Then the list is detached: live messages wait aside (see attach).
   */
  showWindow(key: ConversationKey, messages: readonly Message[], newer: boolean): void {
    for (const m of messages) this.resolver.learn(m.conversation, key);
    delete this.held[key];
    this.lists.replace(key, messages, newer);
  }

  /** isDetached tells whether a conversation is shown as an old window. */
  isDetached(key: ConversationKey): boolean {
    return this.lists.isDetached(key);
  }

  /**
   * attach: the window reached the newest message (paging newer). The live messages kept aside join it, and
   * a `sync` from its top brings whatever arrived in between (what is already held comes back unnoticed).
   */
  attach(key: ConversationKey): void {
    if (!this.lists.isDetached(key)) return;
    this.lists.attach(key);
    this.lists.merge(key, this.held[key] ?? []);
    delete this.held[key];
    const target = this.target(key);
    const afterSeq = this.lists.lastSeq(key);
    if (target && afterSeq > 0 && this.connection.ready) this.sync([{ ...target, afterSeq }]);
  }

  /**
   * forget drops a conversation's messages, the live ones kept aside included, and its detached mark: the next
   * history page starts it afresh (an old window taken off screen, see ChatHistory.leave). Nothing is lost:
   * every confirmed message is on the server, and the latest page brings the newest back.
   */
  forget(key: ConversationKey): void {
    delete this.held[key];
    this.lists.forget(key);
  }

  /** learnConversation tells the socket which key a server conversation belongs to. */
  learnConversation(ref: ConversationRef, key: ConversationKey): void {
    this.resolver.learn(ref, key);
    const waiting = this.resolver.release(ref);
    if (waiting.length === 0) return;
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

  /** target is the frame field naming a conversation of this socket's kind; null for the other kind. */
  private target(key: ConversationKey): Partial<Record<SocketKind['field'], number>> | null {
    return kindOf(key) === this.socketKind.kind ? { [this.socketKind.field]: idOf(key) } : null;
  }

  private transmit(p: PendingMessage): void {
    // Only after `ready`: before it, the resend in onReady sends it (once).
    if (!this.connection.ready) return;
    const target = this.target(p.key);
    if (!target) return;
    const extras = sendExtras({ replyToId: p.replyToId, attachmentIds: p.attachmentIds });
    this.connection.send({ type: 'message.send', id: p.clientMsgId, data: { ...target, body: p.body, clientMsgId: p.clientMsgId, ...extras } });
  }

  private sync(conversations: Record<string, number>[]): void {
    if (conversations.length > 0) this.connection.send({ type: 'sync', id: newId(), data: { conversations } });
  }

  /** accept merges a committed message of ours and tells the stores when it is new. */
  private accept(key: ConversationKey, message: Message): void {
    this.resolver.learn(message.conversation, key);
    const inList = this.lists.has(key, message.id);
    const known = inList || this.isHeld(key, message.id);
    if (inList || !this.holdIfDetached(key, message)) this.lists.merge(key, [message]);
    if (!known) this.events.next({ type: 'message', key, message });
  }

  /**
   * holdIfDetached keeps a new message of a detached conversation aside rather than gluing it under an old
   * window; true when it did. Bounded: past HELD_MAX the oldest go, and attach's `sync` brings them back.
   */
  private holdIfDetached(key: ConversationKey, message: Message): boolean {
    if (!this.lists.isDetached(key)) return false;
    const list = this.held[key] ?? [];
    this.held[key] = mergeMessages(list, [message]).slice(-HELD_MAX);
    return true;
  }

  private isHeld(key: ConversationKey, messageId: number): boolean {
    return !!this.held[key]?.some((m) => m.id === messageId);
  }

  /** applyOwnReaction records our own reaction once the server took it. */
  applyOwnReaction(messageId: number, emoji: string, added: boolean): void {
    const me = this.me();
    if (me !== undefined) this.applyReaction(messageId, me, emoji, added);
  }

  private onReaction(data: any, added: boolean): void {
    if (typeof data?.messageId !== 'number' || typeof data?.userId !== 'number' || typeof data?.emoji !== 'string') return;
    this.applyReaction(data.messageId, data.userId, data.emoji, added);
  }

  private me(): number | undefined {
    return this.auth.user()?.id;
  }

  private resolve(message: Message): ConversationKey | null {
    return this.resolver.resolve(message, this.socketKind.guessKey(message, this.me()));
  }

  // --- inbound ------------------------------------------------------------------------------------------

  private onReady(): void {
    const conversations: Record<string, number>[] = [];
    for (const key of this.lists.keys()) {
      // An old window has nothing to resume: paging newer brings the rest, then attach syncs.
      if (this.lists.isDetached(key)) continue;
      const target = this.target(key);
      const afterSeq = this.lists.lastSeq(key);
      if (target && afterSeq > 0) conversations.push({ ...target, afterSeq });
    }
    this.sync(conversations);
    this.outbox.resendAll();
    this.events.next({ type: 'ready' });
  }

  private onAck(id: string | undefined, message: Message | undefined): void {
    if (!id || !message) return;
    const p = this.outbox.take(id);
    const key = p?.key ?? this.resolve(message);
    if (key) this.accept(key, message);
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
      this.resolver.hold(message);
      this.events.next({ type: 'unknown-conversation', conversation: message.conversation });
      return;
    }
    const inList = this.lists.has(key, message.id);
    const known = inList || this.isHeld(key, message.id);
    // An edit of a message we never loaded: history will bring it when needed.
    if (!isNew && !known) return;
    // Our own message echoed (other tab, or ack lost): it is no longer pending.
    if (message.clientMsgId) this.outbox.settle(key, message.clientMsgId);
    // Under an old window a new message (or an edit of one kept aside) waits aside: no gap to glue over, nothing to sync.
    const held = !inList && this.holdIfDetached(key, message);
    const missing = held ? null : missingBelow(this.lists.of(key), message.seq);
    if (!held) this.lists.merge(key, [message]);
    if (!isNew) return;
    this.typingTracker.stopped(key, message.senderId);
    if (known) return;
    const target = this.target(key);
    if (missing !== null && target) this.sync([{ ...target, afterSeq: missing }]);
    this.events.next({ type: 'message', key, message });
  }

  private onTyping(data: EventTarget): void {
    const userId = Number(data?.userId);
    if (!userId || userId === this.me()) return;
    const key = this.eventKey(data);
    if (key) this.typingTracker.saw(key, userId);
  }

  private onRead(data: EventTarget & { seq?: number }): void {
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

  private onPresence(data: { userId?: number; status?: string; lastSeenAt?: string | null }): void {
    const userId = Number(data?.userId);
    if (!userId) return;
    const status = data?.status === 'online' ? 'online' : 'offline';
    this.presenceState.update((all) => ({ ...all, [userId]: status }));
    const seen = data?.lastSeenAt;
    if (typeof seen === 'string' && seen) this.lastSeenState.update((all) => ({ ...all, [userId]: seen }));
  }

  private eventKey(data: EventTarget): ConversationKey | null {
    return this.socketKind.eventKey(data, this.me(), (ref) => this.resolver.keyOf(ref));
  }
}

/** nextReactions is a reaction bar after one user added or removed one emoji (see ChatSocket.applyReaction). */
export function nextReactions(bar: readonly Reaction[], emoji: string, added: boolean, mine: boolean): Reaction[] {
  const i = bar.findIndex((r) => r.emoji === emoji);
  const have = i >= 0 ? bar[i] : null;
  if (mine && have && have.me === added) return [...bar]; // already counted
  if (!have) return added ? [...bar, { emoji, count: 1, me: mine }] : [...bar];
  const count = have.count + (added ? 1 : -1);
  const next = [...bar];
  if (count <= 0) next.splice(i, 1);
  else next[i] = { ...have, count, me: mine ? added : have.me };
  return next;
}
