import { Component, afterNextRender, inject, signal } from '@angular/core';
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
 * CookieBanner: the app only sets the strictly necessary session cookie; the banner says so and remembers the
 * visitor's choice in localStorage.
 *
 * It is a bar in the page's layout, below everything else (the shell's last row), not a box floating over it:
 * while it waits for an answer the page above it is only shorter, so it never covers the composer or any
 * button, on a desktop or a phone. It is not modal (the app works without an answer). Screen readers hear it:
 * a labelled region whose text is a polite live region, filled once the region is in the page, so that it is
 * announced; its two buttons are ordinary buttons in the tab order.
 */
@Component({
  selector: 'app-cookie-banner',
  imports: [TranslatePipe],
  template: `
    @if (visible()) {
      <section class="cookie-banner" role="region" aria-labelledby="cookie-banner-title" data-testid="cookie-banner">
        <h2 id="cookie-banner-title" class="visually-hidden">{{ 'cookies.title' | t: lang() }}</h2>
        <p role="status" data-testid="cookie-banner-text">@if (announced()) { {{ 'cookies.text' | t: lang() }} }</p>
        <div class="actions">
          <button type="button" class="button small secondary" data-testid="cookie-decline" (click)="choose('essential')">{{ 'cookies.essential' | t: lang() }}</button>
          <button type="button" class="button small" data-testid="cookie-accept" (click)="choose('all')">{{ 'cookies.accept' | t: lang() }}</button>
        </div>
      </section>
    }
  `,
  styles: `
    :host { display: block; flex: none; }
    .cookie-banner {
      display: flex; align-items: center; gap: var(--space-2) var(--space-4); flex-wrap: wrap;
      padding: var(--space-2) var(--space-4); background: var(--surface); border-top: 2px solid var(--primary);
    }
    .cookie-banner p { margin: 0; flex: 1 1 18rem; min-height: 1.45em; font-size: 0.9rem; }
    .actions { display: flex; gap: var(--space-2); margin-left: auto; }
    @media (max-width: 640px) { .cookie-banner { padding: var(--space-2); } }
  `,
})
export class CookieBanner {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly visible = signal(savedChoice() === null);
  /** The text goes into the live region once it is rendered (a region born with its text is not announced). */
  protected readonly announced = signal(false);

  constructor() {
    afterNextRender(() => this.announced.set(true));
  }

  protected choose(choice: 'all' | 'essential'): void {
    try {
      localStorage.setItem(COOKIE_CHOICE_KEY, choice);
    } catch {
      /* ignore */
    }
    this.visible.set(false);
  }
}
