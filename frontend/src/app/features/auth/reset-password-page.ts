import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { apiError } from '../../core/api/api-paths';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';
import { AccountService } from '../account/account.service';

/** tokenFromFragment reads `token=…` from a URL fragment (the mail's link: /reset-password#token=…). */
export function tokenFromFragment(fragment: string | null | undefined): string | null {
  if (!fragment) return null;
  const token = new URLSearchParams(fragment.replace(/^#/, '')).get('token');
  return token && token.trim() ? token.trim() : null;
}

/**
 * Reset page, opened from the mail's link. The token is in the fragment, which the browser never sends to a
 * server (no access log, no Referer); it is taken out of the address bar as soon as it is read.
 */
@Component({
  selector: 'app-reset-password-page',
  imports: [FormsModule, RouterLink, TranslatePipe],
  template: `
    <section class="page narrow">
      <div class="card stack">
        <h1>{{ 'reset.title' | t: lang() }}</h1>
        @if (done()) {
          <p class="alert success" role="status" data-testid="reset-done">{{ 'reset.done' | t: lang() }}</p>
          <a class="button" routerLink="/login" data-testid="reset-to-login">{{ 'auth.login' | t: lang() }}</a>
        } @else if (!token()) {
          <p class="alert error" role="alert" data-testid="reset-no-token">{{ 'reset.noToken' | t: lang() }}</p>
          <a routerLink="/forgot-password">{{ 'reset.askAgain' | t: lang() }}</a>
        } @else {
          <form class="stack" (ngSubmit)="submit()" data-testid="reset-form" novalidate>
            <div class="field">
              <label for="reset-new">{{ 'reset.newPassword' | t: lang() }}</label>
              <input id="reset-new" name="newPassword" type="password" autocomplete="new-password" minlength="8" maxlength="128"
                     data-testid="reset-password" [(ngModel)]="password" />
            </div>
            <div class="field">
              <label for="reset-confirm">{{ 'reset.confirm' | t: lang() }}</label>
              <input id="reset-confirm" name="confirm" type="password" autocomplete="new-password" data-testid="reset-confirm"
                     [(ngModel)]="confirm" />
            </div>
            @if (error()) { <p class="alert error" role="alert" data-testid="reset-error">{{ error() }}</p> }
            @if (invalid()) { <a routerLink="/forgot-password">{{ 'reset.askAgain' | t: lang() }}</a> }
            <button class="button" type="submit" data-testid="reset-submit" [disabled]="busy()">{{ 'reset.submit' | t: lang() }}</button>
          </form>
        }
      </div>
    </section>
  `,
})
export class ResetPasswordPage implements OnInit {
  protected readonly lang = inject(I18nService).lang;
  private readonly i18n = inject(I18nService);
  private readonly account = inject(AccountService);
  private readonly route = inject(ActivatedRoute);

  protected readonly token = signal<string | null>(null);
  protected password = '';
  protected confirm = '';
  protected readonly busy = signal(false);
  protected readonly done = signal(false);
  protected readonly invalid = signal(false);
  protected readonly error = signal<string | null>(null);

  ngOnInit(): void {
    const fromRoute = tokenFromFragment(this.route.snapshot.fragment);
    const token = fromRoute ?? (typeof location !== 'undefined' ? tokenFromFragment(location.hash) : null);
    this.token.set(token);
    if (token && typeof history !== 'undefined') history.replaceState(history.state, '', location.pathname);
  }

  protected async submit(): Promise<void> {
    const token = this.token();
    if (!token) return;
    const len = [...this.password].length;
    if (len < 8 || len > 128) {
      this.error.set(this.i18n.t('auth.passwordRule'));
      return;
    }
    if (this.password !== this.confirm) {
      this.error.set(this.i18n.t('reset.mismatch'));
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.account.resetPassword(token, this.password);
      this.done.set(true);
    } catch (err) {
      const e = apiError(err);
      if (e.fields['token']) {
        this.invalid.set(true);
        this.error.set(this.i18n.t('reset.invalid'));
      } else {
        this.error.set(e.fields['newPassword'] ?? errorText(this.i18n, err));
      }
    } finally {
      this.busy.set(false);
    }
  }
}
