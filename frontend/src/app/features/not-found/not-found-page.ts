import { Component } from '@angular/core';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '../../core/i18n/translate.pipe';

/** 404 page. */
@Component({
  selector: 'app-not-found-page',
  imports: [RouterLink, TranslatePipe],
  template: `
    <section class="page narrow" data-testid="not-found">
      <div class="card stack">
        <h1>404 — {{ 'notFound.title' | t }}</h1>
        <p class="muted">{{ 'notFound.text' | t }}</p>
        <a class="button" routerLink="/">{{ 'notFound.home' | t }}</a>
      </div>
    </section>
  `,
})
export class NotFoundPage {}
