import { Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { apiError } from '../../core/api/api-paths';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';

/** safeReturnUrl keeps only in-app paths, so a crafted link cannot send the user elsewhere. */
export function safeReturnUrl(url: string | null | undefined): string {
  return url && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/login') ? url : '/chat';
}

/** Login page: email or username and password, then a code when two-factor is on; back to returnUrl afterwards. */
@Component({
  selector: 'app-login-page',
  imports: [FormsModule, RouterLink, TranslatePipe],
  template: `
    <section class="page narrow">
      <div class="card">
        <h1>{{ 'auth.loginTitle' | t: lang() }}</h1>
        @if (auth.endReason() === 'expired') {
          <p class="alert" role="status" data-testid="session-ended">{{ 'auth.sessionEnded' | t: lang() }}</p>
        }
        @if (challenge()) {
          <form class="stack" (ngSubmit)="verify()" data-testid="twofa-login-form" novalidate>
            <h2>{{ 'twofa.loginTitle' | t: lang() }}</h2>
            <p>{{ (useRecovery() ? 'twofa.loginRecoveryText' : 'twofa.loginText') | t: lang() }}</p>
            <div class="field">
              @if (useRecovery()) {
                <label for="login-recovery">{{ 'twofa.recoveryCode' | t: lang() }}</label>
                <input id="login-recovery" name="recoveryCode" autocomplete="off" data-testid="login-recovery-code"
                       [(ngModel)]="secondFactor" [attr.aria-invalid]="!!error()" />
              } @else {
                <label for="login-code">{{ 'twofa.code' | t: lang() }}</label>
                <input id="login-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7"
                       data-testid="login-code" [(ngModel)]="secondFactor" [attr.aria-invalid]="!!error()" />
              }
            </div>
            @if (error()) {
              <p class="alert error" role="alert" data-testid="login-error">{{ error() }}</p>
            }
            <button class="button" type="submit" data-testid="login-verify" [disabled]="busy() || !secondFactor.trim()">
              @if (busy()) { <span class="spinner" aria-hidden="true"></span> }
              {{ 'twofa.verify' | t: lang() }}
            </button>
            <button class="link-button" type="button" data-testid="login-toggle-recovery" (click)="toggleRecovery()">
              {{ (useRecovery() ? 'twofa.useCode' : 'twofa.useRecovery') | t: lang() }}
            </button>
            <button class="link-button" type="button" (click)="backToPassword()">{{ 'twofa.back' | t: lang() }}</button>
          </form>
        } @else {
        <form class="stack" (ngSubmit)="submit()" data-testid="login-form" novalidate>
          <div class="field">
            <label for="login-id">{{ 'auth.loginField' | t: lang() }}</label>
            <input id="login-id" name="login" autocomplete="username" required data-testid="login-username"
                   [(ngModel)]="login" [attr.aria-invalid]="!!error()" />
          </div>
          <div class="field">
            <label for="login-password">{{ 'auth.password' | t: lang() }}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required
                   data-testid="login-password" [(ngModel)]="password" [attr.aria-invalid]="!!error()" />
          </div>
          @if (error()) {
            <p class="alert error" role="alert" data-testid="login-error">{{ error() }}</p>
          }
          <button class="button" type="submit" data-testid="login-submit" [disabled]="busy()">
            @if (busy()) { <span class="spinner" aria-hidden="true"></span> }
            {{ 'auth.login' | t: lang() }}
          </button>
        </form>
        <p class="hint"><a routerLink="/forgot-password" data-testid="to-forgot">{{ 'forgot.link' | t: lang() }}</a></p>
        }
        <p class="hint">{{ 'auth.noAccount' | t: lang() }} <a routerLink="/register" data-testid="to-register">{{ 'auth.register' | t: lang() }}</a></p>
      </div>
    </section>
  `,
})
export class LoginPage {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly i18n = inject(I18nService);
  /** From the query string (component input binding). */
  readonly returnUrl = input<string>();

  protected login = '';
  protected password = '';
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** The second step's challenge, while a code is due. */
  protected readonly challenge = signal<string | null>(null);
  protected readonly useRecovery = signal(false);
  protected secondFactor = '';

  /** verify sends the code (or recovery code); an expired challenge goes back to the password. */
  protected async verify(): Promise<void> {
    const challenge = this.challenge();
    const value = this.secondFactor.trim();
    if (!challenge || !value) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.auth.loginTwoFactor(challenge, this.useRecovery() ? { recoveryCode: value } : { code: value.replace(/\s/g, '') });
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (err) {
      const e = apiError(err);
      if (e.code === 'invalid_credentials') {
        this.error.set(this.i18n.t('twofa.wrongCode'));
      } else if (e.code === 'unauthorized') {
        this.backToPassword();
        this.error.set(this.i18n.t('twofa.expired'));
      } else {
        this.error.set(errorText(this.i18n, err));
      }
      this.secondFactor = '';
    } finally {
      this.busy.set(false);
    }
  }

  protected toggleRecovery(): void {
    this.useRecovery.update((v) => !v);
    this.secondFactor = '';
    this.error.set(null);
  }

  protected backToPassword(): void {
    this.challenge.set(null);
    this.useRecovery.set(false);
    this.secondFactor = '';
    this.error.set(null);
  }

  protected async submit(): Promise<void> {
    if (!this.login.trim() || !this.password) {
      this.error.set(this.i18n.t('auth.fillBoth'));
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const outcome = await this.auth.login(this.login.trim(), this.password);
      if (outcome.challenge) {
        // Two-factor: the password was right; the session waits for a code.
        this.password = '';
        this.challenge.set(outcome.challenge);
        return;
      }
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (err) {
      const e = apiError(err);
      this.error.set(e.code === 'forbidden' ? this.i18n.t('auth.banned') : errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }
}
