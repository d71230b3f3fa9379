import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { Subscription, firstValueFrom } from 'rxjs';
import { apiError } from '../../core/api/api-paths';
import { Friend, Group, Message, PrivateConversation, PublicUser } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { ConversationKey, ConversationKind, groupKey, idOf, isGroupKey, isPrivateKey, kindOf, privateKey } from '../../core/chat/conversation-key';
import { ChatService } from '../../core/services/chat.service';
import { FriendsService } from '../../core/services/friends.service';
import { PendingMessage } from '../../core/chat/socket/outbox';
import { ChatSocket, SocketEvent } from '../../core/chat/socket/chat-socket';
import { timeOf } from '../../core/util/time';
import { GroupSocketService } from '../../core/chat/socket/group-socket.service';
import { PrivateSocketService } from '../../core/chat/socket/private-socket.service';
import { ToastService } from '../../core/toast/toast.service';

/** One row of the conversation list. */
export interface ConversationEntry {
  key: ConversationKey;
  kind: ConversationKind;
  id: number;
  title: string;
  unread: number;
  lastMessage: Message | null;
  online: boolean | null;
  /** A private conversation whose peer deleted their account: history readable, nothing can be sent. */
  readOnly: boolean;
}

/** Paging state of one conversation's history. */
export interface HistoryState {
  loaded: boolean;
  loading: boolean;
  hasMore: boolean;
  error: boolean;
}

/** Send `typing` at most this often per conversation (server limit: 2 a second; receivers expire after 5 s). */
const TYPING_THROTTLE_MS = 3000;
/** How long a message may wait for the socket before it also goes through REST. */
const SEND_FALLBACK_MS = 4000;
/** Then how often to try again while it stays pending. */
const SEND_FALLBACK_RETRY_MS = 10_000;
/** A history page. */
const PAGE_SIZE = 50;

/**
 * ChatStore joins the REST lists (conversations, groups, friends) with the two sockets: unread counts,
 * presence, drafts per conversation, history paging and read marks. Started once per session by the shell.
 */
@Injectable({ providedIn: 'root' })
export class ChatStore {
  private readonly api = inject(ChatService);
  private readonly friendsApi = inject(FriendsService);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  readonly privateSocket = inject(PrivateSocketService);
  readonly groupSocket = inject(GroupSocketService);

  private readonly privateConvs = signal<PrivateConversation[]>([]);
  private readonly groupsState = signal<Group[]>([]);
  private readonly friendsState = signal<Friend[]>([]);
  private readonly unreadState = signal<Record<ConversationKey, number>>({});
  private readonly lastLive = signal<Record<ConversationKey, Message>>({});
  private readonly draftsState = signal<Record<ConversationKey, string>>({});
  private readonly historyState = signal<Record<ConversationKey, HistoryState>>({});
  private readonly peopleState = signal<Record<number, PublicUser>>({});
  private readonly lastReadSent = new Map<ConversationKey, number>();
  private readonly lastTypingSent = new Map<ConversationKey, number>();
  private subs: Subscription[] = [];
  private readonly fallbackTimers = new Set<ReturnType<typeof setTimeout>>();
  private started = false;

  /** True while the lists load for the first time. */
  readonly loading = signal(false);
  /** True when the lists could not be loaded. */
  readonly loadError = signal(false);
  /** The conversation on screen. */
  readonly active = signal<ConversationKey | null>(null);
  /** Accepted friends. */
  readonly friends = this.friendsState.asReadonly();
  /** My groups. */
  readonly groups = this.groupsState.asReadonly();

  /** The conversation list: conversations and groups by latest activity, then friends not yet talked to. */
  readonly conversations = computed<ConversationEntry[]>(() => {
    const unread = this.unreadState();
    const live = this.lastLive();
    const presence = this.privateSocket.presence();
    const entries = new Map<ConversationKey, ConversationEntry>();
    const online = (u: PublicUser) => (presence[u.id] ? presence[u.id] === 'online' : !!u.online);
    for (const c of this.privateConvs()) {
      const key = privateKey(c.peer.id);
      const deleted = !!c.peer.deleted;
      entries.set(key, {
        key, kind: kindOf(key), id: idOf(key), title: deleted ? this.i18n.t('chat.deletedAccount') : c.peer.displayName || c.peer.username,
        unread: unread[key] ?? c.unread ?? 0, lastMessage: newest(c.lastMessage, live[key]), online: deleted ? null : online(c.peer),
        readOnly: deleted,
      });
    }
    for (const f of this.friendsState()) {
      const key = privateKey(f.user.id);
      if (entries.has(key)) continue;
      entries.set(key, {
        key, kind: kindOf(key), id: idOf(key), title: f.user.displayName || f.user.username,
        unread: unread[key] ?? 0, lastMessage: live[key] ?? null, online: online(f.user), readOnly: false,
      });
    }
    for (const g of this.groupsState()) {
      const key = groupKey(g.id);
      entries.set(key, {
        key, kind: kindOf(key), id: idOf(key), title: g.name, unread: unread[key] ?? g.unread ?? 0,
        lastMessage: newest(g.lastMessage ?? null, live[key]), online: null, readOnly: false,
      });
    }
    return [...entries.values()].sort((a, b) => {
      const ta = timeOf(a.lastMessage?.createdAt);
      const tb = timeOf(b.lastMessage?.createdAt);
      if (ta !== tb) return tb - ta;
      return a.title.localeCompare(b.title);
    });
  });

  /** Total unread messages, for the header. */
  readonly totalUnread = computed(() => this.conversations().reduce((n, c) => n + c.unread, 0));

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
  }

  /** start loads the lists and opens both sockets (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const onEvent = (socket: ChatSocket) => (ev: SocketEvent) => this.onSocketEvent(socket, ev);
    this.subs.push(this.privateSocket.events.subscribe(onEvent(this.privateSocket)));
    this.subs.push(this.groupSocket.events.subscribe(onEvent(this.groupSocket)));
    void this.refreshLists(true);
    this.privateSocket.start();
    this.groupSocket.start();
  }

  /** stop closes the sockets and forgets everything (sign-out). */
  stop(): void {
    this.started = false;
    for (const t of this.fallbackTimers) clearTimeout(t);
    this.fallbackTimers.clear();
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    this.privateSocket.stop();
    this.groupSocket.stop();
    this.privateConvs.set([]);
    this.groupsState.set([]);
    this.friendsState.set([]);
    this.unreadState.set({});
    this.lastLive.set({});
    this.draftsState.set({});
    this.historyState.set({});
    this.peopleState.set({});
    this.lastReadSent.clear();
    this.lastTypingSent.clear();
    this.active.set(null);
  }

  /** refreshLists reloads conversations, groups and friends. */
  async refreshLists(first = false): Promise<void> {
    if (first) this.loading.set(true);
    // Each list on its own: one failing endpoint must not hide the others.
    const [convsR, groupsR, friendsR] = await Promise.allSettled([
      firstValueFrom(this.api.privateConversations()),
      firstValueFrom(this.api.groups()),
      firstValueFrom(this.friendsApi.friends()),
    ]);
    const convs = convsR.status === 'fulfilled' ? convsR.value : this.privateConvs();
    const groups = groupsR.status === 'fulfilled' ? groupsR.value : this.groupsState();
    const friends = friendsR.status === 'fulfilled' ? friendsR.value : this.friendsState();
    this.privateConvs.set(convs);
    this.groupsState.set(groups);
    this.friendsState.set(friends);
    this.loadError.set([convsR, groupsR, friendsR].every((r) => r.status === 'rejected'));
    const unread: Record<ConversationKey, number> = { ...this.unreadState() };
    for (const c of convs) {
      this.privateSocket.learnConversation({ type: 'private', id: c.conversationId }, privateKey(c.peer.id));
      unread[privateKey(c.peer.id)] = c.unread ?? 0;
    }
    for (const g of groups) unread[groupKey(g.id)] = g.unread ?? 0;
    const active = this.active();
    if (active) unread[active] = 0;
    this.unreadState.set(unread);
    this.rememberPeople([...convs.map((c) => c.peer), ...friends.map((f) => f.user)]);
    this.loading.set(false);
  }

  /** reloadGroups refreshes only the group list (after create, join, leave). */
  async reloadGroups(): Promise<void> {
    try {
      this.groupsState.set(await firstValueFrom(this.api.groups()));
    } catch {
      /* toast shown by the interceptor */
    }
  }

  /** socketFor picks the socket that carries a conversation. */
  socketFor(key: ConversationKey): ChatSocket {
    return isGroupKey(key) ? this.groupSocket : this.privateSocket;
  }

  entry(key: ConversationKey): ConversationEntry | null {
    return this.conversations().find((c) => c.key === key) ?? null;
  }

  messagesFor(key: ConversationKey): Message[] {
    return this.socketFor(key).messages()[key] ?? [];
  }

  pendingFor(key: ConversationKey): PendingMessage[] {
    return this.socketFor(key).pending()[key] ?? [];
  }

  history(key: ConversationKey): HistoryState {
    return this.historyState()[key] ?? { loaded: false, loading: false, hasMore: false, error: false };
  }

  /** typingUsers lists who types in a conversation now. */
  typingUsers(key: ConversationKey): number[] {
    const now = Date.now();
    const map = this.socketFor(key).typing()[key] ?? {};
    return Object.entries(map)
      .filter(([, expires]) => expires > now)
      .map(([id]) => Number(id));
  }

  /** readSeq is the highest seq the other side has read (private) or anyone else has read (group). */
  readSeq(key: ConversationKey): number {
    const marks = this.socketFor(key).reads()[key] ?? {};
    const me = this.auth.user()?.id;
    let best = 0;
    for (const [uid, seq] of Object.entries(marks)) if (Number(uid) !== me && seq > best) best = seq;
    return best;
  }

  /** readOnly: a private conversation whose peer deleted their account (the server refuses messages and typing). */
  readOnly(key: ConversationKey): boolean {
    if (!isPrivateKey(key)) return false;
    const entry = this.entry(key);
    return entry ? entry.readOnly : !!this.peopleState()[idOf(key)]?.deleted;
  }

  /** online: the user's presence; null when unknown, and for a deleted account. */
  online(userId: number): boolean | null {
    if (this.peopleState()[userId]?.deleted) return null;
    const p = this.privateSocket.presence()[userId] ?? this.groupSocket.presence()[userId];
    if (p) return p === 'online';
    const u = this.peopleState()[userId];
    return u?.online ?? null;
  }

  /** displayName of a user we know of; "#id" otherwise. */
  displayName(userId: number): string {
    if (userId === this.auth.user()?.id) return this.auth.user()?.displayName || this.auth.user()?.username || '';
    const u = this.peopleState()[userId];
    if (u?.deleted) return this.i18n.t('chat.deletedAccount');
    return u ? u.displayName || u.username : `#${userId}`;
  }

  draft(key: ConversationKey): string {
    return this.draftsState()[key] ?? '';
  }

  setDraft(key: ConversationKey, text: string): void {
    this.draftsState.update((d) => ({ ...d, [key]: text }));
  }

  /** open makes a conversation the active one and loads its latest page once. */
  async open(key: ConversationKey): Promise<void> {
    this.active.set(key);
    this.unreadState.update((u) => ({ ...u, [key]: 0 }));
    if (isGroupKey(key)) void this.loadGroupMembers(idOf(key));
    if (this.history(key).loaded || this.history(key).loading) return;
    await this.loadPage(key);
  }

  close(): void {
    this.active.set(null);
  }

  /** loadOlder fetches the page just below the oldest loaded message (?before=seq). */
  async loadOlder(key: ConversationKey): Promise<void> {
    const h = this.history(key);
    if (h.loading || !h.hasMore) return;
    const oldest = this.messagesFor(key)[0];
    await this.loadPage(key, oldest?.seq);
  }

  private async loadPage(key: ConversationKey, before?: number): Promise<void> {
    this.setHistory(key, { loading: true, error: false });
    try {
      const page = await firstValueFrom(this.api.history(key, { before, limit: PAGE_SIZE }));
      this.socketFor(key).ingest(key, page.items);
      this.setHistory(key, { loaded: true, loading: false, hasMore: page.hasMore });
    } catch {
      this.setHistory(key, { loading: false, error: true });
    }
  }

  private setHistory(key: ConversationKey, patch: Partial<HistoryState>): void {
    this.historyState.update((all) => ({ ...all, [key]: { ...this.history(key), ...patch } }));
  }

  private async loadGroupMembers(groupId: number): Promise<void> {
    try {
      const g = await firstValueFrom(this.api.group(groupId));
      this.rememberPeople((g.members ?? []).map((m) => m.user));
    } catch {
      /* shown by the interceptor */
    }
  }

  /**
   * send: optimistic, through the socket, resent on reconnect until acknowledged. While the socket stays
   * down (a proxy that blocks WebSockets, a server restart), the same message goes through REST with the same
   * clientMsgId, so whichever path arrives first wins and the server never stores it twice.
   * Nothing goes into a read-only conversation.
   */
  send(key: ConversationKey, body: string): void {
    const text = body.trim();
    if (!text || this.readOnly(key)) return;
    const clientMsgId = this.socketFor(key).send(key, text);
    this.lastTypingSent.delete(key);
    this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_MS);
  }

  private scheduleRestFallback(key: ConversationKey, clientMsgId: string, delay: number): void {
    const timer = setTimeout(() => {
      this.fallbackTimers.delete(timer);
      void this.restFallback(key, clientMsgId);
    }, delay);
    this.fallbackTimers.add(timer);
  }

  private async restFallback(key: ConversationKey, clientMsgId: string): Promise<void> {
    const socket = this.socketFor(key);
    const pending = socket.pendingMessage(key, clientMsgId);
    if (!pending || pending.failed || !this.started) return;
    if (socket.isOpen()) {
      // Connected but still no ack: check again later; the socket resends after any reconnect.
      this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_RETRY_MS);
      return;
    }
    try {
      const message = await firstValueFrom(this.api.send(key, pending.body, clientMsgId));
      if (message && typeof message.id === 'number') socket.confirm(key, clientMsgId, message);
    } catch (err) {
      const e = apiError(err);
      const refused = e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 408 && e.status !== 429;
      if (refused) socket.markFailed(key, clientMsgId, e.code);
      else if (this.started) this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_RETRY_MS);
    }
  }

  /** typing tells the others, at most every few seconds. */
  typing(key: ConversationKey): void {
    if (this.readOnly(key)) return;
    const now = Date.now();
    if (now - (this.lastTypingSent.get(key) ?? 0) < TYPING_THROTTLE_MS) return;
    this.lastTypingSent.set(key, now);
    this.socketFor(key).sendTyping(key);
  }

  /** markRead stores the read mark up to the newest loaded message (socket, else REST). */
  markRead(key: ConversationKey): void {
    const msgs = this.messagesFor(key);
    const seq = msgs.length ? msgs[msgs.length - 1].seq : 0;
    if (!seq || (this.lastReadSent.get(key) ?? 0) >= seq) return;
    this.lastReadSent.set(key, seq);
    this.unreadState.update((u) => ({ ...u, [key]: 0 }));
    if (this.socketFor(key).sendRead(key, seq)) return;
    this.api.markRead(key, seq).subscribe({ error: () => this.lastReadSent.delete(key) });
  }

  async edit(key: ConversationKey, message: Message, body: string): Promise<boolean> {
    if (!body.trim()) return false;
    try {
      const updated = await firstValueFrom(this.api.editMessage(key, message.id, body.trim()));
      if (updated && typeof updated.id === 'number') this.socketFor(key).upsert(key, updated);
      return true;
    } catch {
      return false;
    }
  }

  async remove(key: ConversationKey, message: Message): Promise<boolean> {
    try {
      await firstValueFrom(this.api.deleteMessage(key, message.id));
      this.socketFor(key).upsert(key, { ...message, deleted: true, body: '' });
      return true;
    } catch {
      return false;
    }
  }

  private onSocketEvent(socket: ChatSocket, ev: SocketEvent): void {
    switch (ev.type) {
      case 'ready':
        void this.refreshLists();
        break;
      case 'message': {
        const m = ev.message;
        this.lastLive.update((l) => ({ ...l, [ev.key]: newest(l[ev.key] ?? null, m)! }));
        const mine = m.senderId === this.auth.user()?.id;
        if (ev.key === this.active()) {
          this.markRead(ev.key);
        } else if (!mine) {
          this.unreadState.update((u) => ({ ...u, [ev.key]: (u[ev.key] ?? 0) + 1 }));
        }
        const known = isGroupKey(ev.key)
          ? this.groupsState().some((g) => groupKey(g.id) === ev.key)
          : this.privateConvs().some((c) => privateKey(c.peer.id) === ev.key) ||
            this.friendsState().some((f) => privateKey(f.user.id) === ev.key);
        if (!known) void this.refreshLists();
        break;
      }
      case 'unknown-conversation':
        void this.refreshLists();
        break;
      case 'group.joined':
      case 'group.left':
        void this.reloadGroups();
        break;
      case 'error':
        if (ev.code === 'rate_limited' || ev.code === 'forbidden' || ev.code === 'plan_limit') {
          this.toast.error(this.i18n.t(`error.${ev.code}`));
        }
        break;
      default:
        break;
    }
    void socket;
  }

  private rememberPeople(users: PublicUser[]): void {
    if (users.length === 0) return;
    this.peopleState.update((p) => {
      const next = { ...p };
      for (const u of users) next[u.id] = { ...next[u.id], ...u };
      return next;
    });
  }
}

function newest(a: Message | null, b: Message | null | undefined): Message | null {
  if (!b) return a;
  if (!a) return b;
  if (a.conversation.type === b.conversation.type && a.conversation.id === b.conversation.id) return a.seq >= b.seq ? a : b;
  return timeOf(a.createdAt) >= timeOf(b.createdAt) ? a : b;
}
