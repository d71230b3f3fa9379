import { Component, computed, effect, inject, input, untracked } from '@angular/core';
import { routeKey } from '../../core/chat/conversation-key';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { ChatStore } from '../../core/chat/chat-store.service';
import { ConversationList } from './conversation-list';
import { MessagePane } from './message-pane';

/**
 * Chat page: the conversation list and the open conversation side by side; on a phone they are two screens
 * (/chat shows the list, /chat/:kind/:id the conversation with a back link).
 */
@Component({
  selector: 'app-chat-page',
  imports: [ConversationList, MessagePane, TranslatePipe],
  template: `
    <div class="chat" [class.has-active]="!!key()" data-testid="chat-page">
      <aside class="list-col"><app-conversation-list [activeKey]="key()" /></aside>
      <div class="pane-col">
        @if (key(); as k) {
          <app-message-pane [key]="k" />
        } @else {
          <div class="placeholder state"><p>{{ 'chat.pick' | t: lang() }}</p></div>
        }
      </div>
    </div>
  `,
  styles: `
    :host { display: flex; flex: 1; min-height: 0; }
    .chat { flex: 1; display: grid; grid-template-columns: minmax(16rem, 22rem) 1fr; min-height: 0; height: 100%; }
    .list-col { background: var(--surface); border-right: 1px solid var(--border); min-height: 0; overflow: hidden; }
    .pane-col { min-height: 0; min-width: 0; }
    .placeholder { height: 100%; display: grid; place-items: center; }
    @media (min-width: 768px) and (max-width: 1023px) {
      .chat { grid-template-columns: 15rem 1fr; }
    }
    @media (max-width: 767px) {
      .chat { grid-template-columns: 1fr; }
      .chat.has-active .list-col { display: none; }
      .chat:not(.has-active) .pane-col { display: none; }
      .list-col { border-right: none; }
    }
  `,
})
export class ChatPage {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly store = inject(ChatStore);
  /** Route parameters (component input binding). */
  readonly kind = input<string>();
  readonly id = input<string>();

  protected readonly key = computed(() => routeKey(this.kind(), this.id()));

  constructor() {
    effect((onCleanup) => {
      const key = this.key();
      untracked(() => (key ? void this.store.open(key) : this.store.close()));
      onCleanup(() => untracked(() => (key ? this.store.leave(key) : this.store.close())));
    });
  }
}
