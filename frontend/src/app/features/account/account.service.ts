import { HttpClient, HttpContext, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { User } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { SKIP_AUTH, SKIP_ERROR_TOAST } from '../../core/http/http-context';

/** A pending two-factor secret: typed into an app, or scanned from the QR code of otpauthUrl. */
export interface TwoFactorSetup {
  secret: string;
  otpauthUrl: string;
}

/** PATCH /users/me: only the fields given change; a new password needs the current one. */
export interface ProfileChange {
  displayName?: string;
  statusText?: string;
  currentPassword?: string;
  newPassword?: string;
}

/** The contract's avatar limit (PUT /users/me/avatar). */
export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;

/**
 * AccountService is the caller's own account: profile, avatar, two-factor, and the forgotten-password pair
 * (which work signed out). Every call that changes the self view hands it to AuthService, so the header and
 * every page show it at once. Errors are the pages' to show (no toast).
 */
@Injectable({ providedIn: 'root' })
export class AccountService {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly quiet = { context: new HttpContext().set(SKIP_ERROR_TOAST, true) };
  private readonly public = { context: new HttpContext().set(SKIP_AUTH, true).set(SKIP_ERROR_TOAST, true) };

  async updateProfile(change: ProfileChange): Promise<User> {
    const user = await firstValueFrom(this.http.patch<User>(`${API}/users/me`, change, this.quiet));
    this.auth.setUser(user);
    return user;
  }

  /** uploadAvatar sends the (already cropped) picture; the server stores it at 256 and 64 px. */
  async uploadAvatar(image: Blob, name = 'avatar.png'): Promise<User> {
    const form = new FormData();
    form.append('file', image, name);
    const user = await firstValueFrom(this.http.put<User>(`${API}/users/me/avatar`, form, this.quiet));
    this.auth.setUser(user);
    return user;
  }

  async deleteAvatar(): Promise<void> {
    await firstValueFrom(this.http.delete<void>(`${API}/users/me/avatar`, this.quiet));
    await this.auth.reloadMe();
  }

  setupTwoFactor(): Promise<TwoFactorSetup> {
    return firstValueFrom(this.http.post<TwoFactorSetup>(`${API}/users/me/2fa/setup`, {}, this.quiet));
  }

  /** enableTwoFactor answers the ten recovery codes, shown once. */
  async enableTwoFactor(code: string): Promise<string[]> {
    const res = await firstValueFrom(this.http.post<{ recoveryCodes: string[] }>(`${API}/users/me/2fa/enable`, { code }, this.quiet));
    await this.auth.reloadMe();
    return res.recoveryCodes;
  }

  async disableTwoFactor(password: string, code: string): Promise<void> {
    await firstValueFrom(this.http.post<void>(`${API}/users/me/2fa/disable`, { password, code }, this.quiet));
    await this.auth.reloadMe();
  }

  /** forgotPassword asks for a reset mail; the answer is the same whether or not the address has an account. */
  async forgotPassword(email: string, lang: string): Promise<void> {
    // The mail is written in the app's language, which may differ from the browser's.
    const headers = new HttpHeaders({ 'Accept-Language': lang });
    await firstValueFrom(this.http.post<void>(`${API}/auth/password/forgot`, { email }, { ...this.public, headers }));
  }

  /** resetPassword sets a new password with the token of the mail's link; every session ends. */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    await firstValueFrom(this.http.post<void>(`${API}/auth/password/reset`, { token, newPassword }, this.public));
  }
}
