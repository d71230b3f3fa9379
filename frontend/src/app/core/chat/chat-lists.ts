import { Injectable, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { Friend, Group, PrivateConversation } from '../api/models';
import { ChatService } from './chat.service';
import { ConversationKey, groupKey, isGroupKey, privateKey } from './conversation-key';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

/**
 * ChatLists holds what the conversation list is made of, as the server lists it: private conversations,
 * groups and friends. Each load also tells the private socket which server conversation is which peer,
 * records the people in them, and takes the server's unread counts.
 */
@Injectable({ providedIn: 'root' })
export class ChatLists {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly people = inject(People);
  private readonly unread = inject(UnreadCounts);

  private readonly privateState = signal<PrivateConversation[]>([]);
  private readonly groupsState = signal<Group[]>([]);
  private readonly friendsState = signal<Friend[]>([]);
  private readonly loadingState = signal(false);
  private readonly loadErrorState = signal(false);

  /** Private conversations, newest activity first. */
  readonly privateConversations = this.privateState.asReadonly();
  /** My groups. */
  readonly groups = this.groupsState.asReadonly();
  /** Accepted friends. */
  readonly friends = this.friendsState.asReadonly();
  /** True while the lists load for the first time. */
  readonly loading = this.loadingState.asReadonly();
  /** True when none of the lists could be loaded. */
  readonly loadError = this.loadErrorState.asReadonly();

  /** refresh reloads conversations, groups and friends. */
  async refresh(first = false): Promise<void> {
    if (first) this.loadingState.set(true);
    // Each list on its own: one failing endpoint must not hide the others.
    const [convsR, groupsR, friendsR] = await Promise.allSettled([
      firstValueFrom(this.api.privateConversations()),
      firstValueFrom(this.api.groups()),
      firstValueFrom(this.api.friends()),
    ]);
    const convs = convsR.status === 'fulfilled' ? convsR.value : this.privateState();
    const groups = groupsR.status === 'fulfilled' ? groupsR.value : this.groupsState();
    const friends = friendsR.status === 'fulfilled' ? friendsR.value : this.friendsState();
    this.privateState.set(convs);
    this.groupsState.set(groups);
    this.friendsState.set(friends);
    this.loadErrorState.set([convsR, groupsR, friendsR].every((r) => r.status === 'rejected'));
    for (const c of convs) this.sockets.privateSocket.learnConversation({ type: 'private', id: c.conversationId }, privateKey(c.peer.id));
    this.unread.fromServer([
      ...convs.map((c) => [privateKey(c.peer.id), c.unread ?? 0] as const),
      ...groups.map((g) => [groupKey(g.id), g.unread ?? 0] as const),
    ]);
    this.people.remember([...convs.map((c) => c.peer), ...friends.map((f) => f.user)]);
    this.loadingState.set(false);
  }

  /** reloadGroups refreshes only the group list (after create, join, leave). */
  async reloadGroups(): Promise<void> {
    try {
      this.groupsState.set(await firstValueFrom(this.api.groups()));
    } catch {
      /* toast shown by the interceptor */
    }
  }

  /** knows tells whether a conversation is in the lists (a message from elsewhere asks for a reload). */
  knows(key: ConversationKey): boolean {
    return isGroupKey(key)
      ? this.groupsState().some((g) => groupKey(g.id) === key)
      : this.privateState().some((c) => privateKey(c.peer.id) === key) || this.friendsState().some((f) => privateKey(f.user.id) === key);
  }

  reset(): void {
    this.privateState.set([]);
    this.groupsState.set([]);
    this.friendsState.set([]);
  }
}
