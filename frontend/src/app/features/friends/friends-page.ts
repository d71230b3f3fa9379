import { Component, DestroyRef, OnInit, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Subject, debounceTime, distinctUntilChanged, switchMap, of, catchError, tap } from 'rxjs';
import { firstValueFrom } from 'rxjs';
import { Friend, FriendRequest, PublicUser } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { UserAvatar } from '../../shared/user-avatar';
import { LoadMore } from '../../shared/load-more';
import { ConfirmDialog } from '../../shared/confirm-dialog';
import { FriendsService } from './friends.service';
import { ToastService } from '../../core/toast/toast.service';
import { ChatLists } from '../../core/chat/chat-lists';
import { Friendships } from '../../core/chat/friendships';
import { LastSeen } from '../../core/chat/last-seen';
import { People } from '../../core/chat/people';

/**
 * Friends page: search users, send requests (and cancel them), answer incoming ones, list and remove friends.
 * Requests and friends change live (the private socket's friend events, through Friendships); Refresh stays as a
 * fallback.
 */
@Component({
  selector: 'app-friends-page',
  imports: [RouterLink, TranslatePipe, LoadMore, ConfirmDialog, UserAvatar],
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
                <app-user-avatar [user]="u" [size]="32" />
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
          <ul class="list" data-testid="incoming-requests" aria-live="polite">
            @for (r of requests().incoming; track r.id) {
              <li data-testid="incoming-request" [attr.data-username]="r.from.username">
                <span class="grow"><strong>{{ r.from.displayName || r.from.username }}</strong>&ngsp;<span class="muted">@{{ r.from.username }}</span></span>
                <button type="button" class="button small" data-testid="accept-request"
                        [attr.aria-label]="'friends.acceptNamed' | t: lang() : { name: r.from.username }" (click)="accept(r)">{{ 'friends.accept' | t: lang() }}</button>
                <button type="button" class="button small secondary" data-testid="decline-request"
                        [attr.aria-label]="'friends.declineNamed' | t: lang() : { name: r.from.username }" (click)="decline(r)">{{ 'friends.decline' | t: lang() }}</button>
              </li>
            }
          </ul>
          <h2>{{ 'friends.outgoing' | t: lang() }}</h2>
          @if (requests().outgoing.length === 0) {
            <p class="muted" data-testid="outgoing-empty">{{ 'friends.noOutgoing' | t: lang() }}</p>
          }
          <ul class="list" data-testid="outgoing-requests">
            @for (r of requests().outgoing; track r.id) {
              <li data-testid="outgoing-request" [attr.data-username]="r.to.username">
                <span class="grow">{{ r.to.displayName || r.to.username }} <span class="muted">@{{ r.to.username }}</span></span>
                <span class="muted">{{ 'friends.waiting' | t: lang() }}</span>
                <button type="button" class="button small secondary" data-testid="withdraw-request"
                        [attr.aria-label]="'friends.withdrawNamed' | t: lang() : { name: r.to.username }" (click)="decline(r)">{{ 'friends.withdraw' | t: lang() }}</button>
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
              @let online = people.online(f.user.id);
              <li data-testid="friend-item" [attr.data-username]="f.user.username">
                <span class="dot" [class.online]="online" aria-hidden="true"></span>
                <app-user-avatar [user]="f.user" [size]="32" />
                <span class="grow who">
                  <span><strong>{{ f.user.displayName || f.user.username }}</strong>&ngsp;<span class="muted">@{{ f.user.username }}</span></span>
                  @if (f.user.statusText; as status) { <span class="muted" data-testid="friend-status">{{ status }}</span> }
                  <span class="visually-hidden">{{ (online ? 'chat.online' : 'chat.offline') | t: lang() }}</span>
                  @if (lastSeen.of(f.user.id); as seen) {
                    <span class="muted seen" data-testid="friend-last-seen">{{ seen }}</span>
                  }
                </span>
                <a class="button small" [routerLink]="['/chat', 'u', f.user.id]" data-testid="friend-chat">{{ 'friends.message' | t: lang() }}</a>
                <button type="button" class="button small secondary" data-testid="remove-friend"
                        [attr.aria-label]="'friends.removeNamed' | t: lang() : { name: f.user.username }" (click)="removing.set(f)">{{ 'friends.remove' | t: lang() }}</button>
              </li>
            }
          </ul>
          @if (lists.friendList.hasMore()) {
            <app-load-more [loading]="lists.friendList.loadingMore()" (more)="lists.friendList.more()" />
          }
        </div>
      </div>
      <app-confirm-dialog [open]="!!removing()"
                          [title]="'friends.removeTitle' | t: lang() : { name: removingName() }"
                          [text]="'friends.removeText' | t: lang()"
                          [confirmLabel]="'friends.confirmRemove' | t: lang()" [cancelLabel]="'common.cancel' | t: lang()"
                          (answered)="onRemoveAnswer($event)" />
    </section>
  `,
  styles: `
    .grid { display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-4); }
    .grid .card + .card { margin-top: 0; }
    .wide { grid-column: 1 / -1; }
    .who { display: flex; flex-direction: column; min-width: 0; }
    .seen { font-size: 0.8rem; }
    @media (max-width: 767px) { .grid { grid-template-columns: 1fr; } }
  `,
})
export class FriendsPage implements OnInit {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly api = inject(FriendsService);
  protected readonly lists = inject(ChatLists);
  protected readonly people = inject(People);
  protected readonly lastSeen = inject(LastSeen);
  private readonly friendships = inject(Friendships);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly query$ = new Subject<string>();
  protected readonly results = signal<PublicUser[]>([]);
  protected readonly searching = signal(false);
  protected readonly searched = signal(false);
  /** My pending requests, kept live. */
  protected readonly requests = this.friendships.requests;
  /** Who I asked and who has not answered. */
  protected readonly sentTo = computed(() => new Set(this.requests().outgoing.map((r) => r.to.id)));
  protected readonly loading = signal(false);
  protected readonly error = signal(false);
  /** The friend whose removal waits for confirmation. */
  protected readonly removing = signal<Friend | null>(null);
  protected readonly removingName = computed(() => {
    const u = this.removing()?.user;
    return u ? u.displayName || u.username : '';
  });

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

  /** load reads requests and friends again (on arrival, and the Refresh button: events keep them live otherwise). */
  protected async load(): Promise<void> {
    this.loading.set(true);
    this.error.set(false);
    try {
      await Promise.all([this.friendships.load(), this.lists.friendList.refresh()]);
      this.error.set(this.friendships.loadError());
    } catch {
      this.error.set(true);
    } finally {
      this.loading.set(false);
    }
  }

  protected async send(u: PublicUser): Promise<void> {
    try {
      const answer = await firstValueFrom(this.api.sendRequest(u.id));
      if ('user' in answer) {
        // They had asked me first: we are friends now.
        this.friendships.befriended(answer);
        this.toast.success(this.i18n.t('friends.accepted'));
      } else {
        this.friendships.requested(answer);
        this.toast.success(this.i18n.t('friends.requestSent', { name: u.username }));
      }
    } catch {
      /* toast by the interceptor */
    }
  }

  protected async accept(r: FriendRequest): Promise<void> {
    try {
      this.friendships.befriended(await firstValueFrom(this.api.accept(r.id)));
      this.toast.success(this.i18n.t('friends.accepted'));
    } catch {
      // Gone meanwhile (withdrawn, or answered in another tab): show what the server has.
      void this.friendships.load();
    }
  }

  /** decline refuses a request I received, or withdraws one I sent. */
  protected async decline(r: FriendRequest): Promise<void> {
    try {
      await firstValueFrom(this.api.decline(r.id));
      this.friendships.dropRequest((x) => x.id === r.id);
    } catch {
      void this.friendships.load();
    }
  }

  protected onRemoveAnswer(ok: boolean): void {
    const f = this.removing();
    this.removing.set(null);
    if (ok && f) void this.remove(f.user.id);
  }

  private async remove(userId: number): Promise<void> {
    try {
      await firstValueFrom(this.api.remove(userId));
      this.friendships.unfriended(userId);
    } catch {
      /* toast by the interceptor */
    }
  }
}
