import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { apiError } from '../../core/api/api-paths';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService, TranslationKey, translate } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';

type Field = 'username' | 'email' | 'password' | 'displayName';

/** A field's error: one of our sentences, or the server's own (shown as it came). */
type FieldError = { key: TranslationKey } | { text: string };

/** validateRegistration mirrors the server's rules, so most mistakes show before the round trip. */
export function validateRegistration(v: Record<Field, string>): Partial<Record<Field, TranslationKey>> {
  const errors: Partial<Record<Field, TranslationKey>> = {};
  if (!/^[A-Za-z0-9_.-]{3,32}$/.test(v.username)) errors.username = 'auth.usernameRule';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email)) errors.email = 'auth.emailRule';
  const pwLen = [...v.password].length;
  if (pwLen < 8 || pwLen > 128) errors.password = 'auth.passwordRule';
  if ([...v.displayName].length > 64) errors.displayName = 'auth.displayNameRule';
  return errors;
}

/** Register page. */
@Component({
  selector: 'app-register-page',
  imports: [FormsModule, RouterLink, TranslatePipe],
  template: `
    <section class="page narrow">
      <div class="card">
        <h1>{{ 'auth.registerTitle' | t: lang() }}</h1>
        <form class="stack" (ngSubmit)="submit()" data-testid="register-form" novalidate>
          <div class="field">
            <label for="reg-username">{{ 'auth.username' | t: lang() }}</label>
            <input id="reg-username" name="username" autocomplete="username" required data-testid="register-username"
                   [(ngModel)]="v.username" [attr.aria-invalid]="!!fieldErrors().username"
                   [attr.aria-describedby]="fieldErrors().username ? 'reg-username-err' : 'reg-username-hint'" />
            @if (fieldErrors().username; as e) {
              <span id="reg-username-err" class="field-error">{{ fieldText(e) }}</span>
            } @else {
              <span id="reg-username-hint" class="hint">{{ 'auth.usernameRule' | t: lang() }}</span>
            }
          </div>
          <div class="field">
            <label for="reg-display">{{ 'auth.displayName' | t: lang() }}</label>
            <input id="reg-display" name="displayName" autocomplete="name" data-testid="register-display-name"
                   [(ngModel)]="v.displayName" [attr.aria-invalid]="!!fieldErrors().displayName" />
            @if (fieldErrors().displayName; as e) { <span class="field-error">{{ fieldText(e) }}</span> }
          </div>
          <div class="field">
            <label for="reg-email">{{ 'auth.email' | t: lang() }}</label>
            <input id="reg-email" name="email" type="email" autocomplete="email" required data-testid="register-email"
                   [(ngModel)]="v.email" [attr.aria-invalid]="!!fieldErrors().email"
                   [attr.aria-describedby]="fieldErrors().email ? 'reg-email-err' : null" />
            @if (fieldErrors().email; as e) { <span id="reg-email-err" class="field-error">{{ fieldText(e) }}</span> }
          </div>
          <div class="field">
            <label for="reg-password">{{ 'auth.password' | t: lang() }}</label>
            <input id="reg-password" name="password" type="password" autocomplete="new-password" required
                   data-testid="register-password" [(ngModel)]="v.password" [attr.aria-invalid]="!!fieldErrors().password"
                   [attr.aria-describedby]="fieldErrors().password ? 'reg-password-err' : 'reg-password-hint'" />
            @if (fieldErrors().password; as e) {
              <span id="reg-password-err" class="field-error">{{ fieldText(e) }}</span>
            } @else {
              <span id="reg-password-hint" class="hint">{{ 'auth.passwordRule' | t: lang() }}</span>
            }
          </div>
          @if (error()) {
            <p class="alert error" role="alert" data-testid="register-error">{{ error() }}</p>
          }
          <button class="button" type="submit" data-testid="register-submit" [disabled]="busy()">
            @if (busy()) { <span class="spinner" aria-hidden="true"></span> }
            {{ 'auth.register' | t: lang() }}
          </button>
        </form>
        <p class="hint">{{ 'auth.haveAccount' | t: lang() }} <a routerLink="/login" data-testid="to-login">{{ 'auth.login' | t: lang() }}</a></p>
      </div>
    </section>
  `,
})
export class RegisterPage {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly i18n = inject(I18nService);

  protected readonly v: Record<Field, string> = { username: '', email: '', password: '', displayName: '' };
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly fieldErrors = signal<Partial<Record<Field, FieldError>>>({});

  /** fieldText is a field's error in the current language (the template reads the language through it). */
  protected fieldText(e: FieldError): string {
    return 'key' in e ? translate(this.lang(), e.key) : e.text;
  }

  protected async submit(): Promise<void> {
    const local = validateRegistration(this.v);
    this.fieldErrors.set(Object.fromEntries(Object.entries(local).map(([f, key]) => [f, { key }])));
    this.error.set(null);
    if (Object.keys(local).length) return;
    this.busy.set(true);
    try {
      await this.auth.register({
        username: this.v.username.trim(),
        email: this.v.email.trim(),
        password: this.v.password,
        displayName: this.v.displayName.trim() || undefined,
      });
      await this.router.navigateByUrl('/chat');
    } catch (err) {
      const e = apiError(err);
      const fields: Partial<Record<Field, FieldError>> = {};
      if (e.code === 'username_taken') fields.username = { key: 'error.username_taken' };
      if (e.code === 'email_taken') fields.email = { key: 'error.email_taken' };
      for (const [name, msg] of Object.entries(e.fields)) {
        if (name in this.v) fields[name as Field] = { text: msg };
      }
      this.fieldErrors.set(fields);
      this.error.set(errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }
}
