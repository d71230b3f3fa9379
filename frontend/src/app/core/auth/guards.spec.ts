import { TestBed } from '@angular/core/testing';
import { ActivatedRouteSnapshot, Router, RouterStateSnapshot, UrlTree, provideRouter } from '@angular/router';
import { computed, signal } from '@angular/core';
import { User } from '../api/models';
import { adminGuard } from './admin.guard';
import { authGuard, guestGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { fakeUser } from '../testing/fakes';

describe('guards', () => {
  const user = signal<User | null>(null);
  const stub = { user, isLoggedIn: computed(() => user() !== null) };
  const state = (url: string) => ({ url }) as RouterStateSnapshot;
  const route = {} as ActivatedRouteSnapshot;
  const run = (fn: () => unknown) => TestBed.runInInjectionContext(fn);
  const serialize = (r: unknown) => TestBed.inject(Router).serializeUrl(r as UrlTree);

  beforeEach(() => {
    user.set(null);
    TestBed.configureTestingModule({ providers: [provideRouter([]), { provide: AuthService, useValue: stub }] });
  });

  it('authGuard sends a signed-out visitor to /login with the returnUrl', () => {
    const r = run(() => authGuard(route, state('/chat/u/5')));
    expect(r).toBeInstanceOf(UrlTree);
    expect(serialize(r)).toBe('/login?returnUrl=%2Fchat%2Fu%2F5');
  });

  it('authGuard lets a signed-in user through', () => {
    user.set(fakeUser());
    expect(run(() => authGuard(route, state('/chat')))).toBe(true);
  });

  it('adminGuard lets only role admin in', () => {
    user.set(fakeUser({ role: 'user' }));
    expect(serialize(run(() => adminGuard(route, state('/admin'))))).toBe('/chat');
    user.set(fakeUser({ role: 'admin' }));
    expect(run(() => adminGuard(route, state('/admin')))).toBe(true);
  });

  it('adminGuard sends a signed-out visitor to /login', () => {
    expect(serialize(run(() => adminGuard(route, state('/admin'))))).toBe('/login?returnUrl=%2Fadmin');
  });

  it('guestGuard keeps signed-in users off the login page', () => {
    expect(run(() => guestGuard(route, state('/login')))).toBe(true);
    user.set(fakeUser());
    expect(serialize(run(() => guestGuard(route, state('/login'))))).toBe('/chat');
  });
});
