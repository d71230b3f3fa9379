import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { API } from '../api/api-paths';
import { AuthResponse, TwoFactorChallenge, User } from '../api/models';
import { SKIP_AUTH, SKIP_ERROR_TOAST } from '../http/http-context';
import { forgetUser } from '../util/user-storage';

/** Longest wait for the session restore before the first screen shows. */
export const RESTORE_TIMEOUT_MS = 8000;

/** Outcome of a refresh: a new token, a refusal (session over) or no answer (offline). */
export type RefreshOutcome = 'ok' | 'rejected' | 'network';

/** Why a session ended, to tell the user on the login page. */
export type EndReason = 'logout' | 'expired';

/** What the password step of a login gives: the session's user, or the challenge of the second step. */
export type LoginOutcome = { user: User; challenge?: undefined } | { user?: undefined; challenge: string };

/** The second login step's proof: a code from the authenticator app, or a recovery code. */
export type SecondFactor = { code: string } | { recoveryCode: string };

/** Registration form body. */
export interface RegisterBody {
  username: string;
  email: string;
  password: string;
  displayName?: string;
}

/**
 * AuthService owns the session. The access token lives in memory only; the refresh token is the HttpOnly
 * `wc_refresh` cookie, so a reload restores the session with one POST /auth/refresh. Concurrent callers share
 * one refresh, because refresh tokens rotate and a reused one revokes the whole login.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);

  private readonly tokenState = signal<string | null>(null);
  private tokenExpiresAt = 0;
  private readonly userState = signal<User | null>(null);
  private readonly endReasonState = signal<EndReason | null>(null);
  private refreshInFlight: Promise<RefreshOutcome> | null = null;

  /** The signed-in user, or null. */
  readonly user = this.userState.asReadonly();
  /** True while a user is signed in with a token. */
  readonly isLoggedIn = computed(() => this.userState() !== null && this.tokenState() !== null);
  /** True for role admin (the server still decides). */
  readonly isAdmin = computed(() => this.userState()?.role === 'admin');
  /** True on the premium plan. */
  readonly isPremium = computed(() => this.userState()?.plan === 'premium');
  /** Why the last session ended, if it ended by itself. */
  readonly endReason = this.endReasonState.asReadonly();

  /** accessToken returns the in-memory access token. */
  accessToken(): string | null {
    return this.tokenState();
  }

  /** tokenValidFor tells whether the token stays valid for at least marginMs more. */
  tokenValidFor(marginMs: number): boolean {
    return this.tokenState() !== null && Date.now() + marginMs < this.tokenExpiresAt;
  }

  /** login checks the password; with two-factor on, the session waits for loginTwoFactor. */
  async login(login: string, password: string): Promise<LoginOutcome> {
    const res = await firstValueFrom(
      this.http.post<AuthResponse | TwoFactorChallenge>(`${API}/auth/login`, { login, password }, this.authOptions()),
    );
    if ('twoFactorRequired' in res && res.twoFactorRequired) return { challenge: res.challenge };
    return { user: this.applyAuth(res as AuthResponse) };
  }

  /** loginTwoFactor is the second step: the challenge of the password step and a code. */
  async loginTwoFactor(challenge: string, proof: SecondFactor): Promise<User> {
    const res = await firstValueFrom(
      this.http.post<AuthResponse>(`${API}/auth/login/2fa`, { challenge, ...proof }, this.authOptions()),
    );
    return this.applyAuth(res);
  }

  /** setUser shows an updated self view (the profile page saved it). */
  setUser(user: User): void {
    if (this.userState()) this.userState.set(user);
  }

  async register(body: RegisterBody): Promise<User> {
    const payload: RegisterBody = { username: body.username, email: body.email, password: body.password };
    if (body.displayName) payload.displayName = body.displayName;
    const res = await firstValueFrom(this.http.post<AuthResponse>(`${API}/auth/register`, payload, this.authOptions()));
    return this.applyAuth(res);
  }

  /**
   * refresh trades the `wc_refresh` cookie for a new token pair. Callers at the same moment share one request.
   * A 401/403 answer ends the session; a network failure keeps it (we may just be offline).
   */
  refresh(): Promise<RefreshOutcome> {
    if (!this.refreshInFlight) {
      this.refreshInFlight = this.doRefresh().finally(() => (this.refreshInFlight = null));
    }
    return this.refreshInFlight;
  }

  /**
   * restore is run once at start-up: a valid refresh cookie signs the user back in. The app waits for it
   * (so guards see the session), but never longer than RESTORE_TIMEOUT_MS on a server that does not answer.
   */
  async restore(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, RESTORE_TIMEOUT_MS)));
    await Promise.race([this.refresh().then(() => undefined), timeout]);
    clearTimeout(timer);
  }

  /** reloadMe fetches /users/me again (e.g. after a payment, for the plan badge). */
  async reloadMe(): Promise<User | null> {
    if (!this.tokenState()) return null;
    const user = await firstValueFrom(this.http.get<User>(`${API}/users/me`));
    this.userState.set(user);
    return user;
  }

  /**
   * logout revokes the refresh cookie on the server, then forgets everything locally, what the app stored for
   * the user in this browser included (drafts): the next person at this browser finds nothing of theirs.
   */
  async logout(): Promise<void> {
    const userId = this.userState()?.id;
    try {
      await firstValueFrom(
        this.http.post<void>(`${API}/auth/logout`, {}, { withCredentials: true, context: new HttpContext().set(SKIP_ERROR_TOAST, true) }),
      );
    } catch {
      /* the local session ends anyway */
    }
    this.clear('logout');
    if (userId) forgetUser(userId);
    await this.router.navigateByUrl('/login');
  }

  /** endSession is called when the server no longer accepts us (expired, revoked, banned). */
  endSession(): void {
    if (!this.userState() && !this.tokenState()) return;
    const returnUrl = this.router.url;
    this.clear('expired');
    void this.router.navigate(['/login'], {
      queryParams: returnUrl && returnUrl !== '/' && !returnUrl.startsWith('/login') ? { returnUrl } : {},
    });
  }

  /** clearEndReason hides the "session ended" notice once shown. */
  clearEndReason(): void {
    this.endReasonState.set(null);
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    try {
      const res = await firstValueFrom(
        this.http.post<AuthResponse>(`${API}/auth/refresh`, {}, this.authOptions()),
      );
      this.applyAuth(res);
      return 'ok';
    } catch (err) {
      const status = err instanceof HttpErrorResponse ? err.status : 0;
      if (status === 0 || status >= 500) return 'network';
      this.endSession();
      return 'rejected';
    }
  }

  private applyAuth(res: AuthResponse): User {
    this.tokenState.set(res.accessToken);
    this.tokenExpiresAt = Date.now() + (res.expiresIn || 900) * 1000;
    this.userState.set(res.user);
    this.endReasonState.set(null);
    return res.user;
  }

  private clear(reason: EndReason): void {
    this.tokenState.set(null);
    this.tokenExpiresAt = 0;
    this.userState.set(null);
    this.endReasonState.set(reason === 'expired' ? 'expired' : null);
  }

  private authOptions() {
    return {
      withCredentials: true,
      context: new HttpContext().set(SKIP_AUTH, true).set(SKIP_ERROR_TOAST, true),
    };
  }
}
