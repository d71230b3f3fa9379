import { Component, ElementRef, Injector, afterNextRender, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { RouterLink } from '@angular/router';
import { Message, Reader } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { ConversationKey, idOf, isGroupKey } from '../../core/chat/conversation-key';
import { PendingMessage } from '../../core/chat/socket/outbox';
import { ChatActivity } from '../../core/chat/chat-activity';
import { Conversations } from '../../core/chat/conversations';
import { ChatHistory } from '../../core/chat/history';
import { MessageSender } from '../../core/chat/message-sender';
import { People } from '../../core/chat/people';
import { LastSeen } from '../../core/chat/last-seen';
import { ChatSockets } from '../../core/chat/socket/chat-sockets';
import { ChatService } from '../../core/chat/chat.service';
import { ChatTell } from '../../core/chat/chat-tell';
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { Composer } from './composer';
import { UserAvatar } from '../../shared/user-avatar';
import { MessageExtras } from './message-extras';
import { MarkdownBody } from '../../shared/markdown/markdown-body';

/** How long a message brought into view (a search hit, a quoted original) stays highlighted. */
const HIGHLIGHT_MS = 4000;

/** One row of the message list: a confirmed message or a pending one. */
interface Row {
  id: string;
  message: Message | null;
  pending: PendingMessage | null;
  mine: boolean;
  body: string;
  senderId: number;
  time: string;
}

/** Distance from the bottom (px) under which new messages keep the list scrolled down. */
const STICK_PX = 80;

/** Message pane: history paging upwards, live messages, typing, read marks, edit/delete, composer (or a read-only notice). */
@Component({
  selector: 'app-message-pane',
  imports: [RouterLink, TranslatePipe, Composer, UserAvatar, MarkdownBody, MessageExtras],
  templateUrl: './message-pane.html',
  styleUrl: './message-pane.css',
})
export class MessagePane {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly conversations = inject(Conversations);
  protected readonly people = inject(People);
  private readonly lastSeen = inject(LastSeen);
  private readonly chatHistory = inject(ChatHistory);
  private readonly activity = inject(ChatActivity);
  private readonly sender = inject(MessageSender);
  private readonly sockets = inject(ChatSockets);
  protected readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly injector = inject(Injector);
  private readonly api = inject(ChatService);
  protected readonly tell = inject(ChatTell);
  protected readonly rj = inject(ReplyAndJump);
  /** The conversation key ('u:5' or 'g:3'). */
  readonly key = input.required<ConversationKey>();

  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  private stick = true;

  protected readonly editingId = signal<number | null>(null);
  protected readonly editText = signal('');
  protected readonly confirmDeleteId = signal<number | null>(null);
  /** The seq brought into view by a jump, highlighted for a while. */
  protected readonly highlightSeq = signal<number | null>(null);
  /** Who read my latest message of a group ("seen by"), others than me. */
  protected readonly readers = signal<Reader[]>([]);
  protected readonly readerNames = computed(() => this.readers().map((r) => r.user.displayName || r.user.username).join(', '));
  protected readonly showReaders = signal(false);
  private highlightTimer: ReturnType<typeof setTimeout> | undefined;
  /** A jump is bringing a message into view: new rows must not pull the list back down meanwhile. */
  private jumping = false;

  protected readonly entry = computed(() => this.conversations.entry(this.key()));
  protected readonly isGroup = computed(() => isGroupKey(this.key()));
  /** The peer of a private chat, or the group: the number in the key. */
  protected readonly conversationId = computed(() => idOf(this.key()));
  protected readonly peerId = computed(() => (this.isGroup() ? null : this.conversationId()));
  protected readonly title = computed(() => {
    const e = this.entry();
    if (e) return e.title;
    const peer = this.peerId();
    return peer ? this.people.displayName(peer) : '';
  });
  /** A private conversation whose peer deleted their account: readable, no composer, no presence. */
  protected readonly readOnly = computed(() => this.conversations.readOnly(this.key()));
  protected readonly online = computed(() => {
    const peer = this.peerId();
    return peer && !this.readOnly() ? this.people.online(peer) : null;
  });
  /** "last seen 5 minutes ago" for an offline peer (refreshed every minute). */
  protected readonly peerLastSeen = computed(() => {
    const peer = this.peerId();
    return peer && this.online() === false ? this.lastSeen.of(peer) : null;
  });
  protected readonly history = computed(() => this.chatHistory.of(this.key()));
  protected readonly readSeq = computed(() => this.activity.readSeq(this.key()));

  protected readonly rows = computed<Row[]>(() => {
    const me = this.auth.user()?.id;
    const fmt = new Intl.DateTimeFormat(this.i18n.locale(), { hour: '2-digit', minute: '2-digit' });
    const time = (iso: string) => {
      const d = new Date(iso);
      return isNaN(d.getTime()) ? '' : fmt.format(d);
    };
    const confirmed = this.sockets.messages(this.key()).map<Row>((m) => ({
      id: `m${m.id}`, message: m, pending: null, mine: m.senderId === me, body: m.body, senderId: m.senderId, time: time(m.createdAt),
    }));
    const pending = this.sockets.pending(this.key()).map<Row>((p) => ({
      id: `p${p.clientMsgId}`, message: null, pending: p, mine: true, body: p.body, senderId: me ?? 0, time: time(p.createdAt),
    }));
    return [...confirmed, ...pending];
  });

  /** The seq of my newest message the others have read: the "seen" mark goes under it. */
  protected readonly seenSeq = computed(() => {
    const read = this.readSeq();
    if (!read) return 0;
    let best = 0;
    for (const r of this.rows()) if (r.message && r.mine && r.message.seq <= read) best = r.message.seq;
    return best;
  });

  /** My newest confirmed message of a group: "seen by" goes under it. */
  protected readonly lastMineSeq = computed(() => {
    if (!this.isGroup()) return 0;
    const rows = this.rows();
    for (let i = rows.length - 1; i >= 0; i--) if (rows[i].message && rows[i].mine && !rows[i].message!.deleted) return rows[i].message!.seq;
    return 0;
  });

  protected readonly typingText = computed(() => {
    const ids = this.activity.typingUsers(this.key());
    if (ids.length === 0) return '';
    const names = ids.map((id) => this.people.displayName(id)).join(', ');
    return this.i18n.t(ids.length > 1 ? 'chat.typingMany' : 'chat.typing', { name: names });
  });

  constructor() {
    // New rows: keep the view at the bottom when the reader was there; mark as read.
    effect(() => {
      const rows = this.rows();
      const key = this.key();
      if (rows.length) this.activity.markRead(key);
      afterNextRender(() => this.scrollIfStuck(), { injector: this.injector });
    });
    effect(() => {
      this.key();
      this.stick = true;
      this.editingId.set(null);
      this.confirmDeleteId.set(null);
      this.highlightSeq.set(null);
      this.jumping = false;
      this.readers.set([]);
      this.showReaders.set(false);
    });
    // A jump to a message of this conversation: load up to it, bring it into view, highlight it.
    effect(() => {
      const jump = this.rj.jump();
      if (jump && jump.key === this.key()) untracked(() => void this.showMessage(jump.seq));
    });
    // "Seen by" of my newest group message, again whenever someone reads further.
    effect(() => {
      const seq = this.lastMineSeq();
      const key = this.key();
      this.readSeq();
      if (seq) untracked(() => void this.loadReaders(key, seq));
    });
  }

  /** mentioned: the lower-cased usernames a message mentions, space-separated, for its body's highlights. */
  protected mentioned(m: Message | null): string {
    if (!m?.mentions?.length) return '';
    const names = new Set<string>(['all']);
    for (const id of m.mentions) {
      const n = this.people.username(id);
      if (n) names.add(n.toLowerCase());
    }
    return [...names].join(' ');
  }

  /** myName: my lower-cased username, so that my mentions stand out. */
  protected myName(): string {
    return this.auth.user()?.username.toLowerCase() ?? '';
  }

  /** mentionsMe: whether the server recorded me among a message's mentions. */
  protected mentionsMe(m: Message | null): boolean {
    const me = this.auth.user();
    return !!me && !!m?.mentions?.includes(me.id);
  }


  protected quoteName(senderId: number): string {
    return this.people.displayName(senderId);
  }

  protected toggleMute(): void {
    void this.tell.setMuted(this.key(), !this.tell.muted(this.key()));
  }

  private async loadReaders(key: string, seq: number): Promise<void> {
    try {
      const me = this.auth.user()?.id;
      const list = await firstValueFrom(this.api.readers(this.conversationId(), seq));
      if (key === this.key()) this.readers.set(list.filter((r) => r.user.id !== me));
    } catch {
      /* "seen by" stays as it was */
    }
  }

  private async showMessage(seq: number): Promise<void> {
    const key = this.key();
    this.jumping = true;
    const found = await this.rj.load(key, seq);
    if (!found || key !== this.key()) {
      this.jumping = false;
      return;
    }
    this.stick = false;
    afterNextRender(
      () => {
        const el = this.scroller()?.nativeElement.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
        el?.scrollIntoView({ block: 'center' });
        this.highlightSeq.set(seq);
        clearTimeout(this.highlightTimer);
        this.highlightTimer = setTimeout(() => {
          this.highlightSeq.set(null);
          this.jumping = false;
        }, HIGHLIGHT_MS);
      },
      { injector: this.injector },
    );
  }

  /** The connection state of the socket that carries this conversation. */
  protected readonly connection = computed(() => this.sockets.for(this.key()).status());

  protected senderName(id: number): string {
    return this.people.displayName(id);
  }

  protected onScroll(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    this.stick = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (el.scrollTop < 40 && this.history().hasMore && !this.history().loading) void this.loadOlder();
    // An old window (a search hit): reaching its bottom brings the next newer page, not a jump to the end.
    else if (this.stick && this.history().hasNewer && !this.history().loading && !this.jumping) void this.loadNewer();
  }

  protected async loadNewer(): Promise<void> {
    await this.chatHistory.loadNewer(this.key());
  }

  /** jumpToLatest leaves an old window for the latest messages, at the bottom. */
  protected async jumpToLatest(): Promise<void> {
    this.jumping = false;
    this.stick = true;
    await this.chatHistory.backToLatest(this.key());
    afterNextRender(() => this.scrollIfStuck(), { injector: this.injector });
  }

  protected async loadOlder(): Promise<void> {
    const el = this.scroller()?.nativeElement;
    const before = el ? el.scrollHeight - el.scrollTop : 0;
    await this.chatHistory.loadOlder(this.key());
    afterNextRender(
      () => {
        const now = this.scroller()?.nativeElement;
        if (now) now.scrollTop = now.scrollHeight - before;
      },
      { injector: this.injector },
    );
  }

  protected startEdit(m: Message): void {
    this.confirmDeleteId.set(null);
    this.editingId.set(m.id);
    this.editText.set(m.body);
  }

  protected async saveEdit(m: Message): Promise<void> {
    const text = this.editText().trim();
    if (!text || text === m.body) {
      this.editingId.set(null);
      return;
    }
    if (await this.sender.edit(this.key(), m, text)) this.editingId.set(null);
  }

  protected onEditKey(ev: KeyboardEvent, m: Message): void {
    if (ev.key === 'Escape') this.editingId.set(null);
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      void this.saveEdit(m);
    }
  }

  protected async confirmDelete(m: Message): Promise<void> {
    await this.sender.remove(this.key(), m);
    this.confirmDeleteId.set(null);
  }

  protected retry(p: PendingMessage): void {
    this.sender.retry(this.key(), p.clientMsgId);
  }

  protected discard(p: PendingMessage): void {
    this.sender.discard(this.key(), p.clientMsgId);
  }

  private scrollIfStuck(): void {
    const el = this.scroller()?.nativeElement;
    // Under an old window the bottom is not the end: new rows there are a newer page, read from where it is.
    if (el && this.stick && !this.jumping && !this.history().hasNewer) el.scrollTop = el.scrollHeight;
  }
}
