import { Injectable, computed, inject, signal } from '@angular/core';
import { Friend, Group, PrivateConversation, PublicUser } from '../api/models';
import { PagedList } from '../api/paged-list';
import { ChatService } from './chat.service';
import { ConversationKey, groupKey, isGroupKey, privateKey } from './conversation-key';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

/**
 * ChatLists holds what the conversation list is made of, as the server lists it, page by page: private
 * conversations, groups and friends. Every page read also tells the private socket which server conversation
 * is which peer, records the people in it, and takes the server's unread counts.
 */
@Injectable({ providedIn: 'root' })
export class ChatLists {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly people = inject(People);
  private readonly unread = inject(UnreadCounts);

  /** Private conversations, newest activity first. */
  readonly privateList = new PagedList<PrivateConversation>({
    fetch: (cursor) => this.api.privateConversations(cursor),
    idOf: (c) => c.peer.id,
    loaded: (convs) => {
      for (const c of convs) this.sockets.privateSocket.learnConversation({ type: 'private', id: c.conversationId }, privateKey(c.peer.id));
      this.unread.fromServer(convs.map((c) => [privateKey(c.peer.id), c.unread ?? 0] as const));
      this.people.remember(convs.map((c) => c.peer));
    },
  });
  /** My groups. */
  readonly groupList = new PagedList<Group>({
    fetch: (cursor) => this.api.groups(cursor),
    idOf: (g) => g.id,
    loaded: (groups) => this.unread.fromServer(groups.map((g) => [groupKey(g.id), g.unread ?? 0] as const)),
  });
  /** Accepted friends. */
  readonly friendList = new PagedList<Friend>({
    fetch: (cursor) => this.api.friends(cursor),
    idOf: (f) => f.user.id,
    loaded: (friends) => this.people.remember(friends.map((f) => f.user)),
  });

  /** userUpdated shows a friend's or co-member's new name, status or picture (user.updated) wherever they are listed. */
  userUpdated(user: PublicUser): void {
    this.people.remember([user]);
    this.privateList.patch(user.id, (c) => ({ ...c, peer: { ...c.peer, ...user } }));
    this.friendList.patch(user.id, (f) => ({ ...f, user: { ...f.user, ...user } }));
  }

  private readonly loadingState = signal(false);
  private readonly loadErrorState = signal(false);

  readonly privateConversations = this.privateList.items;
  readonly groups = this.groupList.items;
  readonly friends = this.friendList.items;
  /** True while the lists load for the first time. */
  readonly loading = this.loadingState.asReadonly();
  /** True when none of the lists could be loaded. */
  readonly loadError = this.loadErrorState.asReadonly();
  /** True when any of the three has more to show. */
  readonly hasMore = computed(() => this.privateList.hasMore() || this.groupList.hasMore() || this.friendList.hasMore());
  /** True while a next page of any of them loads. */
  readonly loadingMore = computed(() => this.privateList.loadingMore() || this.groupList.loadingMore() || this.friendList.loadingMore());

  /** refresh reloads conversations, groups and friends (as many pages of each as are shown). */
  async refresh(first = false): Promise<void> {
    if (first) this.loadingState.set(true);
    // Each list on its own: one failing endpoint must not hide the others.
    const results = await Promise.allSettled([this.privateList.refresh(), this.groupList.refresh(), this.friendList.refresh()]);
    this.loadErrorState.set(results.every((r) => r.status === 'rejected'));
    this.loadingState.set(false);
  }

  /** loadMore shows the next page of each list that has one (the conversation list mixes all three). */
  async loadMore(): Promise<void> {
    await Promise.all([this.privateList.more(), this.groupList.more(), this.friendList.more()]);
  }

  /** reloadGroups refreshes only the group list (after create, join, leave). */
  async reloadGroups(): Promise<void> {
    try {
      await this.groupList.refresh();
    } catch {
      /* toast shown by the interceptor */
    }
  }

  /** knows tells whether a conversation is in the lists (a message from elsewhere asks for a reload). */
  knows(key: ConversationKey): boolean {
    return isGroupKey(key)
      ? this.groups().some((g) => groupKey(g.id) === key)
      : this.privateConversations().some((c) => privateKey(c.peer.id) === key) || this.friends().some((f) => privateKey(f.user.id) === key);
  }

  reset(): void {
    this.privateList.reset();
    this.groupList.reset();
    this.friendList.reset();
  }
}
