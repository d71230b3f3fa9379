import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { authBody, settle } from '../testing/fakes';
import { ToastService } from '../toast/toast.service';
import { apiBaseUrlInterceptor } from './api-base-url.interceptor';
import { authInterceptor } from './auth.interceptor';
import { errorToastInterceptor } from './error-toast.interceptor';
import { environment } from '../../../environments/environment';

describe('HTTP interceptors', () => {
  let http: HttpTestingController;
  let client: HttpClient;
  let auth: AuthService;
  let toast: ToastService;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([apiBaseUrlInterceptor, errorToastInterceptor, authInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    client = TestBed.inject(HttpClient);
    auth = TestBed.inject(AuthService);
    toast = TestBed.inject(ToastService);
    vi.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    const login = auth.login('alice', 'pw123456');
    const req = http.expectOne('/api/v1/auth/login');
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush(authBody('a1'));
    await login;
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('adds the Bearer token to API calls', async () => {
    const res = firstValueFrom(client.get('/api/v1/friends'));
    const req = http.expectOne('/api/v1/friends');
    expect(req.request.headers.get('Authorization')).toBe('Bearer a1');
    req.flush([]);
    expect(await res).toEqual([]);
  });

  it('does not send the token outside the API', async () => {
    const res = firstValueFrom(client.get('/assets/x.json'));
    const req = http.expectOne('/assets/x.json');
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush({});
    await res;
  });

  it('on 401 refreshes once through the cookie and replays the request with the new token', async () => {
    const res = firstValueFrom(client.get('/api/v1/users/me'));
    http.expectOne('/api/v1/users/me').flush({ error: { code: 'unauthorized', message: 'expired' } }, { status: 401, statusText: 'Unauthorized' });
    const refresh = http.expectOne('/api/v1/auth/refresh');
    expect(refresh.request.body).toEqual({});
    expect(refresh.request.withCredentials).toBe(true);
    refresh.flush(authBody('a2'));
    await settle();
    const retry = http.expectOne('/api/v1/users/me');
    expect(retry.request.headers.get('Authorization')).toBe('Bearer a2');
    retry.flush({ id: 1 });
    expect(await res).toEqual({ id: 1 });
    expect(toast.toasts()).toEqual([]);
  });

  it('gives up after one retry: a second 401 is final (no refresh loop)', async () => {
    const res = firstValueFrom(client.get('/api/v1/users/me')).catch((e) => e);
    http.expectOne('/api/v1/users/me').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/v1/auth/refresh').flush(authBody('a2'));
    await settle();
    http.expectOne('/api/v1/users/me').flush({ error: { code: 'unauthorized', message: 'x' } }, { status: 401, statusText: 'Unauthorized' });
    const err = await res;
    expect(err.status).toBe(401);
    http.expectNone('/api/v1/auth/refresh');
  });

  it('two calls failing together share one refresh', async () => {
    const a = firstValueFrom(client.get('/api/v1/a'));
    const b = firstValueFrom(client.get('/api/v1/b'));
    http.expectOne('/api/v1/a').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/v1/b').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/v1/auth/refresh').flush(authBody('a3'));
    await settle();
    http.expectOne('/api/v1/a').flush('A');
    http.expectOne('/api/v1/b').flush('B');
    expect(await a).toBe('A');
    expect(await b).toBe('B');
  });

  it('a refused refresh ends the session and the error reaches the caller', async () => {
    const res = firstValueFrom(client.get('/api/v1/friends')).catch((e) => e);
    http.expectOne('/api/v1/friends').flush({}, { status: 401, statusText: 'Unauthorized' });
    http.expectOne('/api/v1/auth/refresh').flush({ error: { code: 'unauthorized', message: 'reused' } }, { status: 401, statusText: 'Unauthorized' });
    const err = await res;
    expect(err.status).toBe(401);
    expect(auth.isLoggedIn()).toBe(false);
  });

  it('puts the configured API base URL in front of /api paths only', async () => {
    environment.apiBaseUrl = 'https://api.example.com/';
    try {
      const res = firstValueFrom(client.get('/api/v1/friends'));
      const req = http.expectOne('https://api.example.com/api/v1/friends');
      expect(req.request.headers.get('Authorization')).toBe('Bearer a1');
      req.flush([]);
      await res;
      const other = firstValueFrom(client.get('/assets/i.json'));
      http.expectOne('/assets/i.json').flush({});
      await other;
    } finally {
      environment.apiBaseUrl = '';
    }
  });

  it('shows other errors in a toaster, by error code', async () => {
    const res = firstValueFrom(client.post('/api/v1/friends/requests', { userId: 2 })).catch((e) => e);
    http.expectOne('/api/v1/friends/requests').flush({ error: { code: 'conflict', message: 'twice' } }, { status: 409, statusText: 'Conflict' });
    await res;
    expect(toast.toasts().map((t) => t.kind)).toEqual(['error']);
    expect(toast.toasts()[0].text).toMatch(/exist/i);
  });
});
