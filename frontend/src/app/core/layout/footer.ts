import { Component } from '@angular/core';
import { TranslatePipe } from '../i18n/translate.pipe';

/** Footer: a line about the product. */
@Component({
  selector: 'app-footer',
  imports: [TranslatePipe],
  template: `<footer class="footer"><span>© WorkComm</span><span>{{ 'footer.tagline' | t }}</span></footer>`,
  styles: `
    .footer {
      display: flex; justify-content: space-between; gap: var(--space-2); flex-wrap: wrap;
      padding: var(--space-2) var(--space-4); color: var(--text-muted); font-size: 0.8rem;
      border-top: 1px solid var(--border); background: var(--surface);
    }
  `,
})
export class Footer {}
