import { Component, ElementRef, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { ConversationKey, idOf, isGroupKey } from '../../core/chat/conversation-key';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { ChatActivity } from '../../core/chat/chat-activity';
import { ChatService } from '../../core/chat/chat.service';
import { Drafts } from '../../core/chat/drafts';
import { MessageSender } from '../../core/chat/message-sender';
import { People } from '../../core/chat/people';
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { AuthService } from '../../core/auth/auth.service';
import { MentionCandidate, insertMention, mentionQuery, suggestMentions } from './mention-suggest';

/** Longest message body (the server's limit, in code points). */
export const MAX_BODY = 4000;

/**
 * Composer: keeps a draft per conversation; Enter sends, Shift+Enter adds a line. Shows the message being
 * answered (a quote strip) and suggests the conversation's members after an @.
 */
@Component({
  selector: 'app-composer',
  imports: [TranslatePipe],
  template: `
    @if (replyTo(); as r) {
      <div class="quote-strip" data-testid="reply-strip">
        <span class="quote-text">
          <strong>{{ 'chat.replyingTo' | t: lang() : { name: people.displayName(r.senderId) } }}</strong>
          <span class="quote-body">{{ r.deleted ? ('chat.quoteDeleted' | t: lang()) : r.body }}</span>
        </span>
        <button type="button" class="link-button" data-testid="reply-cancel" [attr.aria-label]="'chat.cancelReply' | t: lang()"
                (click)="rj.setReply(key(), null)">✕</button>
      </div>
    }
    @if (suggestions().length) {
      <ul class="suggest" role="listbox" id="mention-suggest" data-testid="mention-suggestions" [attr.aria-label]="'chat.mentionSuggestions' | t: lang()">
        @for (c of suggestions(); track c.username; let i = $index) {
          <li role="option" [attr.aria-selected]="i === active()" [class.active]="i === active()" data-testid="mention-suggestion"
              (mousedown)="$event.preventDefault(); pick(c)">
            <strong>{{ '@' + c.username }}</strong> <span>{{ c.label }}</span>
          </li>
        }
      </ul>
    }
    <form class="composer" (submit)="$event.preventDefault(); send()" data-testid="composer">
      <label class="visually-hidden" for="composer-input">{{ 'chat.messageLabel' | t: lang() }}</label>
      <span id="composer-hint" class="visually-hidden">{{ 'chat.composerHint' | t: lang() }}</span>
      <textarea #box id="composer-input" rows="1" data-testid="composer-input" [value]="drafts.of(key())"
                aria-describedby="composer-hint" [attr.aria-controls]="suggestions().length ? 'mention-suggest' : null"
                [attr.maxlength]="max" [placeholder]="'chat.placeholder' | t: lang()"
                (input)="onInput($event)" (keydown)="onKey($event)"></textarea>
      <button type="submit" class="button" data-testid="composer-send" [disabled]="!drafts.of(key()).trim()"
              [attr.aria-label]="'chat.send' | t: lang()">{{ 'chat.send' | t: lang() }}</button>
    </form>
  `,
  styles: `
    :host { display: block; position: relative; }
    .composer { display: flex; gap: var(--space-2); padding: var(--space-2) var(--space-3); border-top: 1px solid var(--border); background: var(--surface); align-items: flex-end; }
    textarea { flex: 1; min-height: 2.5rem; max-height: 10rem; resize: none; }
    .quote-strip { display: flex; gap: var(--space-2); align-items: center; padding: var(--space-1) var(--space-3); border-top: 1px solid var(--border); border-left: 3px solid var(--primary, #3b82f6); background: var(--surface); font-size: 0.875rem; }
    .quote-text { flex: 1; min-width: 0; display: flex; gap: var(--space-2); }
    .quote-body { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; opacity: 0.8; }
    .suggest { position: absolute; bottom: 100%; left: var(--space-3); right: var(--space-3); max-width: 22rem; margin: 0; padding: var(--space-1) 0; list-style: none; background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; box-shadow: 0 4px 16px rgb(0 0 0 / 0.15); z-index: 5; }
    .suggest li { padding: var(--space-1) var(--space-3); cursor: pointer; }
    .suggest li.active, .suggest li:hover { background: var(--hover, rgb(0 0 0 / 0.06)); }
  `,
})
export class Composer {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly drafts = inject(Drafts);
  protected readonly people = inject(People);
  protected readonly rj = inject(ReplyAndJump);
  private readonly sender = inject(MessageSender);
  private readonly activity = inject(ChatActivity);
  private readonly api = inject(ChatService);
  private readonly auth = inject(AuthService);
  /** The conversation this composer writes to. */
  readonly key = input.required<ConversationKey>();
  protected readonly max = MAX_BODY;
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  protected readonly replyTo = computed(() => this.rj.replyingTo(this.key()));
  /** The @name being typed (null: none). */
  private readonly query = signal<string | null>(null);
  protected readonly active = signal(0);
  /** Who can be mentioned here: the peer, or the group's members (loaded once per group) and @all. */
  private readonly candidates = signal<MentionCandidate[]>([]);
  protected readonly suggestions = computed(() => {
    const q = this.query();
    return q === null ? [] : suggestMentions(q, this.candidates());
  });

  constructor() {
    // Focus the composer when the conversation changes (keyboard users land where they type).
    effect(() => {
      const key = this.key();
      this.query.set(null);
      untracked(() => void this.loadCandidates(key));
      queueMicrotask(() => this.box().nativeElement.focus({ preventScroll: true }));
    });
    // A reply chosen: type it here.
    effect(() => {
      if (this.replyTo()) queueMicrotask(() => this.box().nativeElement.focus({ preventScroll: true }));
    });
  }

  protected onInput(ev: Event): void {
    const el = ev.target as HTMLTextAreaElement;
    const value = el.value;
    this.drafts.set(this.key(), value);
    this.query.set(mentionQuery(value.slice(0, el.selectionStart ?? value.length)));
    this.active.set(0);
    if (value.trim()) this.activity.typing(this.key());
  }

  protected onKey(ev: KeyboardEvent): void {
    const list = this.suggestions();
    if (list.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const step = ev.key === 'ArrowDown' ? 1 : list.length - 1;
        this.active.set((this.active() + step) % list.length);
        return;
      }
      if (ev.key === 'Enter' || ev.key === 'Tab') {
        ev.preventDefault();
        this.pick(list[Math.min(this.active(), list.length - 1)]);
        return;
      }
      if (ev.key === 'Escape') {
        this.query.set(null);
        return;
      }
    }
    if (ev.key === 'Escape' && this.replyTo()) {
      this.rj.setReply(this.key(), null);
      return;
    }
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    this.send();
  }

  protected pick(c: MentionCandidate): void {
    const el = this.box().nativeElement;
    const next = insertMention(el.value, el.selectionStart ?? el.value.length, c.username);
    el.value = next.text;
    el.setSelectionRange(next.caret, next.caret);
    this.drafts.set(this.key(), next.text);
    this.query.set(null);
  }

  protected send(): void {
    const key = this.key();
    const text = this.drafts.of(key);
    if (!text.trim()) return;
    this.sender.send(key, text, this.replyTo()?.id);
    this.rj.setReply(key, null);
    this.drafts.set(key, '');
    this.query.set(null);
    this.box().nativeElement.value = '';
  }

  private async loadCandidates(key: ConversationKey): Promise<void> {
    const me = this.auth.user()?.id;
    const label = (u: { username: string; displayName?: string }) => u.displayName || u.username;
    if (!isGroupKey(key)) {
      const name = this.people.username(idOf(key));
      this.candidates.set(name ? [{ username: name, label: this.people.displayName(idOf(key)) }] : []);
      return;
    }
    this.candidates.set([]);
    try {
      const g = await firstValueFrom(this.api.group(idOf(key)));
      if (key !== this.key()) return;
      const members = (g?.members ?? []).filter((m) => m.user.id !== me && !m.user.deleted);
      const mine = g?.members?.find((m) => m.user.id === me);
      const all = mine && mine.role !== 'member' ? [{ username: 'all', label: 'all' }] : [];
      this.candidates.set([...members.map((m) => ({ username: m.user.username, label: label(m.user) })), ...all]);
    } catch {
      /* no suggestions: typing the name still mentions */
    }
  }
}
