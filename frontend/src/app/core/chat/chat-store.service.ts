import { DestroyRef, Injectable, inject } from '@angular/core';
import { Subscription } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { I18nService } from '../i18n/i18n.service';
import { ToastService } from '../toast/toast.service';
import { ChatActivity } from './chat-activity';
import { ChatLists } from './chat-lists';
import { ChatTell } from './chat-tell';
import { ReplyAndJump } from './reply-and-jump';
import { Conversations } from './conversations';
import { ConversationKey, idOf, isGroupKey } from './conversation-key';
import { Drafts } from './drafts';
import { Friendships } from './friendships';
import { ChatHistory } from './history';
import { MessageSender } from './message-sender';
import { People } from './people';
import { SocketEvent } from './socket/chat-socket';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

/**
 * ChatStore is the chat session: started once per sign-in by the shell, it loads the lists and the friend
 * requests, opens both sockets and turns their events into list updates (unread counts, last messages, friends
 * and requests, group names, reloads); on sign-out it closes them and every part forgets what it held. Components read the part they show (Conversations,
 * ChatHistory, ChatActivity, …) directly.
 */
@Injectable({ providedIn: 'root' })
export class ChatStore {
  private readonly sockets = inject(ChatSockets);
  private readonly lists = inject(ChatLists);
  private readonly conversations = inject(Conversations);
  private readonly unread = inject(UnreadCounts);
  private readonly people = inject(People);
  private readonly history = inject(ChatHistory);
  private readonly activity = inject(ChatActivity);
  private readonly sender = inject(MessageSender);
  private readonly drafts = inject(Drafts);
  private readonly friendships = inject(Friendships);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly tell = inject(ChatTell);
  private readonly replyAndJump = inject(ReplyAndJump);
  private subs: Subscription[] = [];
  private started = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
  }

  /** start loads the lists and opens both sockets (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    const me = this.auth.user()?.id;
    if (me) this.drafts.load(me);
    this.sender.start();
    for (const socket of [this.sockets.privateSocket, this.sockets.groupSocket]) {
      this.subs.push(socket.events.subscribe((ev) => this.onSocketEvent(ev)));
    }
    this.tell.start();
    void this.lists.refresh(true);
    void this.friendships.load();
    this.sockets.start();
  }

  /** stop closes the sockets and forgets everything (sign-out). */
  stop(): void {
    this.started = false;
    this.sender.reset();
    this.tell.stop();
    this.replyAndJump.reset();
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    this.sockets.stop();
    this.lists.reset();
    this.conversations.reset();
    this.unread.reset();
    this.people.reset();
    this.history.reset();
    this.activity.reset();
    this.drafts.reset();
    this.friendships.reset();
  }

  /** open puts a conversation on screen and loads its latest page once (again after leave forgot an old window). */
  async open(key: ConversationKey): Promise<void> {
    this.unread.view(key);
    if (isGroupKey(key)) void this.people.loadGroupMembers(idOf(key));
    await this.history.loadLatest(key);
  }

  /**
   * leave takes a conversation off the screen (another one opened, or the chat left). What a jump showed of it
   * ends with the visit: the jump is dropped (the pane would show its message again) and so is an old window
   * (ChatHistory.leave), so that opening it again normally shows its latest messages, as in every chat app.
   */
  leave(key: ConversationKey): void {
    this.close();
    this.replyAndJump.leave(key);
    this.history.leave(key);
  }

  /** close: no conversation on screen. */
  close(): void {
    this.unread.view(null);
  }

  private onSocketEvent(ev: SocketEvent): void {
    switch (ev.type) {
      case 'ready':
        // Anything may have changed while the socket was away.
        void this.lists.refresh();
        void this.friendships.load();
        break;
      case 'message': {
        this.conversations.noteLive(ev.key, ev.message);
        const mine = ev.message.senderId === this.auth.user()?.id;
        if (ev.key === this.unread.viewing()) this.activity.markRead(ev.key);
        else if (!mine) this.unread.bump(ev.key);
        if (!this.lists.knows(ev.key)) void this.lists.refresh();
        break;
      }
      case 'unknown-conversation':
        void this.lists.refresh();
        break;
      case 'group.joined':
      case 'group.left':
        void this.lists.reloadGroups();
        break;
      case 'group.updated': {
        const { id, name, description, ownerId } = ev.group;
        this.lists.groupList.patch(id, (g) => ({ ...g, name, description: description ?? g.description, ownerId: ownerId ?? g.ownerId }));
        break;
      }
      case 'friend.requested':
      case 'friend.accepted':
      case 'friend.declined':
      case 'friend.removed':
        this.friendships.apply(ev);
        break;
      case 'user.updated':
        this.lists.userUpdated(ev.user);
        break;
      case 'error':
        if (ev.code === 'rate_limited' || ev.code === 'forbidden' || ev.code === 'plan_limit') {
          this.toast.error(this.i18n.t(`error.${ev.code}`));
        }
        break;
      default:
        break;
    }
  }
}
