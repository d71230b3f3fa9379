import { TestBed } from '@angular/core/testing';
import { Friend } from '../api/models';
import { firstPage, useChatSession } from '../testing/chat-session';
import { FakeWebSocket, msg, settle } from '../testing/fakes';
import { ChatLists } from './chat-lists';
import { Conversations } from './conversations';
import { People } from './people';
import { ChatSockets } from './socket/chat-sockets';

const friend = (id: number): Friend => ({ user: { id, username: `user${id}`, displayName: `User ${id}` }, since: '' });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ChatLists', () => {
  const chat = useChatSession();
  let lists: ChatLists;

  beforeEach(() => (lists = TestBed.inject(ChatLists)));

  /** page answers the next request for a list's page after `cursor`. */
  function page(url: string, cursor: string, items: unknown[], nextCursor: string | null) {
    const req = chat.http.expectOne((r) => r.url === url && r.params.get('cursor') === cursor);
    expect(req.request.params.get('limit')).toBe('50');
    req.flush({ items, nextCursor });
  }

  it('shows the first page of each list, then the next ones: 120 friends all listed once, in order', async () => {
    chat.store.start();
    chat.http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/friends')).flush({ items: range(1, 50).map(friend), nextCursor: 'f2' });
    chat.flushRequests();
    await settle();
    expect([lists.friends().length, lists.hasMore()]).toEqual([50, true]);

    const more = lists.loadMore();
    expect(lists.loadingMore()).toBe(true);
    // A new friend arrived meanwhile: #50 slid onto the second page, and shows once.
    page('/api/v1/friends', 'f2', range(50, 99).map(friend), 'f3');
    await more;
    const last = lists.loadMore();
    page('/api/v1/friends', 'f3', range(100, 120).map(friend), null);
    await last;
    expect(lists.friends().map((f) => f.user.id)).toEqual(range(1, 120));
    expect([lists.hasMore(), lists.loadingMore()]).toEqual([false, false]);
    expect(TestBed.inject(Conversations).entries().length).toBe(120);
    expect(TestBed.inject(People).displayName(120)).toBe('User 120');
    await lists.loadMore(); // nothing left: no request
  });

  it('pages only the lists that have more, and takes unread counts and conversation ids from every page', async () => {
    chat.store.start();
    const conv = (peer: number, unread: number) => ({
      peer: { id: peer, username: `p${peer}`, displayName: `P${peer}` }, conversationId: 100 + peer,
      lastMessage: msg(peer, peer, { conversation: { type: 'private', id: 100 + peer }, senderId: peer }), unread, lastReadSeq: 0,
    });
    chat.http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [conv(2, 1)], nextCursor: 'p2' });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/friends')).flush({ items: [], nextCursor: null });
    chat.flushRequests();
    await settle();
    const more = lists.loadMore();
    page('/api/v1/chat/private', 'p2', [conv(3, 4)], null);
    await more;
    const conversations = TestBed.inject(Conversations);
    expect(conversations.entries().map((e) => [e.key, e.unread])).toEqual([['u:3', 4], ['u:2', 1]]);
    expect(conversations.totalUnread()).toBe(5);
    // My own message from another device, in the conversation of the second page: placed without a reload.
    FakeWebSocket.instances[0].receive({ type: 'message.new', data: { message: msg(9, 4, { senderId: 1, conversation: { type: 'private', id: 103 } }) } });
    expect(TestBed.inject(ChatSockets).messages('u:3').map((m) => m.id)).toEqual([9]);
  });

  it('a reload reads again the pages that were shown', async () => {
    chat.store.start();
    chat.flushLists([], [], [friend(1)]);
    await settle();
    // The first load said there was one page; a reload now finds two, then the user pages on.
    const reload = lists.refresh();
    chat.http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/friends')).flush({ items: [friend(1)], nextCursor: 'f2' });
    await reload;
    const more = lists.loadMore();
    page('/api/v1/friends', 'f2', [friend(2)], null);
    await more;
    const again = lists.refresh();
    chat.http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    chat.http.expectOne(firstPage('/api/v1/friends')).flush({ items: [friend(2)], nextCursor: 'g2' });
    await settle();
    page('/api/v1/friends', 'g2', [friend(3)], null);
    await again;
    expect(lists.friends().map((f) => f.user.id)).toEqual([2, 3]);
  });

  it('says so when no list could be loaded, and shows whatever did load', async () => {
    chat.store.start();
    const fail = (url: string) => chat.http.expectOne(firstPage(url)).flush({ error: { code: 'internal', message: '' } }, { status: 500, statusText: 'Oops' });
    fail('/api/v1/chat/private');
    fail('/api/v1/chat/groups');
    fail('/api/v1/friends');
    chat.flushRequests();
    await settle();
    expect([lists.loading(), lists.loadError()]).toEqual([false, true]);
    const retry = lists.refresh(true);
    fail('/api/v1/chat/private');
    chat.http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [{ id: 7, name: 'Team', description: '', ownerId: 1, createdAt: '' }], nextCursor: null });
    fail('/api/v1/friends');
    await retry;
    expect([lists.loadError(), lists.groups().length]).toEqual([false, 1]);
  });
});
