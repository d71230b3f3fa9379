import { Component, effect, inject, untracked } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { AuthService } from './core/auth/auth.service';
import { I18nService } from './core/i18n/i18n.service';
import { TranslatePipe } from './core/i18n/translate.pipe';
import { CookieBanner } from './core/layout/cookie-banner';
import { Footer } from './core/layout/footer';
import { Header } from './core/layout/header';
import { Toaster } from './core/layout/toaster';
import { ChatStore } from './core/chat/chat-store.service';

/** The shell: header, routed page, footer, toasts and the cookie banner; opens the sockets while signed in. */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, Header, Footer, Toaster, CookieBanner, TranslatePipe],
  template: `
    <a class="skip-link" href="#main">{{ 'a11y.skip' | t: lang() }}</a>
    <app-header />
    <main id="main" class="app-main" tabindex="-1">
      <router-outlet />
    </main>
    <app-footer />
    <!-- In the layout's flow, last: while unanswered it takes its own row and never covers the page. -->
    <app-cookie-banner />
    <app-toaster />
  `,
  styles: `
    :host { display: flex; flex-direction: column; height: 100dvh; }
    .app-main { flex: 1; display: flex; flex-direction: column; min-height: 0; overflow-y: auto; }
    .app-main:focus { outline: none; }
  `,
})
export class App {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  private readonly auth = inject(AuthService);
  private readonly chat = inject(ChatStore);

  constructor() {
    // The session decides whether the sockets run: start on sign-in, stop (and forget) on sign-out.
    effect(() => {
      const loggedIn = this.auth.isLoggedIn();
      untracked(() => (loggedIn ? this.chat.start() : this.chat.stop()));
    });
  }
}
