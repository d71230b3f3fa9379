import { Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Subject, debounceTime, distinctUntilChanged, switchMap, of, catchError, tap } from 'rxjs';
import { firstValueFrom } from 'rxjs';
import { FriendRequests, PublicUser } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { LoadMore } from '../../shared/load-more';
import { FriendsService } from './friends.service';
import { ToastService } from '../../core/toast/toast.service';
import { ChatLists } from '../../core/chat/chat-lists';
import { People } from '../../core/chat/people';

/** Friends page: search users, send requests, answer incoming ones, list and remove friends. */
@Component({
  selector: 'app-friends-page',
  imports: [RouterLink, TranslatePipe, LoadMore],
  template: `
    <section class="page">
      <h1>{{ 'friends.title' | t: lang() }}</h1>
      <div class="grid">
        <div class="card stack">
          <h2>{{ 'friends.find' | t: lang() }}</h2>
          <div class="field">
            <label for="friend-search">{{ 'friends.searchLabel' | t: lang() }}</label>
            <input id="friend-search" type="search" data-testid="friend-search" autocomplete="off"
                   [placeholder]="'friends.searchPlaceholder' | t: lang()" (input)="query$.next($any($event.target).value)" />
          </div>
          @if (searching()) {
            <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
          } @else if (searched() && results().length === 0) {
            <p class="state" data-testid="search-empty">{{ 'friends.noResults' | t: lang() }}</p>
          }
          <ul class="list" data-testid="search-results">
            @for (u of results(); track u.id) {
              <li data-testid="search-result" [attr.data-username]="u.username">
                <span class="grow"><strong>{{ u.displayName || u.username }}</strong>&ngsp;<span class="muted">@{{ u.username }}</span></span>
                @if (isFriend(u.id)) {
                  <span class="muted">{{ 'friends.already' | t: lang() }}</span>
                } @else if (sentTo().has(u.id)) {
                  <span class="muted" data-testid="request-sent">{{ 'friends.sent' | t: lang() }}</span>
                } @else {
                  <button type="button" class="button small" data-testid="send-request"
                          [attr.aria-label]="'friends.addNamed' | t: lang() : { name: u.username }" (click)="send(u)">{{ 'friends.add' | t: lang() }}</button>
                }
              </li>
            }
          </ul>
        </div>

        <div class="card stack">
          <h2>{{ 'friends.incoming' | t: lang() }}</h2>
          @if (requests().incoming.length === 0) {
            <p class="muted" data-testid="incoming-empty">{{ 'friends.noIncoming' | t: lang() }}</p>
          }
          <ul class="list" data-testid="incoming-requests">
            @for (r of requests().incoming; track r.id) {
              <li data-testid="incoming-request" [attr.data-username]="r.from.username">
                <span class="grow"><strong>{{ r.from.displayName || r.from.username }}</strong>&ngsp;<span class="muted">@{{ r.from.username }}</span></span>
                <button type="button" class="button small" data-testid="accept-request"
                        [attr.aria-label]="'friends.acceptNamed' | t: lang() : { name: r.from.username }" (click)="accept(r.id)">{{ 'friends.accept' | t: lang() }}</button>
                <button type="button" class="button small secondary" data-testid="decline-request"
                        [attr.aria-label]="'friends.declineNamed' | t: lang() : { name: r.from.username }" (click)="decline(r.id)">{{ 'friends.decline' | t: lang() }}</button>
              </li>
            }
          </ul>
          <h2>{{ 'friends.outgoing' | t: lang() }}</h2>
          @if (requests().outgoing.length === 0) {
            <p class="muted">{{ 'friends.noOutgoing' | t: lang() }}</p>
          }
          <ul class="list" data-testid="outgoing-requests">
            @for (r of requests().outgoing; track r.id) {
              <li data-testid="outgoing-request" [attr.data-username]="r.to.username">
                <span class="grow">{{ r.to.displayName || r.to.username }} <span class="muted">@{{ r.to.username }}</span></span>
                <span class="muted">{{ 'friends.waiting' | t: lang() }}</span>
              </li>
            }
          </ul>
        </div>

        <div class="card stack wide">
          <div class="row"><h2 class="grow">{{ 'friends.list' | t: lang() }}</h2>
            <button type="button" class="button small secondary" data-testid="friends-refresh" (click)="load()">{{ 'common.refresh' | t: lang() }}</button></div>
          @if (loading()) {
            <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
          } @else if (error()) {
            <p class="state error" role="alert">{{ 'common.loadError' | t: lang() }} <button class="link-button" type="button" (click)="load()">{{ 'common.retry' | t: lang() }}</button></p>
          } @else if (lists.friends().length === 0) {
            <p class="state" data-testid="friends-empty">{{ 'friends.none' | t: lang() }}</p>
          }
          <ul class="list" data-testid="friend-list">
            @for (f of lists.friends(); track f.user.id) {
              <li data-testid="friend-item" [attr.data-username]="f.user.username">
                <span class="dot" [class.online]="people.online(f.user.id)" aria-hidden="true"></span>
                <span class="grow"><strong>{{ f.user.displayName || f.user.username }}</strong>&ngsp;<span class="muted">@{{ f.user.username }}</span></span>
                <a class="button small" [routerLink]="['/chat', 'u', f.user.id]" data-testid="friend-chat">{{ 'friends.message' | t: lang() }}</a>
                @if (confirmRemove() === f.user.id) {
                  <button type="button" class="button small danger" data-testid="remove-friend-confirm" (click)="remove(f.user.id)">{{ 'friends.confirmRemove' | t: lang() }}</button>
                  <button type="button" class="button small secondary" (click)="confirmRemove.set(null)">{{ 'common.cancel' | t: lang() }}</button>
                } @else {
                  <button type="button" class="button small secondary" data-testid="remove-friend"
                          [attr.aria-label]="'friends.removeNamed' | t: lang() : { name: f.user.username }" (click)="confirmRemove.set(f.user.id)">{{ 'friends.remove' | t: lang() }}</button>
                }
              </li>
            }
          </ul>
          @if (lists.friendList.hasMore()) {
            <app-load-more [loading]="lists.friendList.loadingMore()" (more)="lists.friendList.more()" />
          }
        </div>
      </div>
    </section>
  `,
  styles: `
    .grid { display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-4); }
    .grid .card + .card { margin-top: 0; }
    .wide { grid-column: 1 / -1; }
    @media (max-width: 767px) { .grid { grid-template-columns: 1fr; } }
  `,
})
export class FriendsPage implements OnInit {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly api = inject(FriendsService);
  protected readonly lists = inject(ChatLists);
  protected readonly people = inject(People);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly query$ = new Subject<string>();
  protected readonly results = signal<PublicUser[]>([]);
  protected readonly searching = signal(false);
  protected readonly searched = signal(false);
  protected readonly requests = signal<FriendRequests>({ incoming: [], outgoing: [] });
  protected readonly sentTo = signal(new Set<number>());
  protected readonly loading = signal(false);
  protected readonly error = signal(false);
  protected readonly confirmRemove = signal<number | null>(null);

  ngOnInit(): void {
    this.query$
      .pipe(
        debounceTime(250),
        distinctUntilChanged(),
        tap((q) => {
          this.searching.set(!!q.trim());
          if (!q.trim()) {
            this.results.set([]);
            this.searched.set(false);
          }
        }),
        switchMap((q) => (q.trim() ? this.api.searchUsers(q.trim()).pipe(catchError(() => of([] as PublicUser[]))) : of(null))),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((users) => {
        this.searching.set(false);
        if (users === null) return;
        const me = this.auth.user()?.id;
        this.results.set(users.filter((u) => u.id !== me));
        this.searched.set(true);
      });
    void this.load();
  }

  protected isFriend(id: number): boolean {
    return this.lists.friends().some((f) => f.user.id === id);
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.error.set(false);
    try {
      this.requests.set(await firstValueFrom(this.api.requests()));
      this.sentTo.set(new Set(this.requests().outgoing.map((r) => r.to.id)));
      await this.lists.refresh();
    } catch {
      this.error.set(true);
    } finally {
      this.loading.set(false);
    }
  }

  protected async send(u: PublicUser): Promise<void> {
    try {
      await firstValueFrom(this.api.sendRequest(u.id));
      this.sentTo.update((s) => new Set(s).add(u.id));
      this.toast.success(this.i18n.t('friends.requestSent', { name: u.username }));
      await this.load();
    } catch {
      /* toast by the interceptor */
    }
  }

  protected async accept(id: number): Promise<void> {
    try {
      await firstValueFrom(this.api.accept(id));
      this.toast.success(this.i18n.t('friends.accepted'));
      await this.load();
    } catch {
      /* toast by the interceptor */
    }
  }

  protected async decline(id: number): Promise<void> {
    try {
      await firstValueFrom(this.api.decline(id));
      await this.load();
    } catch {
      /* toast by the interceptor */
    }
  }

  protected async remove(userId: number): Promise<void> {
    try {
      await firstValueFrom(this.api.remove(userId));
      this.confirmRemove.set(null);
      await this.load();
    } catch {
      /* toast by the interceptor */
    }
  }
}
