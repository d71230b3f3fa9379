import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';

import { AuthService } from './auth.service';
import { authBody, fakeUser, settle } from '../testing/fakes';
import { userStorageKey } from '../util/user-storage';


describe('AuthService', () => {
  let auth: AuthService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
    auth = TestBed.inject(AuthService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('logs in with {login, password}, keeps the token in memory and exposes the user as a signal', async () => {
    const done = auth.login('alice', 'secret123');
    const req = http.expectOne('/api/v1/auth/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ login: 'alice', password: 'secret123' });
    expect(req.request.withCredentials).toBe(true);
    req.flush(authBody('a1'));
    await done;
    expect(auth.accessToken()).toBe('a1');
    expect(auth.user()?.username).toBe('alice');
    expect(auth.isLoggedIn()).toBe(true);
    expect(auth.isAdmin()).toBe(false);
    expect(localStorage.getItem('a1')).toBeNull();
    expect(JSON.stringify({ ...localStorage })).not.toContain('a1');
  });

  it('registers without sending an empty displayName', async () => {
    const done = auth.register({ username: 'bob', email: 'bob@example.com', password: 'longenough', displayName: '' });
    const req = http.expectOne('/api/v1/auth/register');
    expect(req.request.body).toEqual({ username: 'bob', email: 'bob@example.com', password: 'longenough' });
    req.flush(authBody('b1', { username: 'bob' }), { status: 201, statusText: 'Created' });
    await done;
    expect(auth.user()?.username).toBe('bob');
  });

  it('restores the session on reload through POST /auth/refresh with {} and the cookie', async () => {
    const done = auth.restore();
    const req = http.expectOne('/api/v1/auth/refresh');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({});
    expect(req.request.withCredentials).toBe(true);
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush(authBody('r1', { role: 'admin' }));
    await done;
    expect(auth.isLoggedIn()).toBe(true);
    expect(auth.isAdmin()).toBe(true);
  });

  it('stays signed out when there is no valid refresh cookie', async () => {
    const done = auth.restore();
    http.expectOne('/api/v1/auth/refresh').flush({ error: { code: 'unauthorized', message: 'no' } }, { status: 401, statusText: 'Unauthorized' });
    await done;
    expect(auth.isLoggedIn()).toBe(false);
  });

  it('shares one refresh between concurrent callers (refresh tokens rotate)', async () => {
    const a = auth.refresh();
    const b = auth.refresh();
    http.expectOne('/api/v1/auth/refresh').flush(authBody('r2'));
    expect(await a).toBe('ok');
    expect(await b).toBe('ok');
  });

  it('keeps the session when the refresh fails for lack of network', async () => {
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a1'));
    await login;
    const r = auth.refresh();
    http.expectOne('/api/v1/auth/refresh').error(new ProgressEvent('error'));
    expect(await r).toBe('network');
    expect(auth.isLoggedIn()).toBe(true);
  });

  it('ends the session and goes to /login when the refresh is refused (banned, revoked)', async () => {
    const router = TestBed.inject(Router);
    const nav = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a1'));
    await login;
    const r = auth.refresh();
    http.expectOne('/api/v1/auth/refresh').flush({ error: { code: 'forbidden', message: 'banned' } }, { status: 403, statusText: 'Forbidden' });
    expect(await r).toBe('rejected');
    expect(auth.isLoggedIn()).toBe(false);
    expect(auth.endReason()).toBe('expired');
    expect(nav).toHaveBeenCalledWith(['/login'], expect.anything());
  });

  it('logs out: POST /auth/logout with the cookie, then forgets the token', async () => {
    const router = TestBed.inject(Router);
    vi.spyOn(router, 'navigateByUrl').mockResolvedValue(true);
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a1'));
    await login;
    const out = auth.logout();
    const req = http.expectOne('/api/v1/auth/logout');
    expect(req.request.withCredentials).toBe(true);
    req.flush(null, { status: 204, statusText: 'No Content' });
    await out;
    expect(auth.accessToken()).toBeNull();
    expect(auth.user()).toBeNull();
  });

  it('erases what the user stored in this browser (drafts) at sign-out, not when the session merely expires', async () => {
    const router = TestBed.inject(Router);
    vi.spyOn(router, 'navigateByUrl').mockResolvedValue(true);
    vi.spyOn(router, 'navigate').mockResolvedValue(true);
    localStorage.setItem(userStorageKey(1, 'drafts'), '{"u:2":"mine"}');
    localStorage.setItem(userStorageKey(7, 'drafts'), '{"u:2":"someone else\'s"}');
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a1'));
    await login;
    const r = auth.refresh();
    http.expectOne('/api/v1/auth/refresh').flush({ error: { code: 'unauthorized', message: '' } }, { status: 401, statusText: 'Unauthorized' });
    await r;
    expect(localStorage.getItem(userStorageKey(1, 'drafts'))).toBe('{"u:2":"mine"}');
    const again = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a2'));
    await again;
    const out = auth.logout();
    http.expectOne('/api/v1/auth/logout').flush(null, { status: 204, statusText: 'No Content' });
    await out;
    expect(localStorage.getItem(userStorageKey(1, 'drafts'))).toBeNull();
    expect(localStorage.getItem(userStorageKey(7, 'drafts'))).not.toBeNull();
    localStorage.clear();
  });

  it('reloads /users/me (plan badge after a payment)', async () => {
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('a1'));
    await login;
    const me = auth.reloadMe();
    http.expectOne('/api/v1/users/me').flush(fakeUser({ plan: 'premium' }));
    await me;
    expect(auth.isPremium()).toBe(true);
  });
});
