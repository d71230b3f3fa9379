import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { apiError } from '../../core/api/api-paths';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService, TranslationKey } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';
import { ToastService } from '../../core/toast/toast.service';
import { AccountService } from './account.service';

/** validateProfile mirrors the server: a display name of 1–64 code points, a status of at most 100. */
export function validateProfile(displayName: string, statusText: string): { displayName?: TranslationKey; statusText?: TranslationKey } {
  const errors: { displayName?: TranslationKey; statusText?: TranslationKey } = {};
  const name = [...displayName.trim()].length;
  if (name < 1 || name > 64) errors.displayName = 'profile.nameRule';
  if ([...statusText.trim()].length > 100) errors.statusText = 'profile.statusRule';
  return errors;
}

/** ProfileForm: display name and status text, then the password change (current password required). */
@Component({
  selector: 'app-profile-form',
  imports: [FormsModule, TranslatePipe],
  template: `
    <form class="card stack" (ngSubmit)="saveProfile()" data-testid="profile-form" novalidate>
      <div class="field">
        <label for="profile-name">{{ 'profile.displayName' | t: lang() }}</label>
        <input id="profile-name" name="displayName" maxlength="64" autocomplete="nickname" data-testid="profile-display-name"
               [(ngModel)]="displayName" [attr.aria-invalid]="!!errors().displayName" />
        @if (errors().displayName; as e) { <p class="field-error" role="alert">{{ e | t: lang() }}</p> }
      </div>
      <div class="field">
        <label for="profile-status">{{ 'profile.status' | t: lang() }}</label>
        <input id="profile-status" name="statusText" maxlength="100" data-testid="profile-status"
               aria-describedby="profile-status-hint" [(ngModel)]="statusText" [attr.aria-invalid]="!!errors().statusText" />
        <p class="hint" id="profile-status-hint">{{ 'profile.statusHint' | t: lang() }}</p>
        @if (errors().statusText; as e) { <p class="field-error" role="alert">{{ e | t: lang() }}</p> }
      </div>
      <button class="button" type="submit" data-testid="profile-save" [disabled]="busy()">{{ 'profile.save' | t: lang() }}</button>
    </form>

    <form class="card stack" (ngSubmit)="changePassword()" data-testid="password-form" novalidate>
      <h2>{{ 'profile.passwordTitle' | t: lang() }}</h2>
      <input type="text" name="username" autocomplete="username" [value]="auth.user()?.username ?? ''" hidden readonly />
      <div class="field">
        <label for="profile-current">{{ 'profile.currentPassword' | t: lang() }}</label>
        <input id="profile-current" name="currentPassword" type="password" autocomplete="current-password"
               data-testid="profile-current-password" [(ngModel)]="currentPassword" />
        @if (passwordErrors().currentPassword; as e) { <p class="field-error" role="alert">{{ e }}</p> }
      </div>
      <div class="field">
        <label for="profile-new">{{ 'profile.newPassword' | t: lang() }}</label>
        <input id="profile-new" name="newPassword" type="password" autocomplete="new-password" minlength="8" maxlength="128"
               data-testid="profile-new-password" [(ngModel)]="newPassword" />
        @if (passwordErrors().newPassword; as e) { <p class="field-error" role="alert">{{ e }}</p> }
      </div>
      <button class="button secondary" type="submit" data-testid="profile-change-password" [disabled]="busy() || !currentPassword || !newPassword">
        {{ 'profile.changePassword' | t: lang() }}
      </button>
    </form>
  `,
})
export class ProfileForm implements OnInit {
  protected readonly lang = inject(I18nService).lang;
  private readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
  private readonly account = inject(AccountService);
  private readonly toast = inject(ToastService);

  protected displayName = '';
  protected statusText = '';
  protected currentPassword = '';
  protected newPassword = '';
  protected readonly busy = signal(false);
  protected readonly errors = signal<ReturnType<typeof validateProfile>>({});
  protected readonly passwordErrors = signal<{ currentPassword?: string; newPassword?: string }>({});

  ngOnInit(): void {
    const me = this.auth.user();
    this.displayName = me?.displayName ?? '';
    this.statusText = me?.statusText ?? '';
  }

  protected async saveProfile(): Promise<void> {
    const errors = validateProfile(this.displayName, this.statusText);
    this.errors.set(errors);
    if (errors.displayName || errors.statusText) return;
    await this.run(async () => {
      await this.account.updateProfile({ displayName: this.displayName.trim(), statusText: this.statusText.trim() });
      this.toast.success(this.i18n.t('profile.saved'));
    });
  }

  protected async changePassword(): Promise<void> {
    this.passwordErrors.set({});
    if ([...this.newPassword].length < 8) {
      this.passwordErrors.set({ newPassword: this.i18n.t('auth.passwordRule') });
      return;
    }
    await this.run(async () => {
      await this.account.updateProfile({ currentPassword: this.currentPassword, newPassword: this.newPassword });
      this.currentPassword = this.newPassword = '';
      this.toast.success(this.i18n.t('profile.passwordChanged'));
    }, (fields) => this.passwordErrors.set(fields));
  }

  private async run(work: () => Promise<void>, onFields?: (fields: Record<string, string>) => void): Promise<void> {
    this.busy.set(true);
    try {
      await work();
    } catch (err) {
      const e = apiError(err);
      if (onFields && Object.keys(e.fields).length) onFields(e.fields);
      else this.toast.error(errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }
}
