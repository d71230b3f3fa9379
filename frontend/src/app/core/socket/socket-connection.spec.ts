import type { Mock } from 'vitest';
import { Envelope } from '../api/models';
import { RefreshOutcome } from '../auth/auth.service';
import { FakeWebSocket } from '../testing/fakes';
import {
  HEARTBEAT_MS, RECONNECT_BASE_MS, RECONNECT_MAX_MS, REFRESH_THROTTLE_MS, SILENCE_LIMIT_MS, SocketConnection, backoffDelay,
} from './socket-connection';

describe('SocketConnection', () => {
  let tokens: {
    token: string | null;
    valid: boolean;
    refreshOutcome: RefreshOutcome;
    accessToken: () => string | null;
    tokenValidFor: () => boolean;
    refresh: Mock<() => Promise<RefreshOutcome>>;
  };
  let frames: Envelope[];
  let rejected: number;
  let conn: SocketConnection;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    FakeWebSocket.instances = [];
    frames = [];
    rejected = 0;
    tokens = {
      token: 'tok 1',
      valid: true,
      refreshOutcome: 'ok',
      accessToken: () => tokens.token,
      tokenValidFor: () => tokens.valid,
      refresh: vi.fn(async () => {
        if (tokens.refreshOutcome === 'ok') {
          tokens.token = 'tok 2';
          tokens.valid = true;
        }
        return tokens.refreshOutcome;
      }),
    };
    conn = new SocketConnection({
      path: '/ws/private',
      openSocket: (url) => new FakeWebSocket(url),
      tokens,
      onFrame: (env) => frames.push(env),
      onRejected: () => rejected++,
    });
  });

  afterEach(() => {
    conn.dispose();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function connected(): FakeWebSocket {
    conn.start();
    const ws = FakeWebSocket.last();
    ws.accept();
    return ws;
  }

  it('connects with ?access_token=, becomes open on ready and hands every frame on', () => {
    const ws = connected();
    expect(ws.url).toMatch(/\/ws\/private\?access_token=tok%201$/);
    expect(conn.status()).toBe('open');
    expect(conn.ready).toBe(true);
    expect(conn.isOpen()).toBe(true);
    ws.receive({ type: 'pong', id: 'x' });
    expect(frames.map((f) => f.type)).toEqual(['ready', 'pong']);
    expect(conn.send({ type: 'typing', data: { toUserId: 2 } })).toBe(true);
    expect(ws.sentOfType('typing').length).toBe(1);
  });

  it('sends nothing while the socket is not open', () => {
    conn.start();
    expect(conn.status()).toBe('connecting');
    expect(conn.send({ type: 'typing' })).toBe(false);
    expect(conn.ready).toBe(false);
  });

  it('drops malformed frames', () => {
    const ws = connected();
    ws.onmessage?.({ data: '{not json' });
    ws.onmessage?.({ data: '42' });
    expect(frames.map((f) => f.type)).toEqual(['ready']);
  });

  it('backoffDelay: exponential ceiling, equal jitter (upper half of it), capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(RECONNECT_BASE_MS / 2);
    expect(backoffDelay(0, () => 1)).toBe(RECONNECT_BASE_MS);
    expect(backoffDelay(3, () => 0.5)).toBe(RECONNECT_BASE_MS * 8 * 0.75);
    expect(backoffDelay(30, () => 1)).toBe(RECONNECT_MAX_MS);
    expect(backoffDelay(30, () => 0)).toBe(RECONNECT_MAX_MS / 2);
  });

  it('backs off exponentially between failed attempts and resets after ready', async () => {
    conn.start();
    expect(FakeWebSocket.instances.length).toBe(1);
    FakeWebSocket.last().drop(); // attempt 0 fails -> wait up to 500 ms
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS - 1);
    expect(FakeWebSocket.instances.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances.length).toBe(2);
    FakeWebSocket.last().drop(); // next wait up to 1000 ms
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS * 2 - 1);
    expect(FakeWebSocket.instances.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances.length).toBe(3);
    FakeWebSocket.last().accept();
    FakeWebSocket.last().drop(); // after a success, back to the first delay
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(FakeWebSocket.instances.length).toBe(4);
  });

  it('jitters the delay (at least half of the ceiling)', async () => {
    vi.mocked(Math.random).mockReturnValue(0);
    conn.start();
    FakeWebSocket.last().drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS / 2 - 1);
    expect(FakeWebSocket.instances.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeWebSocket.instances.length).toBe(2);
  });

  it('refreshes the token before reconnecting when the socket was refused before ready', async () => {
    conn.start();
    FakeWebSocket.last().drop(); // 401 at the handshake looks like this
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.last().url).toContain('access_token=tok%202');
    expect(conn.status()).not.toBe('idle');
  });

  it('refreshes first when the token is about to expire', async () => {
    tokens.valid = false;
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    expect(FakeWebSocket.last().url).toContain('access_token=tok%202');
  });

  it('does not rotate the refresh token on every failed attempt (at most once per throttle window)', async () => {
    conn.start();
    for (let i = 0; i < 4; i++) {
      FakeWebSocket.last().drop();
      await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS * 2 ** i);
    }
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(REFRESH_THROTTLE_MS);
    FakeWebSocket.last().drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_MAX_MS);
    expect(tokens.refresh).toHaveBeenCalledTimes(2);
    expect(conn.status()).not.toBe('idle');
  });

  it('stops for good when the refresh is refused (banned or revoked)', async () => {
    const ws = connected();
    tokens.valid = false;
    tokens.refreshOutcome = 'rejected';
    ws.drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(conn.status()).toBe('idle');
    expect(rejected).toBe(1);
    const count = FakeWebSocket.instances.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances.length).toBe(count);
  });

  it('retries later when the refresh gets no answer (offline)', async () => {
    tokens.valid = false;
    tokens.refreshOutcome = 'network';
    conn.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances.length).toBe(0);
    expect(conn.status()).toBe('reconnecting');
    tokens.refreshOutcome = 'ok';
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(rejected).toBe(0);
  });

  it('reconnects at once when the browser comes back online', async () => {
    const ws = connected();
    window.dispatchEvent(new Event('offline'));
    expect(ws.readyState).toBe(3);
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeWebSocket.instances.length).toBe(2);
  });

  it('pings while connected and replaces a socket that has gone silent', async () => {
    const ws = connected();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(ws.sentOfType('ping').length).toBe(1);
    ws.receive({ type: 'pong', id: ws.sentOfType('ping')[0].id });
    await vi.advanceTimersByTimeAsync(SILENCE_LIMIT_MS + HEARTBEAT_MS);
    expect(ws.readyState).toBe(3);
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(FakeWebSocket.instances.length).toBe(2);
  });

  it('registers its handlers once: every socket shares the same listener', async () => {
    const ws = connected();
    const listener = ws.onmessage;
    ws.drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(FakeWebSocket.last().onmessage).toBe(listener);
  });

  it('stop() closes the socket, reconnects no more, and start() connects again', async () => {
    const ws = connected();
    conn.stop();
    expect(ws.readyState).toBe(3);
    expect(conn.status()).toBe('idle');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances.length).toBe(1);
    conn.start();
    expect(FakeWebSocket.instances.length).toBe(2);
  });

  it('dispose() no longer follows the browser online event', async () => {
    conn.start();
    FakeWebSocket.last().drop();
    conn.dispose();
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances.length).toBe(1);
  });
});
