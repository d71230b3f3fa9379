import { Component, ElementRef, inject, signal } from '@angular/core';
import { RouterLink, RouterLinkActive } from '@angular/router';
import { AuthService } from '../auth/auth.service';
import { I18nService, Lang } from '../i18n/i18n.service';
import { planKey } from '../i18n/keys';
import { TranslatePipe } from '../i18n/translate.pipe';
import { Conversations } from '../chat/conversations';
import { Friendships } from '../chat/friendships';
import { UserAvatar } from '../../shared/user-avatar';
import { ChatTell } from '../chat/chat-tell';
import { SearchBox } from '../../features/search/search-box';

/** Header: brand, main navigation (unread messages, friend requests waiting), plan badge, language switch and the user menu. */
@Component({
  selector: 'app-header',
  imports: [RouterLink, RouterLinkActive, TranslatePipe, UserAvatar, SearchBox],
  host: { '(document:keydown.escape)': 'closeMenu()', '(document:click)': 'onDocumentClick($event)' },
  template: `
    <header class="header">
      <a class="brand" routerLink="/" [attr.aria-label]="'app.home' | t: lang()">
        <span class="brand-mark" aria-hidden="true">W</span><span class="brand-name">WorkComm</span>
      </a>
      @if (auth.user(); as user) {
        <nav class="nav" [attr.aria-label]="'nav.main' | t: lang()">
          <a routerLink="/chat" routerLinkActive="active" data-testid="nav-chat">
            {{ 'nav.chat' | t: lang() }}
            @if (conversations.totalUnread() > 0) {
              <span class="badge" data-testid="nav-unread" [attr.aria-label]="'chat.unreadCount' | t: lang() : { n: conversations.totalUnread() }">{{ conversations.totalUnread() }}</span>
            }
          </a>
          <a routerLink="/friends" routerLinkActive="active" data-testid="nav-friends">
            {{ 'nav.friends' | t: lang() }}
            @if (friendships.incomingCount() > 0) {
              <span class="badge" data-testid="nav-friend-requests"
                    [attr.aria-label]="'friends.requestsWaiting' | t: lang() : { n: friendships.incomingCount() }">{{ friendships.incomingCount() }}</span>
            }
          </a>
          <a routerLink="/groups" routerLinkActive="active" data-testid="nav-groups">{{ 'nav.groups' | t: lang() }}</a>
          <a routerLink="/subscription" routerLinkActive="active" data-testid="nav-subscription">{{ 'nav.subscription' | t: lang() }}</a>
          @if (auth.isAdmin()) {
            <a routerLink="/admin" routerLinkActive="active" data-testid="nav-admin">{{ 'nav.admin' | t: lang() }}</a>
          }
        </nav>
      }
      <div class="tools">
        @if (auth.user()) {
          <app-search-box />
        }
        <label class="visually-hidden" for="lang-switch">{{ 'header.language' | t: lang() }}</label>
        <select id="lang-switch" class="lang" data-testid="lang-switch" [value]="i18n.lang()" (change)="setLang($event)">
          <option value="en">EN</option>
          <option value="fr">FR</option>
        </select>
        @if (auth.user(); as user) {
          <a routerLink="/subscription" class="plan-badge" [class.premium]="user.plan === 'premium'" data-testid="plan-badge"
             [attr.data-plan]="user.plan" [attr.aria-label]="'header.plan' | t: lang() : { plan: (planKey(user.plan) | t: lang()) }">
            {{ planKey(user.plan) | t: lang() }}
          </a>
          <div class="menu">
            <button type="button" class="menu-button" data-testid="user-menu-button" aria-haspopup="menu"
                    [attr.aria-expanded]="menuOpen()" aria-controls="user-menu" (click)="toggleMenu()">
              <app-user-avatar [user]="user" [size]="32" />
              <span class="menu-name" data-testid="current-user">{{ user.displayName || user.username }}</span>
            </button>
            @if (menuOpen()) {
              <ul id="user-menu" class="menu-list" role="menu">
                <li role="none"><a role="menuitem" routerLink="/profile" data-testid="nav-profile" (click)="closeMenu()">{{ 'nav.profile' | t: lang() }}</a></li>
                <li role="none"><a role="menuitem" routerLink="/payments" (click)="closeMenu()">{{ 'nav.payments' | t: lang() }}</a></li>
                <li role="none">
                  <label class="menu-check"><input type="checkbox" role="menuitemcheckbox" data-testid="notify-toggle" [checked]="tell.notify()"
                         [attr.aria-checked]="tell.notify()" (change)="tell.setNotify($any($event.target).checked)" /> {{ 'notify.enable' | t: lang() }}</label>
                  @if (tell.denied()) { <small class="hint">{{ 'notify.denied' | t: lang() }}</small> }
                </li>
                <li role="none">
                  <label class="menu-check"><input type="checkbox" role="menuitemcheckbox" data-testid="sound-toggle" [checked]="tell.sound()"
                         [attr.aria-checked]="tell.sound()" (change)="tell.setSound($any($event.target).checked)" /> {{ 'notify.sound' | t: lang() }}</label>
                </li>
                <li role="none"><a role="menuitem" routerLink="/subscription" (click)="closeMenu()">{{ 'nav.subscription' | t: lang() }}</a></li>
                <li role="none">
                  <button role="menuitem" type="button" data-testid="logout-button" (click)="logout()">{{ 'header.logout' | t: lang() }}</button>
                </li>
              </ul>
            }
          </div>
        } @else {
          <a routerLink="/login" class="link-button" data-testid="nav-login">{{ 'auth.login' | t: lang() }}</a>
          <a routerLink="/register" class="button small" data-testid="nav-register">{{ 'auth.register' | t: lang() }}</a>
        }
      </div>
    </header>
  `,
  styleUrl: './header.css',
})
export class Header {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly planKey = planKey;
  protected readonly auth = inject(AuthService);
  protected readonly i18n = inject(I18nService);
  protected readonly conversations = inject(Conversations);
  protected readonly friendships = inject(Friendships);
  protected readonly tell = inject(ChatTell);
  private readonly host = inject(ElementRef<HTMLElement>);
  protected readonly menuOpen = signal(false);

  protected setLang(ev: Event): void {
    this.i18n.setLang((ev.target as HTMLSelectElement).value as Lang);
  }

  protected toggleMenu(): void {
    this.menuOpen.update((v) => !v);
  }

  protected closeMenu(): void {
    this.menuOpen.set(false);
  }

  protected onDocumentClick(ev: Event): void {
    if (this.menuOpen() && !this.host.nativeElement.querySelector('.menu')?.contains(ev.target as Node)) this.closeMenu();
  }

  protected async logout(): Promise<void> {
    this.closeMenu();
    await this.auth.logout();
  }
}
