import { AuthResponse, Message, User } from '../api/models';
import { WebSocketLike } from '../socket/websocket';

/** fakeUser builds a self-view user for tests. */
export function fakeUser(patch: Partial<User> = {}): User {
  return {
    id: 1, username: 'alice', email: 'alice@example.com', displayName: 'Alice', role: 'user', plan: 'free',
    planExpiresAt: null, banned: false, createdAt: '2026-01-01T00:00:00Z', ...patch,
  };
}

/** authBody is a login/register/refresh answer. */
export function authBody(token: string, patch: Partial<User> = {}): AuthResponse {
  return { user: fakeUser(patch), accessToken: token, refreshToken: 'r-' + token, expiresIn: 900 };
}

/** settle lets promise chains (firstValueFrom, then) run. */
export const settle = () => new Promise((r) => setTimeout(r, 0));

/** msg builds a message. */
export function msg(id: number, seq: number, patch: Partial<Message> = {}): Message {
  return {
    id, seq, conversation: { type: 'private', id: 100 }, senderId: 2, body: `m${seq}`, clientMsgId: null,
    createdAt: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`, editedAt: null, deleted: false, ...patch,
  };
}

/** FakeWebSocket records what the client sends and lets a test play the server. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code?: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: { type: string; id?: string; data?: any }[] = [];

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  static last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  /** The server accepts the handshake and sends `ready`. */
  accept(data: unknown = { userId: 1 }): void {
    this.readyState = 1;
    this.onopen?.({});
    this.receive({ type: 'ready', data });
  }

  receive(env: unknown): void {
    this.onmessage?.({ data: JSON.stringify(env) });
  }

  /** The connection drops (server gone, network lost). */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  sentOfType(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}
