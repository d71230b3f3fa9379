import { Injectable, computed, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { Friend, FriendRequest, FriendRequests } from '../api/models';
import { AuthService } from '../auth/auth.service';
import { ChatLists } from './chat-lists';
import { ChatService } from './chat.service';
import { People } from './people';
import { SocketEvent } from './socket/chat-socket';

/** The friend events of the private socket ("Friends in real time"). */
export type FriendEvent = Extract<SocketEvent, { type: `friend.${string}` }>;

const NONE: FriendRequests = { incoming: [], outgoing: [] };

/**
 * Friendships: my pending friend requests (received and sent) and the changes to my friends, kept as the server
 * has them without a reload: loaded at sign-in and after every reconnect, then changed by the private socket's
 * friend events and by the answers to my own actions (which the server does not echo to the socket I act from).
 * The friends themselves are ChatLists.friendList (the conversation list is made of them too).
 */
@Injectable({ providedIn: 'root' })
export class Friendships {
  private readonly lists = inject(ChatLists);
  private readonly people = inject(People);
  private readonly auth = inject(AuthService);
  private readonly api = inject(ChatService);
  private readonly state = signal<FriendRequests>(NONE);
  private readonly loadErrorState = signal(false);
  /** Bumped by every load and reset: an answer from before a reset is dropped. */
  private generation = 0;

  /** My pending requests: received (incoming) and sent (outgoing), oldest first. */
  readonly requests = this.state.asReadonly();
  /** How many requests wait for my answer (the header's badge). */
  readonly incomingCount = computed(() => this.state().incoming.length);
  /** True when the last load failed. */
  readonly loadError = this.loadErrorState.asReadonly();

  /** load reads the pending requests again (sign-in, reconnect, the Refresh button). */
  async load(): Promise<void> {
    const generation = ++this.generation;
    try {
      const requests = await firstValueFrom(this.api.friendRequests());
      if (generation !== this.generation) return;
      this.state.set(requests);
      this.loadErrorState.set(false);
      this.people.remember([...requests.incoming.map((r) => r.from), ...requests.outgoing.map((r) => r.to)]);
    } catch {
      if (generation === this.generation) this.loadErrorState.set(true);
    }
  }

  /** apply takes a friend event of the private socket. */
  apply(ev: FriendEvent): void {
    switch (ev.type) {
      case 'friend.requested':
        this.requested(ev.request);
        break;
      case 'friend.accepted':
        this.befriended(ev.friend);
        break;
      case 'friend.declined':
        this.dropRequest((r) => r.id === ev.requestId);
        break;
      case 'friend.removed':
        this.unfriended(ev.userId);
        break;
    }
  }

  /** requested records a request I sent or received (my own: from the answer to my POST). */
  requested(request: FriendRequest): void {
    const me = this.auth.user()?.id;
    const side = request.from.id === me ? 'outgoing' : request.to.id === me ? 'incoming' : null;
    if (!side) return;
    this.state.update((s) => ({ ...s, [side]: [...s[side].filter((r) => r.id !== request.id), request] }));
    this.people.remember([side === 'incoming' ? request.from : request.to]);
  }

  /** befriended shows a new friend and drops any request between us, whichever side sent it. */
  befriended(friend: Friend): void {
    this.dropRequest((r) => r.from.id === friend.user.id || r.to.id === friend.user.id);
    this.people.remember([friend.user]);
    this.lists.friendList.upsert(friend);
  }

  /** unfriended drops a former friend from the friends and from the private conversations (only friends chat). */
  unfriended(userId: number): void {
    this.lists.friendList.remove(userId);
    this.lists.privateList.remove(userId);
  }

  /** dropRequest forgets a request that is gone (declined, withdrawn, accepted). */
  dropRequest(match: (r: FriendRequest) => boolean): void {
    this.state.update((s) => ({ incoming: s.incoming.filter((r) => !match(r)), outgoing: s.outgoing.filter((r) => !match(r)) }));
  }

  reset(): void {
    this.generation++;
    this.state.set(NONE);
    this.loadErrorState.set(false);
  }
}
