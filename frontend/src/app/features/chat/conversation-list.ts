import { Component, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AuthService } from '../../core/auth/auth.service';
import { ConversationKey } from '../../core/chat/conversation-key';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { LoadMore } from '../../shared/load-more';
import { ChatLists } from '../../core/chat/chat-lists';
import { Conversations } from '../../core/chat/conversations';
import { Drafts } from '../../core/chat/drafts';
import { UserAvatar } from '../../shared/user-avatar';
import { ChatTell } from '../../core/chat/chat-tell';

/** Conversation list: unread and mention badges, mute marks, presence dots, last message preview (as text), or the draft left there. */
@Component({
  selector: 'app-conversation-list',
  imports: [RouterLink, TranslatePipe, LoadMore, UserAvatar],
  template: `
    <nav class="conversations" [attr.aria-label]="'chat.conversations' | t: lang()" data-testid="conversation-list">
      <div class="list-head">
        <h2>{{ 'chat.conversations' | t: lang() }}</h2>
        <a class="button small secondary" routerLink="/groups" data-testid="new-group-link">{{ 'groups.new' | t: lang() }}</a>
      </div>
      @if (lists.loading()) {
        <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
      } @else if (lists.loadError()) {
        <div class="state error" role="alert">
          {{ 'chat.listError' | t: lang() }}
          <button type="button" class="link-button" (click)="lists.refresh(true)">{{ 'common.retry' | t: lang() }}</button>
        </div>
      } @else if (conversations.entries().length === 0) {
        <div class="state" data-testid="conversations-empty">
          <p>{{ 'chat.noConversations' | t: lang() }}</p>
          <a routerLink="/friends" class="button small">{{ 'chat.findFriends' | t: lang() }}</a>
        </div>
      } @else {
        <ul class="items">
          @for (c of conversations.entries(); track c.key) {
            <li>
              <a [routerLink]="['/chat', c.kind, c.id]" class="item" [class.active]="c.key === activeKey()"
                 [attr.aria-current]="c.key === activeKey() ? 'page' : null" data-testid="conversation-item"
                 [attr.data-key]="c.key" [attr.data-title]="c.title" [attr.data-read-only]="c.readOnly ? 'true' : null">
                @if (c.peer) {
                  <app-user-avatar [user]="c.peer" [size]="38" />
                } @else {
                  <span class="avatar" [class.group]="c.kind === 'g'" aria-hidden="true">{{ c.title.charAt(0).toUpperCase() }}</span>
                }
                <span class="text">
                  <span class="title">
                    @if (c.kind === 'u') {
                      @if (!c.readOnly) {
                        <span class="dot" [class.online]="c.online" data-testid="presence-dot"
                              [attr.data-online]="c.online ? 'true' : 'false'"></span>
                        <span class="visually-hidden">{{ (c.online ? 'chat.online' : 'chat.offline') | t: lang() }}</span>
                      }
                    } @else {
                      <span class="group-tag">{{ 'chat.group' | t: lang() }}</span>
                    }
                    <span class="name" [class.deleted-account]="c.readOnly">{{ c.title }}</span>
                  </span>
                  <span class="preview">
                    @if (c.key !== activeKey() && drafts.of(c.key)) {
                      <span class="draft" data-testid="conversation-draft">{{ 'chat.draft' | t: lang() }}:</span> {{ drafts.of(c.key) }}
                    } @else if (c.lastMessage; as m) {
                      @if (m.deleted) { <em>{{ 'chat.deleted' | t: lang() }}</em> }
                      @else { {{ m.senderId === auth.user()?.id ? ('chat.you' | t: lang()) + ': ' : '' }}{{ m.body || (m.attachments?.[0]?.name ?? '') }} }
                    } @else {
                      <em>{{ 'chat.noMessagesYet' | t: lang() }}</em>
                    }
                  </span>
                </span>
                @if (tell.muted(c.key)) {
                  <span class="muted-mark" data-testid="muted-mark" [attr.title]="'chat.muted' | t: lang()" [attr.aria-label]="'chat.muted' | t: lang()">🔕</span>
                }
                @if (tell.mentions(c.key) > 0) {
                  <span class="badge mention-badge" data-testid="mention-badge"
                        [attr.aria-label]="'chat.mentionsCount' | t: lang() : { n: tell.mentions(c.key) }">&#64;{{ tell.mentions(c.key) }}</span>
                }
                @if (c.unread > 0) {
                  <span class="badge" [class.quiet]="tell.muted(c.key)" data-testid="unread-badge" [attr.aria-label]="'chat.unreadCount' | t: lang() : { n: c.unread }">{{ c.unread }}</span>
                }
              </a>
            </li>
          }
          @if (lists.hasMore()) {
            <li><app-load-more [loading]="lists.loadingMore()" (more)="lists.loadMore()" /></li>
          }
        </ul>
      }
    </nav>
  `,
  styles: `
    .conversations { display: flex; flex-direction: column; min-height: 0; height: 100%; }
    .list-head { display: flex; align-items: center; justify-content: space-between; padding: var(--space-3); border-bottom: 1px solid var(--border); }
    .list-head h2 { margin: 0; }
    .items { list-style: none; margin: 0; padding: var(--space-1); overflow-y: auto; flex: 1; }
    .item { display: flex; align-items: center; gap: var(--space-2); padding: var(--space-2); border-radius: var(--radius); color: var(--text); text-decoration: none; }
    .item:hover { background: var(--surface-2); }
    .item.active { background: var(--primary-soft); }
    .avatar { flex: none; display: grid; place-items: center; width: 2.4rem; height: 2.4rem; border-radius: 50%; background: var(--surface-2); font-weight: 700; }
    .avatar.group { border-radius: var(--radius); background: var(--primary-soft); color: var(--primary-strong); }
    .text { flex: 1; min-width: 0; display: flex; flex-direction: column; }
    .title { display: flex; align-items: center; gap: var(--space-1); font-weight: 600; }
    .name, .preview { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .preview { color: var(--text-muted); font-size: 0.85rem; }
    .deleted-account { font-style: italic; color: var(--text-muted); }
    .draft { color: var(--danger); font-weight: 600; }
    .mention-badge { background: var(--warning, #f59e0b); color: #1f1300; }
    .badge.quiet { opacity: 0.55; }
    .muted-mark { font-size: 0.8rem; }
    .group-tag { font-size: 0.65rem; text-transform: uppercase; background: var(--surface-2); border-radius: 4px; padding: 0 4px; color: var(--text-muted); }
  `,
})
export class ConversationList {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly lists = inject(ChatLists);
  protected readonly conversations = inject(Conversations);
  protected readonly auth = inject(AuthService);
  protected readonly drafts = inject(Drafts);
  protected readonly tell = inject(ChatTell);
  /** The key of the conversation on screen. */
  readonly activeKey = input<ConversationKey | null>(null);
}
