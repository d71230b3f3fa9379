import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { apiError } from '../../core/api/api-paths';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { errorText } from '../../core/http/error-toast.interceptor';
import { ToastService } from '../../core/toast/toast.service';
import { QrCode } from '../../shared/qr-code';
import { AccountService, TwoFactorSetup } from './account.service';

/** Where the two-factor card is: showing the state, setting up, showing the new recovery codes, or turning off. */
type Stage = 'idle' | 'setup' | 'codes' | 'disable';

/** isTotpCode accepts what an authenticator shows: 6 digits, spaces allowed ("123 456"). */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ''));
}

/**
 * TwoFactorSettings: turn two-factor on (QR code drawn here, the key as text, a first code), see the ten
 * recovery codes once, or turn it off with the password and a code.
 */
@Component({
  selector: 'app-two-factor-settings',
  imports: [FormsModule, TranslatePipe, QrCode],
  template: `
    <section class="card stack" data-testid="twofa-card">
      <h2>{{ 'twofa.title' | t: lang() }}</h2>
      @switch (stage()) {
        @case ('setup') {
          @if (setup(); as s) {
            <p>{{ 'twofa.scan' | t: lang() }}</p>
            <app-qr-code [text]="s.otpauthUrl" [label]="'twofa.qrLabel' | t: lang()" />
            <p class="secret">{{ 'twofa.secret' | t: lang() }}: <code data-testid="twofa-secret">{{ s.secret }}</code></p>
            <form class="stack" (ngSubmit)="enable()" novalidate>
              <div class="field">
                <label for="twofa-code">{{ 'twofa.code' | t: lang() }}</label>
                <input id="twofa-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7"
                       data-testid="twofa-code" [(ngModel)]="code" />
                @if (error(); as e) { <p class="field-error" role="alert" data-testid="twofa-error">{{ e }}</p> }
              </div>
              <div class="row">
                <button class="button" type="submit" data-testid="twofa-enable" [disabled]="busy()">{{ 'twofa.enable' | t: lang() }}</button>
                <button class="button secondary" type="button" (click)="cancel()">{{ 'twofa.cancel' | t: lang() }}</button>
              </div>
            </form>
          }
        }
        @case ('codes') {
          <h3>{{ 'twofa.recoveryTitle' | t: lang() }}</h3>
          <p>{{ 'twofa.recoveryText' | t: lang() }}</p>
          <ol class="codes" data-testid="twofa-recovery-codes">
            @for (c of recoveryCodes(); track c) { <li><code>{{ c }}</code></li> }
          </ol>
          <div class="row">
            <button class="button secondary" type="button" (click)="copyCodes()">{{ 'twofa.recoveryCopy' | t: lang() }}</button>
            <button class="button" type="button" data-testid="twofa-codes-done" (click)="cancel()">{{ 'twofa.recoveryDone' | t: lang() }}</button>
          </div>
        }
        @case ('disable') {
          <p>{{ 'twofa.disableText' | t: lang() }}</p>
          <form class="stack" (ngSubmit)="disable()" novalidate>
            <div class="field">
              <label for="twofa-off-password">{{ 'auth.password' | t: lang() }}</label>
              <input id="twofa-off-password" name="password" type="password" autocomplete="current-password"
                     data-testid="twofa-disable-password" [(ngModel)]="password" />
            </div>
            <div class="field">
              <label for="twofa-off-code">{{ 'twofa.disableCode' | t: lang() }}</label>
              <input id="twofa-off-code" name="code" autocomplete="one-time-code" data-testid="twofa-disable-code" [(ngModel)]="code" />
            </div>
            @if (error(); as e) { <p class="field-error" role="alert" data-testid="twofa-error">{{ e }}</p> }
            <div class="row">
              <button class="button danger" type="submit" data-testid="twofa-disable-confirm" [disabled]="busy() || !password || !code">
                {{ 'twofa.disable' | t: lang() }}
              </button>
              <button class="button secondary" type="button" (click)="cancel()">{{ 'twofa.cancel' | t: lang() }}</button>
            </div>
          </form>
        }
        @default {
          @if (auth.user()?.twoFactorEnabled) {
            <p data-testid="twofa-state" data-state="on">{{ 'twofa.onText' | t: lang() }}</p>
            <button class="button secondary" type="button" data-testid="twofa-disable" (click)="stage.set('disable')">{{ 'twofa.disable' | t: lang() }}</button>
          } @else {
            <p data-testid="twofa-state" data-state="off">{{ 'twofa.offText' | t: lang() }}</p>
            <button class="button" type="button" data-testid="twofa-setup" [disabled]="busy()" (click)="start()">{{ 'twofa.setup' | t: lang() }}</button>
          }
        }
      }
    </section>
  `,
  styles: `
    .secret code, .codes code { font-family: ui-monospace, monospace; word-break: break-all; user-select: all; }
    .codes { columns: 2; margin: 0; padding-left: 1.5rem; }
  `,
})
export class TwoFactorSettings {
  protected readonly lang = inject(I18nService).lang;
  private readonly i18n = inject(I18nService);
  protected readonly auth = inject(AuthService);
  private readonly account = inject(AccountService);
  private readonly toast = inject(ToastService);

  protected readonly stage = signal<Stage>('idle');
  protected readonly setup = signal<TwoFactorSetup | null>(null);
  protected readonly recoveryCodes = signal<string[]>([]);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected code = '';
  protected password = '';

  protected async start(): Promise<void> {
    await this.run(async () => {
      this.setup.set(await this.account.setupTwoFactor());
      this.stage.set('setup');
    });
  }

  protected async enable(): Promise<void> {
    if (!isTotpCode(this.code)) {
      this.error.set(this.i18n.t('twofa.codeRule'));
      return;
    }
    await this.run(async () => {
      this.recoveryCodes.set(await this.account.enableTwoFactor(this.code.replace(/\s/g, '')));
      this.setup.set(null); // the key is not kept on screen once it is on
      this.code = '';
      this.stage.set('codes');
      this.toast.success(this.i18n.t('twofa.enabled'));
    });
  }

  protected async disable(): Promise<void> {
    await this.run(async () => {
      await this.account.disableTwoFactor(this.password, this.code.trim());
      this.cancel();
      this.toast.success(this.i18n.t('twofa.disabled'));
    });
  }

  protected async copyCodes(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.recoveryCodes().join('\n'));
      this.toast.success(this.i18n.t('twofa.recoveryCopied'));
    } catch {
      /* the codes stay on screen to copy by hand */
    }
  }

  /** cancel goes back to the state, forgetting the key, the codes and what was typed. */
  protected cancel(): void {
    this.stage.set('idle');
    this.setup.set(null);
    this.recoveryCodes.set([]);
    this.code = this.password = '';
    this.error.set(null);
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await work();
    } catch (err) {
      const e = apiError(err);
      const field = e.fields['code'] ?? e.fields['password'];
      this.error.set(field ?? errorText(this.i18n, err));
    } finally {
      this.busy.set(false);
    }
  }
}
