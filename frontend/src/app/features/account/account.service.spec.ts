import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../../core/auth/auth.service';
import { authBody, fakeUser, settle } from '../../core/testing/fakes';
import { AccountService } from './account.service';
import { validateProfile } from './profile-form';
import { isTotpCode } from './two-factor-settings';

describe('AccountService', () => {
  let account: AccountService;
  let auth: AuthService;
  let http: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()] });
    account = TestBed.inject(AccountService);
    auth = TestBed.inject(AuthService);
    http = TestBed.inject(HttpTestingController);
    const login = auth.login('alice', 'pw123456');
    http.expectOne('/api/v1/auth/login').flush(authBody('t1'));
    await login;
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('saves the profile and shows the new self view everywhere at once', async () => {
    const done = account.updateProfile({ displayName: 'Alice M', statusText: 'Away' });
    const req = http.expectOne('/api/v1/users/me');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ displayName: 'Alice M', statusText: 'Away' });
    req.flush(fakeUser({ displayName: 'Alice M', statusText: 'Away' }));
    await done;
    expect(auth.user()?.displayName).toBe('Alice M');
    expect(auth.user()?.statusText).toBe('Away');
  });

  it('uploads the avatar as multipart and takes the answer as the self view', async () => {
    const done = account.uploadAvatar(new Blob(['x'], { type: 'image/png' }));
    const req = http.expectOne('/api/v1/users/me/avatar');
    expect(req.request.method).toBe('PUT');
    expect(req.request.body instanceof FormData).toBe(true);
    expect((req.request.body as FormData).get('file')).toBeTruthy();
    req.flush(fakeUser({ avatarUrl: '/a/256.png' }));
    await done;
    expect(auth.user()?.avatarUrl).toBe('/a/256.png');
  });

  it('turns two-factor on with a code, returns the recovery codes and reloads the self view', async () => {
    const setup = account.setupTwoFactor();
    http.expectOne('/api/v1/users/me/2fa/setup').flush({ secret: 'S', otpauthUrl: 'otpauth://totp/x?secret=S' });
    expect((await setup).secret).toBe('S');

    const enable = account.enableTwoFactor('123456');
    const req = http.expectOne('/api/v1/users/me/2fa/enable');
    expect(req.request.body).toEqual({ code: '123456' });
    req.flush({ recoveryCodes: ['aaaaa-bbbbb'] });
    await settle();
    http.expectOne('/api/v1/users/me').flush(fakeUser({ twoFactorEnabled: true }));
    expect(await enable).toEqual(['aaaaa-bbbbb']);
    expect(auth.user()?.twoFactorEnabled).toBe(true);
  });

  it('asks for a reset mail in the app language, without the access token', async () => {
    const done = account.forgotPassword('a@b.io', 'fr');
    const req = http.expectOne('/api/v1/auth/password/forgot');
    expect(req.request.body).toEqual({ email: 'a@b.io' });
    expect(req.request.headers.get('Accept-Language')).toBe('fr');
    expect(req.request.headers.has('Authorization')).toBe(false);
    req.flush(null, { status: 202, statusText: 'Accepted' });
    await done;
  });

  it('resets the password with the token', async () => {
    const done = account.resetPassword('tok', 'new password');
    const req = http.expectOne('/api/v1/auth/password/reset');
    expect(req.request.body).toEqual({ token: 'tok', newPassword: 'new password' });
    req.flush(null, { status: 204, statusText: 'No Content' });
    await done;
  });
});

describe('account form rules', () => {
  it('mirror the server: name 1–64, status at most 100 code points', () => {
    expect(validateProfile('Alice', '')).toEqual({});
    expect(validateProfile('   ', 'é'.repeat(100))).toEqual({ displayName: 'profile.nameRule' });
    expect(validateProfile('x'.repeat(65), 'é'.repeat(101))).toEqual({ displayName: 'profile.nameRule', statusText: 'profile.statusRule' });
  });

  it('take a TOTP code as 6 digits, spaces allowed', () => {
    expect(isTotpCode('123456')).toBe(true);
    expect(isTotpCode('123 456')).toBe(true);
    expect(isTotpCode('12345')).toBe(false);
    expect(isTotpCode('abcdef')).toBe(false);
  });
});
