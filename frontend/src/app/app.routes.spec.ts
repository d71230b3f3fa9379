import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, computed, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Route, Router, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { routes } from './app.routes';
import { User } from './core/api/models';
import { adminGuard } from './core/auth/admin.guard';
import { authGuard } from './core/auth/auth.guard';
import { AuthService } from './core/auth/auth.service';
import { fakeUser } from './core/testing/fakes';

@Component({ template: 'page' })
class Page {}

/** The same route tree with every page replaced by a stub: what is tested is the guards and redirects. */
function stubbed(list: Route[]): Route[] {
  return list.map((r) => ({
    ...r,
    ...(r.loadComponent ? { loadComponent: undefined, component: Page } : {}),
    ...(r.children ? { children: stubbed(r.children) } : {}),
  }));
}

describe('routes', () => {
  const user = signal<User | null>(null);

  beforeEach(() => {
    user.set(null);
    TestBed.configureTestingModule({
      providers: [
        provideRouter(stubbed(routes)),
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: AuthService, useValue: { user, isLoggedIn: computed(() => user() !== null) } },
      ],
    });
  });

  it('puts every signed-in page under one parent guarded by authGuard, and admin behind adminGuard too', () => {
    const parent = routes.find((r) => r.children);
    expect(parent?.canActivateChild).toEqual([authGuard]);
    expect(parent?.children?.map((r) => r.path)).toEqual(['chat', 'chat/:kind/:id', 'friends', 'groups', 'subscription', 'payments', 'profile', 'admin']);
    expect(parent?.children?.find((r) => r.path === 'admin')?.canActivate).toEqual([adminGuard]);
    expect(routes.filter((r) => !r.children).some((r) => r.canActivate?.includes(authGuard))).toBe(false);
  });

  it('opens the forgotten-password page to visitors only, and the reset link to anyone', async () => {
    const harness = await RouterTestingHarness.create();
    const router = TestBed.inject(Router);
    await harness.navigateByUrl('/forgot-password');
    expect(router.url).toBe('/forgot-password');
    await harness.navigateByUrl('/reset-password#token=abc');
    expect(router.url).toBe('/reset-password#token=abc');
    user.set(fakeUser());
    await harness.navigateByUrl('/reset-password#token=abc');
    expect(router.url).toBe('/reset-password#token=abc');
    await harness.navigateByUrl('/forgot-password');
    expect(router.url).toBe('/chat');
  });

  it('sends a signed-out visitor of any signed-in page to /login with the returnUrl', async () => {
    const harness = await RouterTestingHarness.create();
    const router = TestBed.inject(Router);
    for (const url of ['/chat', '/chat/u/5', '/friends', '/groups', '/subscription', '/payments', '/profile', '/admin']) {
      await harness.navigateByUrl(url);
      expect(router.url).toBe(`/login?returnUrl=${encodeURIComponent(url)}`);
    }
  });

  it('lets a signed-in user through, and moves between pages re-checking the session', async () => {
    user.set(fakeUser());
    const harness = await RouterTestingHarness.create();
    const router = TestBed.inject(Router);
    await harness.navigateByUrl('/');
    expect(router.url).toBe('/chat');
    await harness.navigateByUrl('/friends');
    expect(router.url).toBe('/friends');
    await harness.navigateByUrl('/admin');
    expect(router.url).toBe('/chat');
    user.set(null);
    await harness.navigateByUrl('/groups');
    expect(router.url).toBe('/login?returnUrl=%2Fgroups');
  });

  it('shows the not-found page for an unknown path, signed in or not', async () => {
    const harness = await RouterTestingHarness.create();
    const router = TestBed.inject(Router);
    const deepest = () => {
      let r = router.routerState.snapshot.root;
      while (r.firstChild) r = r.firstChild;
      return r.routeConfig?.path;
    };
    await harness.navigateByUrl('/nope');
    expect([router.url, deepest()]).toEqual(['/nope', '**']);
    user.set(fakeUser());
    await harness.navigateByUrl('/chat/u/5/extra');
    expect([router.url, deepest()]).toEqual(['/chat/u/5/extra', '**']);
    await harness.navigateByUrl('/chat/u/5');
    expect(deepest()).toBe('chat/:kind/:id');
  });
});
