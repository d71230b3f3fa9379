import { Component, inject } from '@angular/core';
import { I18nService } from '../i18n/i18n.service';
import { TranslatePipe } from '../i18n/translate.pipe';
import { ToastService } from '../toast/toast.service';

/** Toaster: the toasts, announced politely (errors assertively). */
@Component({
  selector: 'app-toaster',
  imports: [TranslatePipe],
  template: `
    <div class="toaster" aria-live="polite" role="status" data-testid="toaster">
      @for (t of toast.toasts(); track t.id) {
        <div class="toast" [class]="'toast ' + t.kind" [attr.role]="t.kind === 'error' ? 'alert' : null" data-testid="toast">
          <span>{{ t.text }}</span>
          <button type="button" class="close" [attr.aria-label]="'common.dismiss' | t: lang()" (click)="toast.dismiss(t.id)">×</button>
        </div>
      }
    </div>
  `,
  styles: `
    .toaster { position: fixed; right: var(--space-3); bottom: var(--space-3); display: flex; flex-direction: column; gap: var(--space-2); z-index: 50; max-width: min(24rem, calc(100vw - 2rem)); }
    .toast { display: flex; align-items: flex-start; gap: var(--space-2); padding: var(--space-2) var(--space-3); border-radius: var(--radius); background: var(--surface); border: 1px solid var(--border); box-shadow: var(--shadow); }
    .toast.error { border-left: 4px solid var(--danger); }
    .toast.success { border-left: 4px solid var(--success); }
    .toast.info { border-left: 4px solid var(--primary); }
    .toast span { flex: 1; }
    .close { background: none; border: none; font-size: 1.2rem; line-height: 1; color: var(--text-muted); padding: 0 var(--space-1); }
  `,
})
export class Toaster {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly toast = inject(ToastService);
}
