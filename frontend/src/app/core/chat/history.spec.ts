import { TestBed } from '@angular/core/testing';
import { FakeWebSocket, msg, settle } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { ChatHistory } from './history';
import { ReplyAndJump } from './reply-and-jump';
import { ChatSockets } from './socket/chat-sockets';

const URL = '/api/v1/chat/private/2/messages';
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i, from + i));

describe('ChatHistory', () => {
  const chat = useChatSession();

  it('loads the latest page on open, then pages upwards with ?before=<oldest seq>', async () => {
    const history = TestBed.inject(ChatHistory);
    chat.store.start();
    chat.flushLists();
    const opening = chat.store.open('u:2');
    const first = chat.http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(first.request.params.get('before')).toBeNull();
    first.flush({ items: [msg(51, 51), msg(52, 52)], hasMore: true });
    await opening;
    expect(history.of('u:2').hasMore).toBe(true);
    const older = history.loadOlder('u:2');
    const req = chat.http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(req.request.params.get('before')).toBe('51');
    req.flush({ items: [msg(50, 50)], hasMore: false });
    await older;
    expect(TestBed.inject(ChatSockets).messages('u:2').map((m) => m.seq)).toEqual([50, 51, 52]);
    expect(history.of('u:2').hasMore).toBe(false);
    // Opening again does not reload.
    await chat.store.open('u:2');
  });

  it('records a failed page, and loads a group from /chat/groups/:id/messages', async () => {
    const history = TestBed.inject(ChatHistory);
    const loading = history.loadLatest('g:7');
    expect(history.of('g:7').loading).toBe(true);
    chat.http.expectOne((r) => r.url === '/api/v1/chat/groups/7/messages').flush({ error: { code: 'internal', message: '' } }, { status: 500, statusText: 'Oops' });
    await loading;
    expect(history.of('g:7')).toEqual({ loaded: false, loading: false, hasMore: false, hasNewer: false, error: true });
  });

  describe('jumping to an old message', () => {
    async function opened(): Promise<{ history: ChatHistory; rj: ReplyAndJump; sockets: ChatSockets; ws: FakeWebSocket }> {
      const history = TestBed.inject(ChatHistory);
      const rj = TestBed.inject(ReplyAndJump);
      const sockets = TestBed.inject(ChatSockets);
      chat.store.start();
      chat.flushLists();
      const ws = FakeWebSocket.instances[0];
      ws.accept();
      chat.flushLists();
      await settle();
      const opening = chat.store.open('u:2');
      chat.http.expectOne((r) => r.url === URL).flush({ items: range(151, 200), hasMore: true });
      await opening;
      return { history, rj, sockets, ws };
    }

    it('shows a loaded message where it is, with no request', async () => {
      const { rj } = await opened();
      await expect(rj.load('u:2', 160)).resolves.toBe(true);
    });

    it('loads the page around a message out of the window in one request, never paging back with before', async () => {
      const { history, rj, sockets, ws } = await opened();
      const jump = rj.load('u:2', 10);
      await settle();
      const req = chat.http.expectOne((r) => r.url === URL);
      expect(req.request.params.get('around')).toBe('10');
      expect(req.request.params.has('before')).toBe(false);
      req.flush({ items: range(1, 50), hasMore: true });
      await expect(jump).resolves.toBe(true);
      // The window replaced the latest page: nothing older than seq 1, newer ones not loaded.
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(1, 50).map((m) => m.seq));
      expect(history.of('u:2')).toMatchObject({ hasMore: false, hasNewer: true, loading: false });
      expect(sockets.for('u:2').isDetached('u:2')).toBe(true);

      // A live message waits aside, without a sync of the 150 between.
      ws.receive({ type: 'message.new', data: { message: msg(201, 201) } });
      expect(sockets.messages('u:2').at(-1)?.seq).toBe(50);
      chat.flushAllLists(); // a message from a conversation not in the list reloads it
      expect(ws.sentOfType('sync')).toEqual([]);

      // Paging newer from the window's top, with after, until the end.
      const newer = history.loadNewer('u:2');
      const p1 = chat.http.expectOne((r) => r.url === URL);
      expect(p1.request.params.get('after')).toBe('50');
      p1.flush({ items: range(51, 100), hasMore: true });
      await newer;
      expect(history.of('u:2').hasNewer).toBe(true);
      const last = history.loadNewer('u:2');
      const p2 = chat.http.expectOne((r) => r.url === URL);
      expect(p2.request.params.get('after')).toBe('100');
      p2.flush({ items: range(101, 200), hasMore: false });
      await last;
      // The end: attached again, the live message joined, a sync from the top catches anything in between.
      expect(history.of('u:2').hasNewer).toBe(false);
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(1, 201).map((m) => m.seq));
      expect(ws.sentOfType('sync').map((f) => f.data.conversations)).toEqual([[{ toUserId: 2, afterSeq: 201 }]]);
    });

    it('pages older from the window with before, and goes back to the latest page on demand', async () => {
      const { history, rj, sockets } = await opened();
      const jump = rj.load('u:2', 80);
      await settle();
      chat.http.expectOne((r) => r.url === URL && r.params.get('around') === '80').flush({ items: range(55, 104), hasMore: true });
      await jump;
      expect(history.of('u:2')).toMatchObject({ hasMore: true, hasNewer: true });
      const older = history.loadOlder('u:2');
      chat.http.expectOne((r) => r.url === URL && r.params.get('before') === '55').flush({ items: range(5, 54), hasMore: true });
      await older;
      expect(sockets.messages('u:2')[0].seq).toBe(5);

      const back = history.backToLatest('u:2');
      const latest = chat.http.expectOne((r) => r.url === URL);
      expect(latest.request.params.keys()).toEqual(['limit']);
      latest.flush({ items: range(151, 200), hasMore: true });
      await back;
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(151, 200).map((m) => m.seq));
      expect(history.of('u:2')).toMatchObject({ hasMore: true, hasNewer: false });
      expect(sockets.for('u:2').isDetached('u:2')).toBe(false);
    });

    it('joins an around page that reaches the newest message to what is loaded, with no gap to mark', async () => {
      const { history, rj, sockets } = await opened();
      const jump = rj.load('u:2', 140);
      await settle();
      chat.http.expectOne((r) => r.url === URL && r.params.get('around') === '140').flush({ items: range(115, 164), hasMore: false });
      await expect(jump).resolves.toBe(true);
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(115, 200).map((m) => m.seq));
      expect(history.of('u:2')).toMatchObject({ hasMore: true, hasNewer: false });
      expect(sockets.for('u:2').isDetached('u:2')).toBe(false);
    });

    it('waits for the opening page before deciding that a jump needs the around page', async () => {
      const history = TestBed.inject(ChatHistory);
      const rj = TestBed.inject(ReplyAndJump);
      const opening = history.loadLatest('u:2');
      const jump = rj.load('u:2', 190);
      chat.http.expectOne((r) => r.url === URL).flush({ items: range(151, 200), hasMore: true });
      await opening;
      await expect(jump).resolves.toBe(true);
    });

    it('opens at the latest page again when left on an old window, with the live messages of meanwhile once, in order', async () => {
      const { history, rj, sockets, ws } = await opened();
      const jump = rj.load('u:2', 10);
      await settle();
      chat.http.expectOne((r) => r.url === URL && r.params.get('around') === '10').flush({ items: range(1, 50), hasMore: true });
      await jump;
      // One live message arrives while the old window is shown (kept aside), one after the conversation was left.
      ws.receive({ type: 'message.new', data: { message: msg(201, 201) } });
      chat.store.leave('u:2');
      ws.receive({ type: 'message.new', data: { message: msg(202, 202) } });

      // Opened again normally (no jump): the latest page, as for a conversation never opened.
      const reopening = chat.store.open('u:2');
      const latest = chat.http.expectOne((r) => r.url === URL);
      expect(latest.request.params.keys()).toEqual(['limit']);
      // One more arrives while that page loads: the page holds it too.
      ws.receive({ type: 'message.new', data: { message: msg(203, 203) } });
      latest.flush({ items: range(154, 203), hasMore: true });
      await reopening;
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(154, 203).map((m) => m.seq));
      expect(history.of('u:2')).toMatchObject({ loaded: true, hasMore: true, hasNewer: false });
      expect(sockets.for('u:2').isDetached('u:2')).toBe(false);
      expect(ws.sentOfType('sync')).toEqual([]);
      chat.flushAllLists(); // messages from a conversation not in the lists reload them
    });

    it('drops an around page that lands after its conversation was left', async () => {
      const { history, rj, sockets } = await opened();
      const jump = rj.load('u:2', 10);
      await settle();
      const around = chat.http.expectOne((r) => r.url === URL && r.params.get('around') === '10');
      chat.store.leave('u:2');
      around.flush({ items: range(1, 50), hasMore: true });
      await expect(jump).resolves.toBe(false);
      expect(sockets.for('u:2').isDetached('u:2')).toBe(false);

      const reopening = chat.store.open('u:2');
      const latest = chat.http.expectOne((r) => r.url === URL);
      expect(latest.request.params.keys()).toEqual(['limit']);
      latest.flush({ items: range(151, 200), hasMore: true });
      await reopening;
      expect(sockets.messages('u:2').map((m) => m.seq)).toEqual(range(151, 200).map((m) => m.seq));
      expect(history.of('u:2')).toMatchObject({ hasMore: true, hasNewer: false });
    });

    it('asks for no around page when its conversation was left while the opening page loaded', async () => {
      const rj = TestBed.inject(ReplyAndJump);
      const opening = chat.store.open('u:2');
      const jump = rj.load('u:2', 10);
      const first = chat.http.expectOne((r) => r.url === URL);
      chat.store.leave('u:2');
      first.flush({ items: range(151, 200), hasMore: true });
      await opening;
      await expect(jump).resolves.toBe(false);
      await settle();
      chat.http.expectNone((r) => r.url === URL);
      expect(TestBed.inject(ChatSockets).messages('u:2')).toEqual([]);
    });

    it('keeps the latest page of a conversation left without a jump: opening it again asks for nothing', async () => {
      const { sockets } = await opened();
      chat.store.leave('u:2');
      await chat.store.open('u:2');
      expect(sockets.messages('u:2')).toHaveLength(50);
    });

    it('answers false when the message is not there (deleted conversation, failed page)', async () => {
      const { rj } = await opened();
      const jump = rj.load('u:2', 3);
      await settle();
      chat.http.expectOne((r) => r.url === URL && r.params.get('around') === '3').flush({ error: { code: 'internal', message: '' } }, { status: 500, statusText: 'Oops' });
      await expect(jump).resolves.toBe(false);
    });
  });
});
