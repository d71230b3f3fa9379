import { safeReturnUrl } from './login-page';
import { validateRegistration } from './register-page';

describe('auth forms', () => {
  it('returns only to in-app paths after login', () => {
    expect(safeReturnUrl('/chat/u/3')).toBe('/chat/u/3');
    expect(safeReturnUrl('https://evil.example')).toBe('/chat');
    expect(safeReturnUrl('//evil.example')).toBe('/chat');
    expect(safeReturnUrl(undefined)).toBe('/chat');
  });

  it('checks registration fields like the server does, all at once', () => {
    expect(validateRegistration({ username: 'al', email: 'x', password: 'short', displayName: '' })).toEqual({
      username: 'auth.usernameRule', email: 'auth.emailRule', password: 'auth.passwordRule',
    });
    expect(validateRegistration({ username: 'alice.b-1', email: 'a@b.io', password: 'long enough', displayName: 'Alice' })).toEqual({});
  });
});
