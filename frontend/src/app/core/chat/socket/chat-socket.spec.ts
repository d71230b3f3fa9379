import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthService, RefreshOutcome } from '../../auth/auth.service';
import { RECONNECT_BASE_MS } from '../../socket/socket-connection';
import { WEBSOCKET_FACTORY } from '../../socket/websocket';
import { FakeWebSocket, fakeUser, msg } from '../../testing/fakes';
import { TYPING_TTL_MS } from './typing-tracker';
import { GroupSocketService } from './group-socket.service';
import { PrivateSocketService } from './private-socket.service';

describe('socket services', () => {
  let authStub: {
    user: ReturnType<typeof signal>;
    token: string | null;
    valid: boolean;
    refreshOutcome: RefreshOutcome;
    accessToken: () => string | null;
    tokenValidFor: () => boolean;
    refresh: ReturnType<typeof vi.fn>;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    FakeWebSocket.instances = [];
    authStub = {
      user: signal(fakeUser({ id: 1 })),
      token: 'tok 1',
      valid: true,
      refreshOutcome: 'ok',
      accessToken: () => authStub.token,
      tokenValidFor: () => authStub.valid,
      refresh: vi.fn(async () => {
        if (authStub.refreshOutcome === 'ok') {
          authStub.token = 'tok 2';
          authStub.valid = true;
        }
        return authStub.refreshOutcome;
      }),
    };
    TestBed.configureTestingModule({
      providers: [
        { provide: AuthService, useValue: authStub },
        { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeWebSocket(url) },
      ],
    });
  });

  afterEach(() => {
    TestBed.resetTestingModule();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function connected(): { svc: PrivateSocketService; ws: FakeWebSocket } {
    const svc = TestBed.inject(PrivateSocketService);
    svc.start();
    const ws = FakeWebSocket.last();
    ws.accept();
    return { svc, ws };
  }

  it('a reply carries replyToId in its frame, and again when resent', () => {
    const { svc, ws } = connected();
    const id = svc.send('u:2', 'an answer', { replyToId: 41 });
    expect(ws.sentOfType('message.send')[0]).toEqual({ type: 'message.send', id, data: { toUserId: 2, body: 'an answer', clientMsgId: id, replyToId: 41 } });
    expect(svc.pendingMessage('u:2', id)?.replyToId).toBe(41);
  });

  it('settings.updated from another device becomes an event keyed by conversation', () => {
    const { svc, ws } = connected();
    const seen: unknown[] = [];
    svc.events.subscribe((e) => seen.push(e));
    ws.receive({ type: 'settings.updated', data: { groupId: 7, muted: true } });
    ws.receive({ type: 'settings.updated', data: { toUserId: 2, muted: false } });
    expect(seen).toEqual([
      { type: 'settings.updated', key: 'g:7', muted: true },
      { type: 'settings.updated', key: 'u:2', muted: false },
    ]);
  });

  it('connects to /ws/private with ?access_token= and becomes open on ready', () => {
    const { svc, ws } = connected();
    expect(ws.url).toMatch(/\/ws\/private\?access_token=tok%201$/);
    expect(svc.status()).toBe('open');
  });

  it('the group socket connects to /ws/group and keys conversations by group id', () => {
    const svc = TestBed.inject(GroupSocketService);
    svc.start();
    const ws = FakeWebSocket.last();
    expect(ws.url).toContain('/ws/group?access_token=');
    ws.accept({ userId: 1, groups: [7] });
    ws.receive({ type: 'message.new', data: { message: msg(1, 1, { conversation: { type: 'group', id: 7 }, senderId: 3 }) } });
    expect(svc.messages()['g:7'].length).toBe(1);
    svc.send('g:7', 'hi all');
    expect(ws.sentOfType('message.send')[0].data).toMatchObject({ groupId: 7, body: 'hi all' });
  });

  it('the group socket shows typing and read marks per group, and sends group frames only for group keys', () => {
    const svc = TestBed.inject(GroupSocketService);
    svc.start();
    const ws = FakeWebSocket.last();
    ws.accept({ userId: 1, groups: [7] });
    ws.receive({ type: 'typing', data: { userId: 3, groupId: 7 } });
    ws.receive({ type: 'read', data: { userId: 3, conversation: { type: 'group', id: 7 }, seq: 4 } });
    expect(Object.keys(svc.typing()['g:7'])).toEqual(['3']);
    expect(svc.reads()['g:7']).toEqual({ 3: 4 });
    svc.sendTyping('u:2');
    expect(svc.sendRead('u:2', 1)).toBe(false);
    svc.sendTyping('g:7');
    expect(ws.sent.map((f) => [f.type, f.data])).toEqual([['typing', { groupId: 7 }]]);
  });

  it('keys private messages by the peer and drops duplicates delivered twice', () => {
    const { svc, ws } = connected();
    const m = msg(10, 1, { senderId: 2 });
    ws.receive({ type: 'message.new', data: { message: m } });
    ws.receive({ type: 'message.new', data: { message: m } });
    expect(svc.messages()['u:2'].map((x) => x.id)).toEqual([10]);
  });

  it('orders by seq whatever the arrival order', () => {
    const { svc, ws } = connected();
    for (const seq of [2, 1, 3]) ws.receive({ type: 'message.new', data: { message: msg(seq, seq) } });
    expect(svc.messages()['u:2'].map((x) => x.seq)).toEqual([1, 2, 3]);
  });

  it('sends optimistically: pending until the ack, then the committed message', () => {
    const { svc, ws } = connected();
    const clientMsgId = svc.send('u:2', 'hello');
    expect(svc.pending()['u:2'].map((p) => p.body)).toEqual(['hello']);
    const frame = ws.sentOfType('message.send')[0];
    expect(frame).toEqual({ type: 'message.send', id: clientMsgId, data: { toUserId: 2, body: 'hello', clientMsgId } });
    ws.receive({ type: 'ack', id: clientMsgId, data: { message: msg(50, 1, { senderId: 1, body: 'hello', clientMsgId }) } });
    expect(svc.pending()['u:2']).toEqual([]);
    expect(svc.messages()['u:2'].map((m) => m.id)).toEqual([50]);
    // The message.new echo of our own message does not duplicate it.
    ws.receive({ type: 'message.new', data: { message: msg(50, 1, { senderId: 1, body: 'hello', clientMsgId }) } });
    expect(svc.messages()['u:2'].length).toBe(1);
  });

  it('queues a message sent while disconnected and sends it once ready', () => {
    const svc = TestBed.inject(PrivateSocketService);
    svc.start();
    const ws = FakeWebSocket.last();
    const id = svc.send('u:2', 'early');
    expect(ws.sent).toEqual([]);
    ws.accept();
    expect(ws.sentOfType('message.send').map((f) => f.id)).toEqual([id]);
  });

  it('marks a refused message as failed and does not resend it by itself', () => {
    const { svc, ws } = connected();
    const id = svc.send('u:9', 'not a friend');
    ws.receive({ type: 'error', id, data: { code: 'forbidden', message: 'not friends' } });
    expect(svc.pending()['u:9'][0].failed).toBe('forbidden');
    ws.drop();
    vi.advanceTimersByTime(RECONNECT_BASE_MS);
    FakeWebSocket.last().accept();
    expect(FakeWebSocket.last().sentOfType('message.send')).toEqual([]);
  });

  it('after a reconnect: sync from the last seq per conversation, then resend unacked with the same clientMsgId', async () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1, { senderId: 2 }) } });
    ws.receive({ type: 'message.new', data: { message: msg(2, 2, { senderId: 2 }) } });
    ws.receive({ type: 'message.new', data: { message: msg(3, 1, { senderId: 3, conversation: { type: 'private', id: 101 } }) } });
    const id = svc.send('u:2', 'lost in transit');
    expect(ws.sentOfType('message.send').length).toBe(1);

    ws.drop();
    expect(svc.status()).toBe('reconnecting');
    expect(FakeWebSocket.instances.length).toBe(1);
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    const ws2 = FakeWebSocket.last();
    expect(ws2).not.toBe(ws);
    ws2.accept();

    const sync = ws2.sent[0];
    expect(sync.type).toBe('sync');
    expect(sync.data.conversations).toEqual(
      expect.arrayContaining([{ toUserId: 2, afterSeq: 2 }, { toUserId: 3, afterSeq: 1 }]),
    );
    const resent = ws2.sentOfType('message.send');
    expect(resent).toEqual([{ type: 'message.send', id, data: { toUserId: 2, body: 'lost in transit', clientMsgId: id } }]);

    // Sync replays missed messages, some already known: no duplicates, in seq order.
    ws2.receive({ type: 'message.new', data: { message: msg(2, 2, { senderId: 2 }) } });
    ws2.receive({ type: 'message.new', data: { message: msg(4, 3, { senderId: 2 }) } });
    ws2.receive({ type: 'sync.done', id: sync.id });
    ws2.receive({ type: 'ack', id, data: { message: msg(5, 4, { senderId: 1, clientMsgId: id, body: 'lost in transit' }) } });
    expect(svc.messages()['u:2'].map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(svc.pending()['u:2']).toEqual([]);
  });

  it('asks for a sync when a live message skips seqs', () => {
    const { ws } = connected();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    ws.receive({ type: 'message.new', data: { message: msg(2, 2) } });
    ws.receive({ type: 'message.new', data: { message: msg(5, 5) } });
    expect(ws.sentOfType('sync').map((f) => f.data.conversations)).toEqual([[{ toUserId: 2, afterSeq: 2 }]]);
  });

  it('keeps live messages aside under an old window, and joins them (then syncs) when it reaches the end', async () => {
    const { svc, ws } = connected();
    const seen: number[] = [];
    svc.events.subscribe((ev) => ev.type === 'message' && seen.push(ev.message.seq));
    svc.ingest('u:2', [msg(99, 99), msg(100, 100)]);
    // A search hit far back: the window around it replaces what was there.
    svc.showWindow('u:2', [msg(10, 10), msg(11, 11), msg(12, 12)], true);
    expect(svc.isDetached('u:2')).toBe(true);
    expect(svc.detached()).toEqual({ 'u:2': true });
    expect(svc.messages()['u:2'].map((m) => m.seq)).toEqual([10, 11, 12]);

    // A live message is not glued under the old window, nor does it sync everything in between…
    ws.receive({ type: 'message.new', data: { message: msg(101, 101) } });
    ws.receive({ type: 'message.new', data: { message: msg(101, 101) } });
    // …an edit of it waits aside too; an edit of a message in the window applies.
    ws.receive({ type: 'message.updated', data: { message: msg(101, 101, { body: 'edited', editedAt: '2026-01-02T00:00:00Z' }) } });
    ws.receive({ type: 'message.updated', data: { message: msg(11, 11, { body: 'fixed', editedAt: '2026-01-02T00:00:00Z' }) } });
    expect(svc.messages()['u:2'].map((m) => m.seq)).toEqual([10, 11, 12]);
    expect(svc.messages()['u:2'][1].body).toBe('fixed');
    expect(ws.sentOfType('sync')).toEqual([]);
    // …but it is news all the same (counts, notifications), once.
    expect(seen).toEqual([101]);

    // A reconnect does not resume an old window either.
    ws.drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    const ws2 = FakeWebSocket.last();
    ws2.accept();
    expect(ws2.sentOfType('sync')).toEqual([]);

    // Paging newer reached the end: the window attaches, takes what was kept aside, and syncs from its top.
    svc.ingest('u:2', Array.from({ length: 88 }, (_, i) => msg(13 + i, 13 + i)));
    svc.attach('u:2');
    expect(svc.isDetached('u:2')).toBe(false);
    const list = svc.messages()['u:2'];
    expect(list.length).toBe(92);
    expect(list[list.length - 1]).toMatchObject({ seq: 101, body: 'edited' });
    expect(ws2.sentOfType('sync').map((f) => f.data.conversations)).toEqual([[{ toUserId: 2, afterSeq: 101 }]]);
    // Live messages extend it again.
    ws2.receive({ type: 'message.new', data: { message: msg(102, 102) } });
    expect(svc.messages()['u:2'].at(-1)?.seq).toBe(102);
  });

  it('stops for good when the refresh is refused (banned or revoked), and forgets what it held', async () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    svc.send('u:2', 'never sent');
    authStub.valid = false;
    authStub.refreshOutcome = 'rejected';
    ws.drop();
    await vi.advanceTimersByTimeAsync(RECONNECT_BASE_MS);
    expect(svc.status()).toBe('idle');
    expect(svc.messages()).toEqual({});
    expect(svc.pending()).toEqual({});
    const count = FakeWebSocket.instances.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeWebSocket.instances.length).toBe(count);
  });

  it('shows typing for ~5 s and clears it when a message from that user arrives', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'typing', data: { userId: 2, toUserId: 1 } });
    expect(Object.keys(svc.typing()['u:2'] ?? {})).toEqual(['2']);
    vi.advanceTimersByTime(TYPING_TTL_MS + 1);
    expect(Object.keys(svc.typing()['u:2'] ?? {})).toEqual([]);
    ws.receive({ type: 'typing', data: { userId: 2, toUserId: 1 } });
    ws.receive({ type: 'message.new', data: { message: msg(1, 1, { senderId: 2 }) } });
    expect(Object.keys(svc.typing()['u:2'] ?? {})).toEqual([]);
  });

  it('ignores its own typing and malformed frames', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'typing', data: { userId: 1, toUserId: 2 } });
    ws.onmessage?.({ data: '{not json' });
    ws.receive({ type: 'unknown.kind', data: {} });
    expect(svc.typing()).toEqual({});
  });

  it('records read marks of the other side, only moving forward', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'read', data: { userId: 2, conversation: { type: 'private', id: 100 }, seq: 5 } });
    ws.receive({ type: 'read', data: { userId: 2, conversation: { type: 'private', id: 100 }, seq: 3 } });
    expect(svc.reads()['u:2']).toEqual({ 2: 5 });
  });

  it('sends read and typing frames for a conversation', () => {
    const { svc, ws } = connected();
    expect(svc.sendRead('u:2', 4)).toBe(true);
    svc.sendTyping('u:2');
    expect(ws.sent.map((f) => [f.type, f.data])).toEqual([
      ['read', { toUserId: 2, seq: 4 }],
      ['typing', { toUserId: 2 }],
    ]);
  });

  it('tracks presence and applies edits and deletions of loaded messages', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'presence', data: { userId: 2, status: 'online', lastSeenAt: null } });
    expect(svc.presence()[2]).toBe('online');
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    ws.receive({ type: 'message.updated', data: { message: msg(1, 1, { body: 'edited', editedAt: '2026-02-01T00:00:00Z' }) } });
    expect(svc.messages()['u:2'][0].body).toBe('edited');
    ws.receive({ type: 'message.deleted', data: { message: msg(1, 1, { body: '', deleted: true }) } });
    expect(svc.messages()['u:2'][0].deleted).toBe(true);
  });

  it('holds our own message from another device until its conversation is known', () => {
    const { svc, ws } = connected();
    const events: string[] = [];
    svc.events.subscribe((e) => events.push(e.type));
    ws.receive({ type: 'message.new', data: { message: msg(1, 1, { senderId: 1, conversation: { type: 'private', id: 555 } }) } });
    expect(events).toContain('unknown-conversation');
    svc.learnConversation({ type: 'private', id: 555 }, 'u:8');
    expect(svc.messages()['u:8'].map((m) => m.id)).toEqual([1]);
  });

  it('merges REST history with live messages without duplicates', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'message.new', data: { message: msg(3, 3) } });
    svc.ingest('u:2', [msg(1, 1), msg(2, 2), msg(3, 3)]);
    expect(svc.messages()['u:2'].map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(svc.lastSeq('u:2')).toBe(3);
  });

  it('stop() closes the socket and forgets everything', () => {
    const { svc, ws } = connected();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    svc.stop();
    expect(ws.readyState).toBe(3);
    expect(svc.messages()).toEqual({});
    expect(svc.status()).toBe('idle');
  });
});
