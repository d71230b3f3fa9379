import { Component, computed, inject, input, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { Attachment, Message } from '../../core/api/models';
import { fileSize, fileUrl } from '../../core/chat/attachments.service';
import { ConversationKey } from '../../core/chat/conversation-key';
import { MessageSender } from '../../core/chat/message-sender';
import { ChatService } from '../../core/chat/chat.service';
import { People } from '../../core/chat/people';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';

/** The quick palette of the reaction picker: the reactions people use most in work chats. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀', '✅', '🔥'];

/**
 * MessageExtras shows what a message carries besides its text: images inline (their thumbnails, a lightbox
 * with the original), other files as chips with name, size and a download, and the reaction bar with a picker.
 */
@Component({
  selector: 'app-message-extras',
  imports: [TranslatePipe],
  template: `
    @if (images().length > 0) {
      <div class="images">
        @for (a of images(); track a.id) {
          <button type="button" class="thumb" data-testid="attachment-image" (click)="open.set(a)"
                  [attr.aria-label]="'rich.openImage' | t: lang() : { name: a.name }">
            <img [src]="link(a.thumbnailUrl!)" [alt]="a.name" [attr.width]="thumbSize(a).w" [attr.height]="thumbSize(a).h" loading="lazy" />
          </button>
        }
      </div>
    }
    @for (a of files(); track a.id) {
      <a class="chip" data-testid="attachment-file" [href]="link(a.url)" [attr.download]="a.name"
         [attr.aria-label]="'rich.download' | t: lang() : { name: a.name }">
        <svg class="clip" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M21.4 11.1l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg> <span class="name">{{ a.name }}</span> <span class="size">{{ size(a.size) }}</span>
      </a>
    }
    @if (bar().length > 0 || canReact()) {
      <div class="reactions" [class.empty]="bar().length === 0" data-testid="reaction-bar" (pointerenter)="loadWho()" (focusin)="loadWho()">
        @for (r of bar(); track r.emoji) {
          <button type="button" class="reaction" [class.me]="r.me" data-testid="reaction" [attr.data-emoji]="r.emoji"
                  [attr.aria-pressed]="r.me" [disabled]="!canReact()"
                  [title]="whoText(r.emoji) || ((r.me ? 'rich.reactionTitleMe' : 'rich.reactionTitle') | t: lang() : { emoji: r.emoji, n: r.count })"
                  (click)="toggle(r.emoji)">{{ r.emoji }} <span class="count">{{ r.count }}</span></button>
        }
        @if (canReact()) {
          <button type="button" class="reaction add" data-testid="reaction-add" [attr.aria-expanded]="picking()"
                  [attr.aria-label]="'rich.react' | t: lang()" (click)="picking.set(!picking()); loadWho()">☺+</button>
        }
      </div>
      @if (picking()) {
        <div class="picker" role="group" [attr.aria-label]="'rich.react' | t: lang()" data-testid="reaction-picker">
          @for (e of palette; track e) {
            <button type="button" [attr.aria-label]="'rich.reactWith' | t: lang() : { emoji: e }" [attr.data-emoji]="e"
                    (click)="toggle(e); picking.set(false)">{{ e }}</button>
          }
          @if (bar().length > 0 && who()) {
            <ul class="who" data-testid="reaction-who">
              @for (r of bar(); track r.emoji) {
                <li>{{ r.emoji }} {{ whoText(r.emoji) }}</li>
              }
            </ul>
          }
        </div>
      }
    }
    @if (open(); as a) {
      <div class="lightbox" role="dialog" aria-modal="true" [attr.aria-label]="a.name" data-testid="lightbox"
           (click)="open.set(null)" (keydown.escape)="open.set(null)" tabindex="-1">
        <img [src]="link(a.url)" [alt]="a.name" (click)="$event.stopPropagation()" />
        <div class="lightbox-bar" (click)="$event.stopPropagation()">
          <a [href]="link(a.url)" target="_blank" rel="noopener">{{ 'rich.openOriginal' | t: lang() }}</a>
          <button type="button" class="button small" data-testid="lightbox-close" (click)="open.set(null)">{{ 'rich.closeImage' | t: lang() }}</button>
        </div>
      </div>
    }
  `,
  styles: `
    :host { display: contents; }
    .images { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
    .thumb { padding: 0; border: 0; background: none; cursor: zoom-in; max-width: 100%; }
    .thumb img { display: block; max-width: min(320px, 70vw); height: auto; border-radius: 6px; }
    .chip { display: inline-flex; gap: 0.4rem; align-items: center; margin-top: 4px; padding: 0.25rem 0.5rem; border: 1px solid var(--border);
            border-radius: 999px; color: inherit; text-decoration: none; max-width: 100%; }
    .clip { flex: none; }
    .chip .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .chip .size { opacity: 0.7; white-space: nowrap; }
    .reactions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
    .reaction { border: 1px solid var(--border); border-radius: 999px; background: var(--surface); color: var(--text); padding: 0 0.45rem; min-height: 1.9rem; cursor: pointer; }
    .reaction.me { border-color: var(--primary); background: var(--primary-soft); }
    .reaction.add { opacity: 0.75; }
    /* No reaction yet: where there is a pointer that hovers, the add button floats on the bubble's top corner and
       shows when the message is hovered or the button focused, so that a message takes no extra row for it. Touch
       screens keep it in the flow, always visible. */
    @media (hover: hover) {
      .reactions.empty { position: absolute; top: -0.9rem; right: 0.5rem; margin: 0; z-index: 1; }
      .reactions.empty .add { opacity: 0; min-height: 1.6rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.15); }
      :host-context(.msg:hover) .reactions.empty .add, .reactions.empty .add:focus-visible, .reactions.empty .add[aria-expanded='true'] { opacity: 1; }
    }
    .picker { display: flex; flex-wrap: wrap; gap: 2px; margin-top: 4px; padding: 4px; border: 1px solid var(--border); border-radius: 8px; background: var(--surface); color: var(--text); }
    .picker button { font-size: 1.25rem; min-width: 2.4rem; min-height: 2.4rem; border: 0; background: none; cursor: pointer; }
    .who { flex-basis: 100%; list-style: none; margin: 4px 0 0; padding: 0; font-size: 0.85rem; color: var(--text-muted); }
    .lightbox { position: fixed; inset: 0; z-index: 1000; background: rgba(0, 0, 0, 0.85); display: flex; flex-direction: column;
                align-items: center; justify-content: center; gap: 0.5rem; padding: 1rem; }
    .lightbox img { max-width: 100%; max-height: calc(100% - 3rem); object-fit: contain; }
    .lightbox-bar { display: flex; gap: 1rem; align-items: center; }
    .lightbox-bar a { color: #fff; }
  `,
})
export class MessageExtras {
  protected readonly lang = inject(I18nService).lang;
  private readonly sender = inject(MessageSender);
  private readonly api = inject(ChatService);
  private readonly people = inject(People);
  private readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  /** The message (confirmed) whose files and reactions to show. */
  readonly message = input.required<Message>();
  /** Its conversation. */
  readonly key = input.required<ConversationKey>();
  /** False in a read-only conversation: reactions are shown, not changed. */
  readonly canReact = input(true);

  protected readonly palette = QUICK_REACTIONS;
  protected readonly picking = signal(false);
  protected readonly open = signal<Attachment | null>(null);
  protected readonly images = computed(() => (this.message().attachments ?? []).filter((a) => !!a.thumbnailUrl));
  protected readonly files = computed(() => (this.message().attachments ?? []).filter((a) => !a.thumbnailUrl));
  protected readonly bar = computed(() => this.message().reactions ?? []);
  /** Who reacted, by emoji, loaded on the first hover, focus or opening of the picker for this bar. */
  protected readonly who = signal<Record<string, number[]> | null>(null);
  private whoFor = '';

  protected link(url: string): string {
    return fileUrl(url);
  }

  protected size(bytes: number): string {
    return fileSize(bytes, this.lang());
  }

  /** thumbSize reserves the thumbnail's box before it loads (no jump of the list): 320 px on its longest side. */
  protected thumbSize(a: Attachment): { w: number | null; h: number | null } {
    if (!a.width || !a.height) return { w: null, h: null };
    const k = Math.min(1, 320 / Math.max(a.width, a.height));
    return { w: Math.round(a.width * k), h: Math.round(a.height * k) };
  }

  /** loadWho fetches who reacted, again only when the bar changed since. */
  protected async loadWho(): Promise<void> {
    const bar = JSON.stringify(this.bar());
    if (bar === this.whoFor || this.bar().length === 0) return;
    this.whoFor = bar;
    try {
      const items = await firstValueFrom(this.api.whoReacted(this.key(), this.message().id));
      this.who.set(Object.fromEntries(items.map((i) => [i.emoji, i.userIds])));
    } catch {
      this.whoFor = '';
    }
  }

  /** whoText names who used an emoji ("" until loaded); "you" for me. */
  protected whoText(emoji: string): string {
    const ids = this.who()?.[emoji];
    if (!ids) return '';
    const me = this.auth.user()?.id;
    return ids.map((id) => (id === me ? this.i18n.t('chat.you') : this.people.displayName(id))).join(', ');
  }

  /** toggle adds or takes back my emoji; a refusal (the 21st emoji...) is shown by the error toast. */
  protected toggle(emoji: string): void {
    void this.sender.toggleReaction(this.key(), this.message(), emoji);
  }
}
