import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../../core/auth/auth.service';
import { authBody } from '../../core/testing/fakes';
import { tokenFromFragment } from './reset-password-page';

describe('two-factor login', () => {
  let auth: AuthService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
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

  it('holds no session after the password step, then signs in with the code', async () => {
    const first = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush({ twoFactorRequired: true, challenge: 'ch1' });
    expect(await first).toEqual({ challenge: 'ch1' });
    expect(auth.isLoggedIn()).toBe(false);
    expect(auth.accessToken()).toBeNull();

    const second = auth.loginTwoFactor('ch1', { code: '123456' });
    const req = http.expectOne('/api/v1/auth/login/2fa');
    expect(req.request.body).toEqual({ challenge: 'ch1', code: '123456' });
    expect(req.request.withCredentials).toBe(true);
    req.flush(authBody('a2'));
    await second;
    expect(auth.accessToken()).toBe('a2');
    expect(auth.isLoggedIn()).toBe(true);
  });

  it('sends a recovery code in its own field', async () => {
    const done = auth.loginTwoFactor('ch2', { recoveryCode: 'abcde-fghjk' });
    const req = http.expectOne('/api/v1/auth/login/2fa');
    expect(req.request.body).toEqual({ challenge: 'ch2', recoveryCode: 'abcde-fghjk' });
    req.flush(authBody('a3'));
    await done;
  });
});

describe('reset link', () => {
  it('reads the token from the fragment only', () => {
    expect(tokenFromFragment('token=abc_DEF-1')).toBe('abc_DEF-1');
    expect(tokenFromFragment('#token=abc')).toBe('abc');
    expect(tokenFromFragment('token=')).toBeNull();
    expect(tokenFromFragment(null)).toBeNull();
    expect(tokenFromFragment('other=1')).toBeNull();
  });
});
