import { Component, ElementRef, inject, signal, viewChild } from '@angular/core';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService, TranslationKey } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';
import { ToastService } from '../../core/toast/toast.service';
import { UserAvatar } from '../../shared/user-avatar';
import { AccountService, MAX_AVATAR_BYTES } from './account.service';
import { avatarFileError, readAsDataURL, renderCrop } from './avatar-crop';

/**
 * AvatarEditor: the current picture (or initials), a file chooser, a square crop with a zoom and its live
 * preview, then the upload of the cropped square; and removal.
 */
@Component({
  selector: 'app-avatar-editor',
  imports: [TranslatePipe, UserAvatar],
  template: `
    <section class="card stack" data-testid="avatar-editor">
      <h2>{{ 'profile.avatarTitle' | t: lang() }}</h2>
      <div class="row">
        @if (preview(); as url) {
          <img class="preview" [src]="url" [alt]="'profile.avatarPreview' | t: lang()" width="96" height="96" data-testid="avatar-preview" />
        } @else {
          <app-user-avatar [user]="auth.user()" [size]="96" data-testid="avatar-current" />
        }
        <div class="stack grow">
          <label class="button secondary small choose">
            {{ 'profile.avatarChoose' | t: lang() }}
            <input type="file" accept="image/png,image/jpeg,image/gif,image/webp" class="visually-hidden"
                   data-testid="avatar-file" (change)="choose($event)" />
          </label>
          <p class="hint">{{ 'profile.avatarHint' | t: lang() }}</p>
          @if (error(); as e) { <p class="field-error" role="alert" data-testid="avatar-error">{{ e | t: lang() }}</p> }
        </div>
      </div>
      @if (source()) {
        <label class="field">
          <span>{{ 'profile.avatarZoom' | t: lang() }}</span>
          <input type="range" min="1" max="3" step="0.1" [value]="zoom()" (input)="setZoom($event)" data-testid="avatar-zoom" />
        </label>
        <div class="row">
          <button type="button" class="button small" data-testid="avatar-upload" [disabled]="busy()" (click)="upload()">
            {{ 'profile.avatarUpload' | t: lang() }}
          </button>
          <button type="button" class="button small secondary" (click)="reset()">{{ 'profile.avatarCancel' | t: lang() }}</button>
        </div>
      } @else if (auth.user()?.avatarUrl) {
        <button type="button" class="link-button" data-testid="avatar-remove" [disabled]="busy()" (click)="remove()">
          {{ 'profile.avatarRemove' | t: lang() }}
        </button>
      }
      <canvas #canvas hidden></canvas>
    </section>
  `,
  styles: `
    .preview { width: 96px; height: 96px; border-radius: 50%; object-fit: cover; flex: none; }
    .choose { position: relative; align-self: flex-start; cursor: pointer; }
    input[type='range'] { width: 100%; }
  `,
})
export class AvatarEditor {
  protected readonly lang = inject(I18nService).lang;
  private readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
  private readonly account = inject(AccountService);
  private readonly toast = inject(ToastService);
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');

  protected readonly source = signal<HTMLImageElement | null>(null);
  protected readonly preview = signal<string | null>(null);
  protected readonly zoom = signal(1);
  protected readonly error = signal<TranslationKey | null>(null);
  protected readonly busy = signal(false);
  private cropped: Blob | null = null;

  protected async choose(ev: Event): Promise<void> {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const problem = avatarFileError(file, MAX_AVATAR_BYTES);
    this.error.set(problem);
    if (problem) return;
    this.reset();
    const img = new Image();
    img.onload = () => {
      this.source.set(img);
      void this.redraw();
    };
    img.onerror = () => {
      this.error.set('profile.avatarNotImage');
      this.reset();
    };
    try {
      img.src = await readAsDataURL(file);
    } catch {
      this.error.set('profile.avatarNotImage');
    }
  }

  protected setZoom(ev: Event): void {
    this.zoom.set(Number((ev.target as HTMLInputElement).value));
    void this.redraw();
  }

  protected async upload(): Promise<void> {
    if (!this.cropped) return;
    this.busy.set(true);
    try {
      await this.account.uploadAvatar(this.cropped);
      this.toast.success(this.i18n.t('profile.avatarSaved'));
      this.reset();
    } catch (err) {
      this.toast.error(errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    this.busy.set(true);
    try {
      await this.account.deleteAvatar();
      this.toast.success(this.i18n.t('profile.avatarRemoved'));
    } catch (err) {
      this.toast.error(errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected reset(): void {
    this.preview.set(null);
    this.cropped = null;
    this.source.set(null);
    this.zoom.set(1);
  }

  private async redraw(): Promise<void> {
    const img = this.source();
    if (!img) return;
    const { blob, preview } = await renderCrop(img, this.zoom(), this.canvas().nativeElement);
    this.cropped = blob;
    this.preview.set(preview);
  }
}
