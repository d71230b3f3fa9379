import { Component, inject } from '@angular/core';
import { I18nService } from '../i18n/i18n.service';
import { TranslatePipe } from '../i18n/translate.pipe';

/** Footer: a line about the product. */
@Component({
  selector: 'app-footer',
  imports: [TranslatePipe],
  template: `<footer class="footer"><span>© WorkComm</span><span>{{ 'footer.tagline' | t: lang() }}</span></footer>`,
  styles: `
    .footer {
      display: flex; justify-content: space-between; gap: var(--space-2); flex-wrap: wrap;
      padding: var(--space-2) var(--space-4); color: var(--text-muted); font-size: 0.8rem;
      border-top: 1px solid var(--border); background: var(--surface);
    }
  `,
})
export class Footer {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
}
