import { Injectable, computed, inject, signal } from '@angular/core';
import { Message, PublicUser } from '../api/models';
import { I18nService } from '../i18n/i18n.service';
import { timeOf } from '../util/time';
import { ChatLists } from './chat-lists';
import { ConversationKey, ConversationKind, groupKey, idOf, isPrivateKey, kindOf, privateKey } from './conversation-key';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

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
  /** The other person of a private conversation (avatar, status); null for a group. */
  peer?: PublicUser | null;
}

/** newest of two last messages: by seq in the same conversation, else by time. */
function newest(a: Message | null, b: Message | null | undefined): Message | null {
  if (!b) return a;
  if (!a) return b;
  if (a.conversation.type === b.conversation.type && a.conversation.id === b.conversation.id) return a.seq >= b.seq ? a : b;
  return timeOf(a.createdAt) >= timeOf(b.createdAt) ? a : b;
}

/**
 * Conversations is the conversation list as shown: private conversations and groups by latest activity (the
 * server's last message or a newer live one), then friends not yet talked to; unread counts and presence.
 */
@Injectable({ providedIn: 'root' })
export class Conversations {
  private readonly lists = inject(ChatLists);
  private readonly unread = inject(UnreadCounts);
  private readonly people = inject(People);
  private readonly sockets = inject(ChatSockets);
  private readonly i18n = inject(I18nService);
  private readonly lastLive = signal<Record<ConversationKey, Message>>({});

  /** The conversation list: conversations and groups by latest activity, then friends not yet talked to. */
  readonly entries = computed<ConversationEntry[]>(() => {
    const live = this.lastLive();
    const presence = this.sockets.privateSocket.presence();
    const entries = new Map<ConversationKey, ConversationEntry>();
    const online = (u: PublicUser) => (presence[u.id] ? presence[u.id] === 'online' : !!u.online);
    const row = (key: ConversationKey, rest: Omit<ConversationEntry, 'key' | 'kind' | 'id'>): ConversationEntry => ({
      key, kind: kindOf(key), id: idOf(key), ...rest,
    });
    for (const c of this.lists.privateConversations()) {
      const key = privateKey(c.peer.id);
      const deleted = !!c.peer.deleted;
      entries.set(key, row(key, {
        title: deleted ? this.i18n.t('chat.deletedAccount') : c.peer.displayName || c.peer.username,
        unread: this.unread.of(key) ?? c.unread ?? 0, lastMessage: newest(c.lastMessage, live[key]),
        online: deleted ? null : online(c.peer), readOnly: deleted, peer: deleted ? null : c.peer,
      }));
    }
    for (const f of this.lists.friends()) {
      const key = privateKey(f.user.id);
      if (entries.has(key)) continue;
      entries.set(key, row(key, {
        title: f.user.displayName || f.user.username, unread: this.unread.of(key) ?? 0, lastMessage: live[key] ?? null,
        online: online(f.user), readOnly: false, peer: f.user,
      }));
    }
    for (const g of this.lists.groups()) {
      const key = groupKey(g.id);
      entries.set(key, row(key, {
        title: g.name, unread: this.unread.of(key) ?? g.unread ?? 0, lastMessage: newest(g.lastMessage ?? null, live[key]),
        online: null, readOnly: false,
      }));
    }
    return [...entries.values()].sort((a, b) => {
      const ta = timeOf(a.lastMessage?.createdAt);
      const tb = timeOf(b.lastMessage?.createdAt);
      if (ta !== tb) return tb - ta;
      return a.title.localeCompare(b.title);
    });
  });

  /** Total unread messages, for the header. */
  readonly totalUnread = computed(() => this.entries().reduce((n, c) => n + c.unread, 0));

  entry(key: ConversationKey): ConversationEntry | null {
    return this.entries().find((c) => c.key === key) ?? null;
  }

  /** readOnly: a private conversation whose peer deleted their account (the server refuses messages and typing). */
  readOnly(key: ConversationKey): boolean {
    if (!isPrivateKey(key)) return false;
    const entry = this.entry(key);
    return entry ? entry.readOnly : this.people.isDeleted(idOf(key));
  }

  /** noteLive records a message that arrived live: it may be newer than what the list said. */
  noteLive(key: ConversationKey, message: Message): void {
    this.lastLive.update((l) => ({ ...l, [key]: newest(l[key] ?? null, message)! }));
  }

  reset(): void {
    this.lastLive.set({});
  }
}
