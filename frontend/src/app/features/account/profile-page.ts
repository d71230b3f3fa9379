import { Component, inject } from '@angular/core';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { UserAvatar } from '../../shared/user-avatar';
import { AvatarEditor } from './avatar-editor';
import { ProfileForm } from './profile-form';
import { TwoFactorSettings } from './two-factor-settings';

/** The profile page: picture, name and status, password, two-factor sign-in. */
@Component({
  selector: 'app-profile-page',
  imports: [TranslatePipe, UserAvatar, AvatarEditor, ProfileForm, TwoFactorSettings],
  template: `
    <section class="page narrow stack" data-testid="profile-page">
      @if (auth.user(); as me) {
        <header class="row who">
          <app-user-avatar [user]="me" [size]="48" />
          <div>
            <h1>{{ 'profile.title' | t: lang() }}</h1>
            <p class="muted">&#64;{{ me.username }} · {{ me.email }}</p>
          </div>
        </header>
      }
      <app-avatar-editor />
      <app-profile-form />
      <app-two-factor-settings />
    </section>
  `,
  styles: `
    .who { align-items: center; gap: 0.75rem; }
    .who h1 { margin: 0; }
    .who p { margin: 0; overflow-wrap: anywhere; }
  `,
})
export class ProfilePage {
  protected readonly lang = inject(I18nService).lang;
  protected readonly auth = inject(AuthService);
}
