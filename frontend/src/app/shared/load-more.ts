import { Component, DestroyRef, ElementRef, afterNextRender, inject, input, output } from '@angular/core';
import { I18nService, TranslationKey } from '../core/i18n/i18n.service';
import { TranslatePipe } from '../core/i18n/translate.pipe';

/**
 * LoadMore ends a paged list: a real button (keyboard, screen readers), which also asks by itself when it
 * scrolls into view, so a long list reads as an infinite scroll. Put it in the list's scrolling box.
 */
@Component({
  selector: 'app-load-more',
  imports: [TranslatePipe],
  template: `
    <button type="button" class="button small secondary" data-testid="load-more" [attr.aria-busy]="loading()" (click)="ask()">
      @if (loading()) {
        <span class="spinner" aria-hidden="true"></span>
      }
      {{ label() | t: lang() }}
    </button>
  `,
  styles: `
    :host { display: flex; justify-content: center; padding: var(--space-2); }
  `,
})
export class LoadMore {
  protected readonly lang = inject(I18nService).lang;
  /** True while the next page loads (asking again is ignored meanwhile). */
  readonly loading = input(false);
  /** The button's words. */
  readonly label = input<TranslationKey>('common.more');
  /** Asks for the next page. */
  readonly more = output<void>();

  constructor() {
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      if (typeof IntersectionObserver === 'undefined') return;
      const seen = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) this.ask();
      });
      seen.observe(host);
      destroyRef.onDestroy(() => seen.disconnect());
    });
  }

  protected ask(): void {
    if (!this.loading()) this.more.emit();
  }
}
