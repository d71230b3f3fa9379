import { Injectable, computed, effect, inject, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { Subscription, firstValueFrom } from 'rxjs';
import { Message } from '../api/models';
import { AuthService } from '../auth/auth.service';
import { I18nService } from '../i18n/i18n.service';
import { FaviconBadge } from '../layout/favicon-badge';
import { readUserItem, writeUserItem } from '../util/user-storage';
import { ChatLists } from './chat-lists';
import { ChatService } from './chat.service';
import { Conversations } from './conversations';
import { ConversationKey, groupKey, privateKey } from './conversation-key';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

/** The app's name in the tab title; the unread total goes in front of it. */
export const APP_TITLE = 'WorkComm';

/** tabTitle is the tab title for an unread total: "(3) WorkComm". */
export function tabTitle(unread: number): string {
  return unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${APP_TITLE}` : APP_TITLE;
}

/**
 * ChatTell tells the user about messages: unread mentions per conversation (the server's count, plus what
 * arrived live since, none for the conversation on screen), mute per conversation (stored on the server, so
 * every device agrees; another device's change arrives as settings.updated), the unread total in the tab title
 * and on the favicon (muted conversations count their mentions only), and, once the user opted in, a browser notification
 * (when the tab is hidden) and a sound for a message of an unmuted conversation or one that mentions them.
 */
@Injectable({ providedIn: 'root' })
export class ChatTell {
  private readonly auth = inject(AuthService);
  private readonly lists = inject(ChatLists);
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly conversations = inject(Conversations);
  private readonly unread = inject(UnreadCounts);
  private readonly people = inject(People);
  private readonly i18n = inject(I18nService);
  private readonly title = inject(Title);
  private readonly favicon = inject(FaviconBadge);
  private subs: Subscription[] = [];

  private readonly liveMentions = signal<Record<ConversationKey, number>>({});
  private readonly mutedOverride = signal<Record<ConversationKey, boolean>>({});
  private readonly notifyState = signal(false);
  private readonly soundState = signal(false);
  /** Whether the user opted in to browser notifications (and the browser allows them). */
  readonly notify = this.notifyState.asReadonly();
  /** Whether a sound plays for a new message. */
  readonly sound = this.soundState.asReadonly();
  /** The browser refused notifications (its settings must change). */
  readonly denied = signal(false);

  /** Unread mentions of me per conversation, as the server said (mentions are counted there). */
  private readonly serverMentions = computed(() => {
    const out: Record<ConversationKey, number> = {};
    for (const c of this.lists.privateConversations()) out[privateKey(c.peer.id)] = c.mentions ?? 0;
    for (const g of this.lists.groups()) out[groupKey(g.id)] = g.mentions ?? 0;
    return out;
  });
  private readonly serverMuted = computed(() => {
    const out: Record<ConversationKey, boolean> = {};
    for (const c of this.lists.privateConversations()) out[privateKey(c.peer.id)] = !!c.muted;
    for (const g of this.lists.groups()) out[groupKey(g.id)] = !!g.muted;
    return out;
  });

  /**
   * The unread total the browser tab tells (title and favicon badge): every unread message of an unmuted
   * conversation, and of a muted one only those that mention me (they still notify, see onMessage).
   */
  readonly tabUnread = computed(() =>
    this.conversations.entries().reduce((n, c) => n + (this.muted(c.key) ? this.mentions(c.key) : c.unread), 0),
  );

  constructor() {
    effect(() => {
      const n = this.tabUnread();
      this.title.setTitle(tabTitle(n));
      void this.favicon.show(n);
    });
    // A new server list replaces what was counted live; the conversation on screen has none.
    effect(() => {
      this.serverMentions();
      this.liveMentions.set({});
    });
    effect(() => {
      const viewing = this.unread.viewing();
      if (viewing) this.liveMentions.update((m) => ({ ...m, [viewing]: -(this.serverMentions()[viewing] ?? 0) }));
    });
  }

  /** mentions: unread messages of a conversation that mention me. */
  mentions(key: ConversationKey): number {
    if (key === this.unread.viewing()) return 0;
    return Math.max(0, (this.serverMentions()[key] ?? 0) + (this.liveMentions()[key] ?? 0));
  }

  muted(key: ConversationKey): boolean {
    return this.mutedOverride()[key] ?? this.serverMuted()[key] ?? false;
  }

  /** setMuted stores my mute of a conversation on the server. */
  async setMuted(key: ConversationKey, muted: boolean): Promise<void> {
    const res = await firstValueFrom(this.api.setMuted(key, muted));
    this.mutedOverride.update((m) => ({ ...m, [key]: !!res?.muted }));
  }

  /** start follows both sockets and reads the user's choices (sign-in). */
  start(): void {
    this.stop();
    const me = this.auth.user()?.id;
    if (me) {
      this.notifyState.set(readUserItem(me, 'notify') === '1' && this.permission() === 'granted');
      this.soundState.set(readUserItem(me, 'sound') === '1');
    }
    for (const socket of [this.sockets.privateSocket, this.sockets.groupSocket]) {
      this.subs.push(
        socket.events.subscribe((ev) => {
          if (ev.type === 'message') this.onMessage(ev.key, ev.message);
          else if (ev.type === 'settings.updated') this.mutedOverride.update((m) => ({ ...m, [ev.key]: ev.muted }));
        }),
      );
    }
  }

  /** stop forgets the session (sign-out). */
  stop(): void {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    this.liveMentions.set({});
    this.mutedOverride.set({});
    this.title.setTitle(APP_TITLE);
    void this.favicon.show(0);
  }

  /** setNotify opts in (asking the browser's permission then, on the user's click) or out. */
  async setNotify(on: boolean): Promise<void> {
    let ok = on;
    if (on && this.permission() !== 'granted') {
      const answer = typeof Notification === 'undefined' ? 'denied' : await Notification.requestPermission();
      ok = answer === 'granted';
      this.denied.set(!ok);
    }
    this.notifyState.set(ok);
    const me = this.auth.user()?.id;
    if (me) writeUserItem(me, 'notify', ok ? '1' : null);
  }

  setSound(on: boolean): void {
    this.soundState.set(on);
    const me = this.auth.user()?.id;
    if (me) writeUserItem(me, 'sound', on ? '1' : null);
  }

  private permission(): NotificationPermission {
    return typeof Notification === 'undefined' ? 'denied' : Notification.permission;
  }

  private onMessage(key: ConversationKey, m: Message): void {
    const me = this.auth.user()?.id;
    if (!me || m.senderId === me) return;
    const mentionsMe = !!m.mentions?.includes(me);
    const onScreen = key === this.unread.viewing() && !document.hidden;
    if (mentionsMe && key !== this.unread.viewing()) this.liveMentions.update((l) => ({ ...l, [key]: (l[key] ?? 0) + 1 }));
    if (onScreen || (this.muted(key) && !mentionsMe)) return;
    if (this.soundState()) this.beep();
    if (this.notifyState() && document.hidden && this.permission() === 'granted') {
      const name = this.people.displayName(m.senderId);
      const title = this.i18n.t(mentionsMe ? 'notify.mention' : 'notify.newMessage', { name });
      try {
        const n = new Notification(title, { body: m.body.slice(0, 140), tag: key });
        n.onclick = () => window.focus();
      } catch {
        /* some browsers allow notifications from a service worker only */
      }
    }
  }

  /** beep plays a short tone (no sound file to load). */
  private beep(): void {
    try {
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      gain.gain.value = 0.05;
      osc.frequency.value = 880;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.12);
      osc.onended = () => void ctx.close();
    } catch {
      /* no audio */
    }
  }
}
