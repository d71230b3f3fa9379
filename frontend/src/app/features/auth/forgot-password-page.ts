import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { apiError } from '../../core/api/api-paths';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';
import { AccountService } from '../account/account.service';

/** Forgotten password: an address, then the same answer whether or not it has an account. */
@Component({
  selector: 'app-forgot-password-page',
  imports: [FormsModule, RouterLink, TranslatePipe],
  template: `
    <section class="page narrow">
      <div class="card stack">
        <h1>{{ 'forgot.title' | t: lang() }}</h1>
        @if (sent()) {
          <p class="alert success" role="status" data-testid="forgot-sent">{{ 'forgot.sent' | t: lang() }}</p>
        } @else {
          <p>{{ 'forgot.text' | t: lang() }}</p>
          <form class="stack" (ngSubmit)="submit()" data-testid="forgot-form" novalidate>
            <div class="field">
              <label for="forgot-email">{{ 'forgot.email' | t: lang() }}</label>
              <input id="forgot-email" name="email" type="email" autocomplete="email" required data-testid="forgot-email"
                     [(ngModel)]="email" [attr.aria-invalid]="!!error()" />
            </div>
            @if (error()) { <p class="alert error" role="alert" data-testid="forgot-error">{{ error() }}</p> }
            <button class="button" type="submit" data-testid="forgot-submit" [disabled]="busy()">{{ 'forgot.send' | t: lang() }}</button>
          </form>
        }
        <p class="hint"><a routerLink="/login">{{ 'auth.login' | t: lang() }}</a></p>
      </div>
    </section>
  `,
})
export class ForgotPasswordPage {
  protected readonly lang = inject(I18nService).lang;
  private readonly i18n = inject(I18nService);
  private readonly account = inject(AccountService);

  protected email = '';
  protected readonly busy = signal(false);
  protected readonly sent = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async submit(): Promise<void> {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(this.email.trim())) {
      this.error.set(this.i18n.t('auth.emailRule'));
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.account.forgotPassword(this.email.trim(), this.i18n.lang());
      this.sent.set(true);
    } catch (err) {
      this.error.set(apiError(err).code === 'email_unavailable' ? this.i18n.t('forgot.unavailable') : errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }
}
