import { Component, ElementRef, Injector, afterNextRender, computed, effect, inject, input, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import { Message } from '../../core/api/models';
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
import { Composer } from './composer';
import { MessageExtras } from './message-extras';
import { MarkdownBody } from '../../shared/markdown/markdown-body';

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
  imports: [RouterLink, TranslatePipe, Composer, MarkdownBody, MessageExtras],
  templateUrl: './message-pane.html',
  styleUrl: './message-pane.css',
})
export class MessagePane {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly conversations = inject(Conversations);
  private readonly people = inject(People);
  private readonly lastSeen = inject(LastSeen);
  private readonly chatHistory = inject(ChatHistory);
  private readonly activity = inject(ChatActivity);
  private readonly sender = inject(MessageSender);
  private readonly sockets = inject(ChatSockets);
  protected readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly injector = inject(Injector);
  /** The conversation key ('u:5' or 'g:3'). */
  readonly key = input.required<ConversationKey>();

  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  private stick = true;

  protected readonly editingId = signal<number | null>(null);
  protected readonly editText = signal('');
  protected readonly confirmDeleteId = signal<number | null>(null);

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
    });
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
    if (el && this.stick) el.scrollTop = el.scrollHeight;
  }
}
