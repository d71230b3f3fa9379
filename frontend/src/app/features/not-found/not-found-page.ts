import { Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';

/** 404 page. */
@Component({
  selector: 'app-not-found-page',
  imports: [RouterLink, TranslatePipe],
  template: `
    <section class="page narrow" data-testid="not-found">
      <div class="card stack">
        <h1>404 — {{ 'notFound.title' | t: lang() }}</h1>
        <p class="muted">{{ 'notFound.text' | t: lang() }}</p>
        <a class="button" routerLink="/">{{ 'notFound.home' | t: lang() }}</a>
      </div>
    </section>
  `,
})
export class NotFoundPage {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
}
