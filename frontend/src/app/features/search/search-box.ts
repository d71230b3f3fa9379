import { Component, DestroyRef, ElementRef, computed, inject, signal, viewChild } from '@angular/core';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { SearchHit } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { ChatLists } from '../../core/chat/chat-lists';
import { ChatService } from '../../core/chat/chat.service';
import { ConversationKey, idOf, kindOf } from '../../core/chat/conversation-key';
import { Conversations } from '../../core/chat/conversations';
import { highlightParts } from '../../core/chat/mention-text';
import { People } from '../../core/chat/people';
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { groupHits } from './search-results';

/** Wait after the last keystroke before searching. */
const DEBOUNCE_MS = 250;

/**
 * Search box (Ctrl/Cmd+K): searches every conversation I can read as I type, shows the hits grouped by
 * conversation with their highlighted snippets (plain text, highlights from the server's code-point ranges),
 * and opens a hit in its conversation, brought into view and highlighted.
 */
@Component({
  selector: 'app-search-box',
  imports: [TranslatePipe],
  host: { '(document:keydown)': 'onDocumentKey($event)', '(document:click)': 'onDocumentClick($event)' },
  template: `
    <div class="search" role="search">
      <label class="visually-hidden" for="message-search">{{ 'search.label' | t: lang() }}</label>
      <input #box id="message-search" type="search" data-testid="search-input" autocomplete="off" maxlength="200"
             [placeholder]="'search.placeholder' | t: lang()" [value]="q()" (input)="onInput($any($event.target).value)"
             (focus)="open.set(!!q().trim())" (keydown.escape)="close()" aria-controls="search-results" [attr.aria-expanded]="open()" />
      @if (open()) {
        <div class="results" id="search-results" data-testid="search-results">
          @if (error()) {
            <p class="state error" role="alert">{{ 'search.error' | t: lang() }}</p>
          } @else if (loading() && hits().length === 0) {
            <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
          } @else if (hits().length === 0) {
            <p class="state" data-testid="search-empty">{{ 'search.none' | t: lang() }}</p>
          }
          @for (g of groups(); track g.key) {
            <section class="conv" [attr.data-key]="g.key">
              <h3>{{ titleOf(g.key) }}</h3>
              <ul>
                @for (h of g.hits; track h.message.id) {
                  <li>
                    <button type="button" class="hit" data-testid="search-hit" [attr.data-id]="h.message.id" (click)="openHit(g.key, h)">
                      <span class="who">{{ people.displayName(h.message.senderId) }}</span>
                      <span class="snippet">@for (p of parts(h); track $index) {@if (p.hit) {<mark>{{ p.text }}</mark>} @else {{{ p.text }}}}</span>
                    </button>
                  </li>
                }
              </ul>
            </section>
          }
          @if (next()) {
            <button type="button" class="link-button more" (click)="more()">{{ 'search.more' | t: lang() }}</button>
          }
        </div>
      }
    </div>
  `,
  styles: `
    .search { position: relative; }
    input { width: 16rem; max-width: 100%; }
    .results { position: absolute; top: calc(100% + 4px); right: 0; width: min(28rem, 94vw); max-height: 70vh; overflow-y: auto; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: 0 8px 24px rgb(0 0 0 / 0.18); z-index: 30; padding: var(--space-2); }
    .conv h3 { margin: var(--space-2) 0 var(--space-1); font-size: 0.8rem; color: var(--text-muted); text-transform: uppercase; }
    ul { list-style: none; margin: 0; padding: 0; }
    .hit { display: flex; flex-direction: column; align-items: flex-start; width: 100%; text-align: left; background: none; border: none; padding: var(--space-1) var(--space-2); border-radius: var(--radius); color: var(--text); font: inherit; cursor: pointer; }
    .hit:hover, .hit:focus-visible { background: var(--surface-2); }
    .who { font-size: 0.75rem; font-weight: 600; color: var(--text-muted); }
    .snippet { overflow-wrap: anywhere; font-size: 0.9rem; }
    mark { background: var(--warning-bg, #fef3c7); color: inherit; border-radius: 2px; }
    .more { margin-top: var(--space-1); }
    @media (max-width: 767px) {
      .search, input { width: 100%; }
      .results { position: fixed; top: 3.5rem; left: 3vw; right: 3vw; width: auto; }
    }
  `,
})
export class SearchBox {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly people = inject(People);
  private readonly api = inject(ChatService);
  private readonly lists = inject(ChatLists);
  private readonly conversations = inject(Conversations);
  private readonly auth = inject(AuthService);
  private readonly rj = inject(ReplyAndJump);
  private readonly router = inject(Router);
  private readonly host = inject(ElementRef<HTMLElement>);
  private readonly box = viewChild.required<ElementRef<HTMLInputElement>>('box');

  protected readonly q = signal('');
  protected readonly open = signal(false);
  protected readonly hits = signal<SearchHit[]>([]);
  protected readonly next = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal(false);
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts searches: an answer to an older one is dropped. */
  private generation = 0;

  protected readonly groups = computed(() => {
    const peers = new Map(this.lists.privateConversations().map((c) => [c.conversationId, c.peer.id]));
    return groupHits(this.hits(), this.auth.user()?.id ?? 0, (id) => peers.get(id) ?? null);
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => clearTimeout(this.timer));
  }

  protected titleOf(key: ConversationKey): string {
    return this.conversations.entry(key)?.title ?? this.people.displayName(idOf(key));
  }

  protected parts(h: SearchHit) {
    return highlightParts(h.snippet.text, h.snippet.highlights);
  }

  protected onInput(value: string): void {
    this.q.set(value);
    clearTimeout(this.timer);
    if (!value.trim()) {
      this.generation++;
      this.hits.set([]);
      this.next.set(null);
      this.open.set(false);
      return;
    }
    this.open.set(true);
    this.timer = setTimeout(() => void this.run(null), DEBOUNCE_MS);
  }

  protected more(): void {
    void this.run(this.next());
  }

  protected openHit(key: ConversationKey, h: SearchHit): void {
    this.close();
    void this.router.navigate(['/chat', kindOf(key), idOf(key)]).then(() => this.rj.jumpTo(key, h.message.seq));
  }

  protected close(): void {
    this.open.set(false);
  }

  protected onDocumentKey(ev: KeyboardEvent): void {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'k') {
      ev.preventDefault();
      this.box().nativeElement.focus();
      this.box().nativeElement.select();
      this.open.set(!!this.q().trim());
    }
  }

  protected onDocumentClick(ev: Event): void {
    if (this.open() && !this.host.nativeElement.contains(ev.target as Node)) this.close();
  }

  private async run(cursor: string | null): Promise<void> {
    const q = this.q().trim();
    if (!q) return;
    const gen = ++this.generation;
    this.loading.set(true);
    this.error.set(false);
    try {
      const page = await firstValueFrom(this.api.search(q, cursor));
      if (gen !== this.generation) return;
      this.hits.set(cursor ? [...this.hits(), ...page.items] : page.items);
      this.next.set(page.nextCursor);
    } catch {
      if (gen === this.generation) this.error.set(true);
    } finally {
      if (gen === this.generation) this.loading.set(false);
    }
  }
}
