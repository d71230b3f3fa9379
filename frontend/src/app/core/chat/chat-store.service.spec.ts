import { TestBed } from '@angular/core/testing';
import { ToastService } from '../toast/toast.service';
import { FakeWebSocket, msg, settle } from '../testing/fakes';
import { firstPage, useChatSession } from '../testing/chat-session';
import { ChatLists } from './chat-lists';
import { Conversations } from './conversations';
import { Drafts } from './drafts';
import { ChatSockets } from './socket/chat-sockets';

describe('ChatStore (the session)', () => {
  const chat = useChatSession();
  const peer = { id: 2, username: 'bob', displayName: 'Bob', online: false };

  it('opens both sockets once, however often it is started', () => {
    chat.store.start();
    chat.store.start();
    chat.flushLists();
    expect(FakeWebSocket.instances.map((w) => w.url.split('?')[0])).toEqual([
      expect.stringMatching(/\/ws\/private$/),
      expect.stringMatching(/\/ws\/group$/),
    ]);
  });

  it('does not count messages in the open conversation as unread, and marks them read', async () => {
    chat.store.start();
    chat.flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists([], [], [{ user: peer, since: '' }]);
    const opening = chat.store.open('u:2');
    chat.http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages').flush({ items: [], hasMore: false });
    await opening;
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    expect(TestBed.inject(Conversations).entry('u:2')?.unread).toBe(0);
    expect(ws.sentOfType('read').map((f) => f.data)).toEqual([{ toUserId: 2, seq: 1 }]);
  });

  it('reloads the groups when the group socket says I joined or left one', async () => {
    chat.store.start();
    chat.flushLists();
    const groupWs = FakeWebSocket.instances[1];
    groupWs.accept({ userId: 1, groups: [] });
    chat.flushLists();
    await settle();
    groupWs.receive({ type: 'group.joined', data: { group: { id: 7 } } });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [{ id: 7, name: 'Team', description: '', ownerId: 2, createdAt: '' }], nextCursor: null });
    await settle();
    expect(TestBed.inject(ChatLists).groups().map((g) => g.id)).toEqual([7]);
    groupWs.receive({ type: 'group.left', data: { groupId: 7 } });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    await settle();
    expect(TestBed.inject(ChatLists).groups()).toEqual([]);
  });

  it('shows a refusal from the socket as a toast', () => {
    const toast = TestBed.inject(ToastService);
    const shown = vi.spyOn(toast, 'error');
    chat.store.start();
    chat.flushLists();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists();
    ws.receive({ type: 'error', data: { code: 'rate_limited', message: 'slow down' } });
    expect(shown).toHaveBeenCalledWith('Too many attempts. Please wait a moment.');
  });

  it('stop() closes the sockets and forgets lists, messages and drafts', async () => {
    chat.store.start();
    chat.flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    TestBed.inject(Drafts).set('u:2', 'half written');
    TestBed.inject(ChatSockets).privateSocket.ingest('u:2', [msg(1, 1)]);
    chat.store.stop();
    expect(FakeWebSocket.instances.every((w) => w.readyState === 3)).toBe(true);
    expect(TestBed.inject(Conversations).entries()).toEqual([]);
    expect(TestBed.inject(ChatSockets).messages('u:2')).toEqual([]);
    expect(TestBed.inject(Drafts).of('u:2')).toBe('');
  });
});
