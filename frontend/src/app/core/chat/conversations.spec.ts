import { TestBed } from '@angular/core/testing';
import { FakeWebSocket, msg, settle } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { Conversations } from './conversations';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';

describe('Conversations', () => {
  const chat = useChatSession();
  let conversations: Conversations;
  const peer = { id: 2, username: 'bob', displayName: 'Bob', online: false };

  beforeEach(() => (conversations = TestBed.inject(Conversations)));

  it('lists conversations, groups and friends not yet talked to, newest activity first', async () => {
    chat.store.start();
    chat.flushLists(
      [{ peer, conversationId: 100, lastMessage: msg(1, 1, { createdAt: '2026-01-01T10:00:00Z' }), unread: 2, lastReadSeq: 0 }],
      [{ id: 7, name: 'Team', description: '', ownerId: 1, createdAt: '', unread: 0, lastMessage: msg(9, 1, { createdAt: '2026-01-02T10:00:00Z', conversation: { type: 'group', id: 7 } }) }],
      [{ user: peer, since: '' }, { user: { id: 3, username: 'carol', displayName: 'Carol' }, since: '' }],
    );
    await settle();
    expect(conversations.entries().map((c) => [c.key, c.unread])).toEqual([['g:7', 0], ['u:2', 2], ['u:3', 0]]);
    expect(conversations.totalUnread()).toBe(2);
    expect(FakeWebSocket.instances.map((w) => w.url.split('?')[0])).toEqual([
      expect.stringMatching(/\/ws\/private$/),
      expect.stringMatching(/\/ws\/group$/),
    ]);
  });

  it('counts unread live messages outside the open conversation', async () => {
    chat.store.start();
    chat.flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists([], [], [{ user: peer, since: '' }]);
    await settle();
    ws.receive({ type: 'message.new', data: { message: msg(1, 1) } });
    ws.receive({ type: 'message.new', data: { message: msg(2, 2) } });
    expect(conversations.entry('u:2')?.unread).toBe(2);
    expect(conversations.entry('u:2')?.lastMessage?.id).toBe(2);
  });

  describe('a peer who deleted their account', () => {
    const eve = { id: 5, username: 'eve', displayName: 'Eve', online: true, lastSeenAt: null, deleted: true };
    const conv = { peer: eve, conversationId: 101, lastMessage: msg(1, 1, { senderId: 5, conversation: { type: 'private', id: 101 } }), unread: 1, lastReadSeq: 0 };

    it('is listed as "Deleted account", without presence, read-only; its history still loads', async () => {
      const people = TestBed.inject(People);
      chat.store.start();
      chat.flushLists([conv], [], [{ user: peer, since: '' }]);
      await settle();
      expect(conversations.entry('u:5')).toMatchObject({ title: 'Deleted account', online: null, readOnly: true, unread: 1 });
      expect(conversations.entry('u:2')).toMatchObject({ title: 'Bob', readOnly: false });
      expect(conversations.readOnly('u:5')).toBe(true);
      expect(conversations.readOnly('u:2')).toBe(false);
      expect(conversations.readOnly('g:5')).toBe(false);
      expect(people.online(5)).toBeNull();
      expect(people.displayName(5)).toBe('Deleted account');
      const opening = chat.store.open('u:5');
      chat.http.expectOne((r) => r.url === '/api/v1/chat/private/5/messages').flush({ items: [msg(1, 1, { senderId: 5 })], hasMore: false });
      await opening;
      expect(TestBed.inject(ChatSockets).messages('u:5').map((m) => m.body)).toEqual(['m1']);
    });
  });
});
