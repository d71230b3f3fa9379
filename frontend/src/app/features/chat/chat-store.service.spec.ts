import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthService } from '../../core/auth/auth.service';
import { WEBSOCKET_FACTORY } from '../../core/socket/websocket';
import { FakeWebSocket, fakeUser, msg, settle } from '../../core/testing/fakes';
import { ChatStore } from './chat-store.service';

describe('ChatStore', () => {
  let store: ChatStore;
  let http: HttpTestingController;

  const peer = { id: 2, username: 'bob', displayName: 'Bob', online: false };

  beforeEach(() => {
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        {
          provide: AuthService,
          useValue: {
            user: signal(fakeUser({ id: 1 })),
            accessToken: () => 'tok',
            tokenValidFor: () => true,
            refresh: async () => 'ok',
          },
        },
        { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeWebSocket(url) },
      ],
    });
    store = TestBed.inject(ChatStore);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    store.stop();
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  function flushLists(convs: unknown[] = [], groups: unknown[] = [], friends: unknown[] = []) {
    http.expectOne('/api/v1/chat/private').flush({ items: convs, nextCursor: null });
    http.expectOne('/api/v1/chat/groups').flush({ items: groups, nextCursor: null });
    http.expectOne('/api/v1/friends').flush({ items: friends, nextCursor: null });
  }

  /** Answers every list reload still open (message events from unknown conversations trigger some). */
  function flushAllLists() {
    for (const url of ['/api/v1/chat/private', '/api/v1/chat/groups', '/api/v1/friends']) {
      for (const r of http.match(url)) r.flush({ items: [], nextCursor: null });
    }
  }

  it('lists conversations, groups and friends not yet talked to, newest activity first', async () => {
    store.start();
    flushLists(
      [{ peer, conversationId: 100, lastMessage: msg(1, 1, { createdAt: '2026-01-01T10:00:00Z' }), unread: 2, lastReadSeq: 0 }],
      [{ id: 7, name: 'Team', description: '', ownerId: 1, createdAt: '', unread: 0, lastMessage: msg(9, 1, { createdAt: '2026-01-02T10:00:00Z', conversation: { type: 'group', id: 7 } }) }],
      [{ user: peer, since: '' }, { user: { id: 3, username: 'carol', displayName: 'Carol' }, since: '' }],
    );
    await settle();
    expect(store.conversations().map((c) => [c.key, c.unread])).toEqual([['g:7', 0], ['u:2', 2], ['u:3', 0]]);
    expect(store.totalUnread()).toBe(2);
    expect(FakeWebSocket.instances.map((w) => w.url.split('?')[0])).toEqual([
      expect.stringMatching(/\/ws\/private$/),
      expect.stringMatching(/\/ws\/group$/),
    ]);
  });

  it('loads the latest page on open, then pages upwards with ?before=<oldest seq>', async () => {
    store.start();
    flushLists();
    const opening = store.open('u:2');
    const first = http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(first.request.params.get('before')).toBeNull();
    first.flush({ items: [msg(51, 51), msg(52, 52)], hasMore: true });
    await opening;
    expect(store.history('u:2').hasMore).toBe(true);
    const older = store.loadOlder('u:2');
    const req = http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(req.request.params.get('before')).toBe('51');
    req.flush({ items: [msg(50, 50)], hasMore: false });
    await older;
    expect(store.messagesFor('u:2').map((m) => m.seq)).toEqual([50, 51, 52]);
    expect(store.history('u:2').hasMore).toBe(false);
    // Opening again does not reload.
    await store.open('u:2');
  });

  it('keeps a draft per conversation', () => {
    store.setDraft('u:2', 'to bob');
    store.setDraft('g:7', 'to the team');
    expect(store.draft('u:2')).toBe('to bob');
    expect(store.draft('g:7')).toBe('to the team');
    expect(store.draft('u:3')).toBe('');
  });

  it('marks as read through the socket when open, through REST otherwise, once per seq', async () => {
    store.start();
    flushLists();
    store.privateSocket.ingest('u:2', [msg(1, 1), msg(2, 2)]);
    store.markRead('u:2');
    const req = http.expectOne('/api/v1/chat/private/2/read');
    expect(req.request.body).toEqual({ seq: 2 });
    req.flush(null, { status: 204, statusText: 'No Content' });
    store.markRead('u:2');
    http.expectNone('/api/v1/chat/private/2/read');

    const ws = FakeWebSocket.instances[0];
    ws.accept();
    flushLists(); // lists are reloaded after every ready
    ws.receive({ type: 'message.new', data: { message: msg(3, 3) } });
    flushLists(); // a message from someone not in the lists reloads them
    store.markRead('u:2');
    expect(ws.sentOfType('read').map((f) => f.data)).toEqual([{ toUserId: 2, seq: 3 }]);
  });

  it('counts unread live messages outside the open conversation', async () => {
    store.start();
    flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    ws.receive({ type: 'message.new', data: { message: msg(2, 2) } });
    expect(store.entry('u:2')?.unread).toBe(2);
    expect(store.entry('u:2')?.lastMessage?.id).toBe(2);
  });

  it('sends through REST with the same clientMsgId when the socket stays down', async () => {
    vi.useFakeTimers();
    try {
      store.start();
      flushLists();
      store.send('u:2', 'via rest');
      const pending = store.pendingFor('u:2');
      expect(pending.map((p) => p.body)).toEqual(['via rest']);
      await vi.advanceTimersByTimeAsync(4000);
      const req = http.expectOne('/api/v1/chat/private/2/messages');
      expect(req.request.body).toEqual({ body: 'via rest', clientMsgId: pending[0].clientMsgId });
      req.flush(msg(77, 1, { senderId: 1, body: 'via rest', clientMsgId: pending[0].clientMsgId }), { status: 201, statusText: 'Created' });
      await vi.advanceTimersByTimeAsync(0);
      expect(store.pendingFor('u:2')).toEqual([]);
      expect(store.messagesFor('u:2').map((m) => m.id)).toEqual([77]);
      // The socket comes back: nothing left to resend.
      FakeWebSocket.instances[0].accept();
      flushAllLists();
      expect(FakeWebSocket.instances[0].sentOfType('message.send')).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('marks the message failed when REST refuses it', async () => {
    vi.useFakeTimers();
    try {
      store.start();
      flushLists();
      store.send('u:9', 'not a friend');
      await vi.advanceTimersByTimeAsync(4000);
      http.expectOne('/api/v1/chat/private/9/messages').flush({ error: { code: 'forbidden', message: 'no' } }, { status: 403, statusText: 'Forbidden' });
      await vi.advanceTimersByTimeAsync(0);
      expect(store.pendingFor('u:9')[0].failed).toBe('forbidden');
    } finally {
      vi.useRealTimers();
    }
  });

  describe('a peer who deleted their account', () => {
    const eve = { id: 5, username: 'eve', displayName: 'Eve', online: true, lastSeenAt: null, deleted: true };
    const conv = { peer: eve, conversationId: 101, lastMessage: msg(1, 1, { senderId: 5, conversation: { type: 'private', id: 101 } }), unread: 1, lastReadSeq: 0 };

    it('is listed as "Deleted account", without presence, read-only; its history still loads', async () => {
      store.start();
      flushLists([conv], [], [{ user: peer, since: '' }]);
      await settle();
      expect(store.entry('u:5')).toMatchObject({ title: 'Deleted account', online: null, readOnly: true, unread: 1 });
      expect(store.entry('u:2')).toMatchObject({ title: 'Bob', readOnly: false });
      expect(store.readOnly('u:5')).toBe(true);
      expect(store.readOnly('u:2')).toBe(false);
      expect(store.readOnly('g:5')).toBe(false);
      expect(store.online(5)).toBeNull();
      expect(store.displayName(5)).toBe('Deleted account');
      const opening = store.open('u:5');
      http.expectOne((r) => r.url === '/api/v1/chat/private/5/messages').flush({ items: [msg(1, 1, { senderId: 5 })], hasMore: false });
      await opening;
      expect(store.messagesFor('u:5').map((m) => m.body)).toEqual(['m1']);
    });

    it('sends neither messages nor typing, by socket or REST', async () => {
      vi.useFakeTimers();
      try {
        store.start();
        flushLists([conv]);
        await vi.advanceTimersByTimeAsync(0);
        const ws = FakeWebSocket.instances[0];
        ws.accept();
        flushLists([conv]);
        await vi.advanceTimersByTimeAsync(0);
        store.typing('u:5');
        store.send('u:5', 'are you there?');
        expect(store.pendingFor('u:5')).toEqual([]);
        await vi.advanceTimersByTimeAsync(15_000);
        http.expectNone('/api/v1/chat/private/5/messages');
        expect(ws.sentOfType('typing')).toEqual([]);
        expect(ws.sentOfType('message.send')).toEqual([]);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('throttles typing frames per conversation', () => {
    store.start();
    flushLists();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    flushLists();
    store.typing('u:2');
    store.typing('u:2');
    expect(ws.sentOfType('typing').length).toBe(1);
  });
});
