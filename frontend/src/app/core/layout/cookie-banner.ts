import { Component, inject, signal } from '@angular/core';
import { I18nService } from '../i18n/i18n.service';
import { TranslatePipe } from '../i18n/translate.pipe';

/** localStorage key of the cookie choice. */
export const COOKIE_CHOICE_KEY = 'wc_cookie_choice';

function savedChoice(): string | null {
  try {
    return localStorage.getItem(COOKIE_CHOICE_KEY);
  } catch {
    return null;
  }
}

/**
 * CookieBanner: the app only sets the strictly necessary session cookie; the banner says so and remembers
 * the visitor's choice in localStorage.
 */
@Component({
  selector: 'app-cookie-banner',
  imports: [TranslatePipe],
  template: `
    @if (visible()) {
      <section class="cookie-banner" role="region" [attr.aria-label]="'cookies.title' | t: lang()" data-testid="cookie-banner">
        <p>{{ 'cookies.text' | t: lang() }}</p>
        <div class="actions">
          <button type="button" class="button secondary" data-testid="cookie-decline" (click)="choose('essential')">{{ 'cookies.essential' | t: lang() }}</button>
          <button type="button" class="button" data-testid="cookie-accept" (click)="choose('all')">{{ 'cookies.accept' | t: lang() }}</button>
        </div>
      </section>
    }
  `,
  styles: `
    .cookie-banner {
      position: fixed; left: var(--space-3); bottom: var(--space-3); max-width: 28rem; z-index: 40;
      background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius-lg);
      box-shadow: var(--shadow); padding: var(--space-3);
    }
    .cookie-banner p { margin: 0 0 var(--space-2); }
    .actions { display: flex; gap: var(--space-2); justify-content: flex-end; flex-wrap: wrap; }
  `,
})
export class CookieBanner {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly visible = signal(savedChoice() === null);

  protected choose(choice: 'all' | 'essential'): void {
    try {
      localStorage.setItem(COOKIE_CHOICE_KEY, choice);
    } catch {
      /* ignore */
    }
    this.visible.set(false);
  }
}
