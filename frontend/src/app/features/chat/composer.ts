import { Component, ElementRef, effect, inject, input, viewChild } from '@angular/core';
import { ConversationKey } from '../../core/chat/conversation-key';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { ChatActivity } from '../../core/chat/chat-activity';
import { Drafts } from '../../core/chat/drafts';
import { MessageSender } from '../../core/chat/message-sender';

/** Longest message body (the server's limit, in code points). */
export const MAX_BODY = 4000;

/** Composer: keeps a draft per conversation; Enter sends, Shift+Enter adds a line. */
@Component({
  selector: 'app-composer',
  imports: [TranslatePipe],
  template: `
    <form class="composer" (submit)="$event.preventDefault(); send()" data-testid="composer">
      <label class="visually-hidden" for="composer-input">{{ 'chat.messageLabel' | t: lang() }}</label>
      <span id="composer-hint" class="visually-hidden">{{ 'chat.composerHint' | t: lang() }}</span>
      <textarea #box id="composer-input" rows="1" data-testid="composer-input" [value]="drafts.of(key())"
                aria-describedby="composer-hint"
                [attr.maxlength]="max" [placeholder]="'chat.placeholder' | t: lang()"
                (input)="onInput($event)" (keydown.enter)="onEnter($any($event))"></textarea>
      <button type="submit" class="button" data-testid="composer-send" [disabled]="!drafts.of(key()).trim()"
              [attr.aria-label]="'chat.send' | t: lang()">{{ 'chat.send' | t: lang() }}</button>
    </form>
  `,
  styles: `
    .composer { display: flex; gap: var(--space-2); padding: var(--space-2) var(--space-3); border-top: 1px solid var(--border); background: var(--surface); align-items: flex-end; }
    textarea { flex: 1; min-height: 2.5rem; max-height: 10rem; resize: none; }
  `,
})
export class Composer {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly drafts = inject(Drafts);
  private readonly sender = inject(MessageSender);
  private readonly activity = inject(ChatActivity);
  /** The conversation this composer writes to. */
  readonly key = input.required<ConversationKey>();
  protected readonly max = MAX_BODY;
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  constructor() {
    // Focus the composer when the conversation changes (keyboard users land where they type).
    effect(() => {
      this.key();
      queueMicrotask(() => this.box().nativeElement.focus({ preventScroll: true }));
    });
  }

  protected onInput(ev: Event): void {
    const value = (ev.target as HTMLTextAreaElement).value;
    this.drafts.set(this.key(), value);
    if (value.trim()) this.activity.typing(this.key());
  }

  protected onEnter(ev: KeyboardEvent): void {
    if (ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    this.send();
  }

  protected send(): void {
    const key = this.key();
    const text = this.drafts.of(key);
    if (!text.trim()) return;
    this.sender.send(key, text);
    this.drafts.set(key, '');
    this.box().nativeElement.value = '';
  }
}
