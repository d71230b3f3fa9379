import { Signal, signal } from '@angular/core';
import { environment } from '../../../environments/environment';
import { Envelope } from '../api/models';
import { RefreshOutcome } from '../auth/auth.service';
import { newId } from '../util/id';
import { OPEN, OpenSocket, WebSocketLike } from './websocket';

/** First reconnect delay ceiling; doubles on each failed attempt. */
export const RECONNECT_BASE_MS = 500;
/** Longest wait between two attempts, so a server back after an outage is found within half a minute. */
export const RECONNECT_MAX_MS = 30_000;
/** Send an app-level `ping` this often, so a half-open connection (sleep, proxy) shows up. */
export const HEARTBEAT_MS = 25_000;
/** A socket silent for this long is dead: close it and reconnect (the server's own limit is 60 s). */
export const SILENCE_LIMIT_MS = 60_000;
/** Refresh the token before connecting when it expires within this margin. */
export const TOKEN_MARGIN_MS = 30_000;
/**
 * A socket refused before `ready` may mean a revoked token (ban) or just a server or network outage, which
 * the browser does not tell apart. Refresh for that reason at most this often: each refresh rotates the
 * refresh token, and a rotation racing a page reload would look like token reuse to the server.
 */
export const REFRESH_THROTTLE_MS = 30_000;

/** Connection state shown in the UI. */
export type SocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting';

/** What a connection asks of the session (AuthService has this shape). */
export interface TokenSource {
  accessToken(): string | null;
  tokenValidFor(marginMs: number): boolean;
  refresh(): Promise<RefreshOutcome>;
}

export interface ConnectionOptions {
  /** '/ws/private' or '/ws/group'. */
  readonly path: string;
  readonly openSocket: OpenSocket;
  readonly tokens: TokenSource;
  /** Every frame from the server, `ready` included (the connection is open by then). */
  readonly onFrame: (env: Envelope) => void;
  /** The refresh was refused (banned, revoked): the connection has stopped for good. */
  readonly onRejected: () => void;
}

/**
 * backoffDelay is the wait before reconnect attempt `attempt` (0 first): exponential with "equal jitter",
 * a random point in the upper half of the ceiling. Clients that lost the server together spread out, and
 * none retries at once (full jitter could pick 0 ms and hammer a server that is restarting).
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * SocketConnection keeps one WebSocket connected while wanted:
 * - auth with `?access_token=`; a refresh first when the token is about to expire or the last attempt was
 *   refused before `ready`; a refused refresh ends the session, so the connection stops for good;
 * - reconnect with backoffDelay, at once when the browser comes back online (closed when it goes offline);
 * - a `ping` every HEARTBEAT_MS, and a socket silent for SILENCE_LIMIT_MS is replaced;
 * - one frame listener for the lifetime of the connection, given to every new socket.
 * It knows nothing of chat: frames go to onFrame, and `ready` marks the connection open first.
 */
export class SocketConnection {
  private readonly statusState = signal<SocketStatus>('idle');
  /** Connection state. */
  readonly status: Signal<SocketStatus> = this.statusState.asReadonly();

  private ws: WebSocketLike | null = null;
  private wanted = false;
  private attempt = 0;
  private gotReady = false;
  private refreshBeforeConnect = false;
  private lastRefreshAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;

  /** The one listener every socket gets. */
  private readonly onMessage = (ev: { data: unknown }) => this.receive(ev.data);
  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => this.ws?.close(4000, 'offline');

  constructor(private readonly opts: ConnectionOptions) {
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
  }

  /** start connects (idempotent) and keeps the socket connected until stop(). */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt = 0;
    void this.connect();
  }

  /** stop closes the socket and stays closed until the next start(). */
  stop(): void {
    this.wanted = false;
    this.clearReconnect();
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    this.gotReady = false;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close(1000, 'bye');
    }
    this.statusState.set('idle');
  }

  /** dispose stops for good and lets go of the browser's online/offline events. */
  dispose(): void {
    this.stop();
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
  }

  /** ready: the server has sent `ready` on the current socket (its rooms are joined). */
  get ready(): boolean {
    return this.gotReady;
  }

  /** isOpen tells whether the socket is connected and ready. */
  isOpen(): boolean {
    return this.statusState() === 'open' && this.ws?.readyState === OPEN;
  }

  /** send writes one frame; false when the socket is not open (nothing is queued here). */
  send(env: Envelope): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    try {
      this.ws.send(JSON.stringify(env));
      return true;
    } catch {
      return false;
    }
  }

  private async connect(): Promise<void> {
    if (!this.wanted || this.ws) return;
    const { tokens } = this.opts;
    this.statusState.set(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const suspectToken = this.refreshBeforeConnect && Date.now() - this.lastRefreshAt >= REFRESH_THROTTLE_MS;
    if (suspectToken || !tokens.tokenValidFor(TOKEN_MARGIN_MS)) {
      this.lastRefreshAt = Date.now();
      const outcome = await tokens.refresh();
      if (!this.wanted) return;
      if (outcome === 'rejected') {
        this.stop();
        this.opts.onRejected();
        return;
      }
      if (outcome === 'network') {
        this.scheduleReconnect();
        return;
      }
      this.refreshBeforeConnect = false;
    }
    const token = tokens.accessToken();
    if (!token || this.ws) {
      if (!token) this.scheduleReconnect();
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = this.opts.openSocket(this.url(token));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.gotReady = false;
    ws.onmessage = this.onMessage;
    ws.onerror = () => undefined;
    ws.onclose = () => this.onClose(ws);
  }

  private onClose(ws: WebSocketLike): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopHeartbeat();
    // Closed before `ready`: the handshake may have been refused (expired or revoked token).
    if (!this.gotReady) this.refreshBeforeConnect = true;
    this.gotReady = false;
    if (this.wanted) this.scheduleReconnect();
  }

  private receive(raw: unknown): void {
    this.lastFrameAt = Date.now();
    let env: Envelope;
    try {
      env = JSON.parse(String(raw)) as Envelope;
    } catch {
      return;
    }
    if (!env || typeof env.type !== 'string') return;
    if (env.type === 'ready') {
      this.gotReady = true;
      this.attempt = 0;
      this.refreshBeforeConnect = false;
      this.statusState.set('open');
      this.startHeartbeat();
    }
    this.opts.onFrame(env);
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer) return;
    this.statusState.set('reconnecting');
    const delay = backoffDelay(this.attempt);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private reconnectNow(): void {
    if (!this.wanted || this.ws) return;
    this.clearReconnect();
    this.attempt = 0;
    void this.connect();
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.lastFrameAt = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        this.ws?.close(4002, 'silent');
        return;
      }
      this.send({ type: 'ping', id: newId() });
    }, HEARTBEAT_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private url(token: string): string {
    let base = environment.socketBaseUrl.replace(/\/$/, '');
    if (!base && typeof location !== 'undefined') {
      base = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    }
    return `${base}${this.opts.path}?access_token=${encodeURIComponent(token)}`;
  }
}
