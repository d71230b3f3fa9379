import { TestBed } from '@angular/core/testing';
import { Friend, FriendRequest, PublicUser } from '../api/models';
import { firstPage, useChatSession } from '../testing/chat-session';
import { RECONNECT_BASE_MS } from '../socket/socket-connection';
import { FakeWebSocket, msg, settle } from '../testing/fakes';
import { ChatLists } from './chat-lists';
import { Conversations } from './conversations';
import { Friendships } from './friendships';
import { People } from './people';

const me: PublicUser = { id: 1, username: 'alice', displayName: 'Alice' };
const user = (id: number, name: string): PublicUser => ({ id, username: name.toLowerCase(), displayName: name, online: false, lastSeenAt: null });
const bob = user(2, 'Bob');
const carol = user(3, 'Carol');
const dave = user(4, 'Dave');
const request = (id: number, from: PublicUser, to: PublicUser): FriendRequest => ({ id, from, to, createdAt: '2026-01-01T00:00:00Z' });
const friend = (u: PublicUser): Friend => ({ user: u, since: '2026-01-01T00:00:00Z' });

describe('Friendships (the friend events of the private socket)', () => {
  const chat = useChatSession();
  let friendships: Friendships;
  let lists: ChatLists;
  let conversations: Conversations;
  let ws: FakeWebSocket;

  /** Signed in as alice, friends with bob (a conversation with him), a request from carol, one to dave. */
  beforeEach(async () => {
    friendships = TestBed.inject(Friendships);
    lists = TestBed.inject(ChatLists);
    conversations = TestBed.inject(Conversations);
    chat.store.start();
    const conv = { peer: bob, conversationId: 100, lastMessage: msg(1, 1), unread: 0, lastReadSeq: 1 };
    chat.flushLists([conv], [], [friend(bob)], { incoming: [request(10, carol, me)], outgoing: [request(11, me, dave)] });
    await settle();
    ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists([conv], [], [friend(bob)], { incoming: [request(10, carol, me)], outgoing: [request(11, me, dave)] });
    await settle();
  });

  const incoming = () => friendships.requests().incoming.map((r) => r.id);
  const outgoing = () => friendships.requests().outgoing.map((r) => r.id);
  const friendIds = () => lists.friends().map((f) => f.user.id);
  const keys = () => conversations.entries().map((c) => c.key);

  it('loads the pending requests with the lists, and counts those waiting for me', () => {
    expect([incoming(), outgoing(), friendships.incomingCount()]).toEqual([[10], [11], 1]);
  });

  it('friend.requested: the request shows among those received, once, and its sender is known by name', () => {
    const eve = user(5, 'Eve');
    ws.receive({ type: 'friend.requested', data: { request: request(12, eve, me) } });
    ws.receive({ type: 'friend.requested', data: { request: request(12, eve, me) } }); // delivered twice: shown once
    expect([incoming(), friendships.incomingCount()]).toEqual([[10, 12], 2]);
    expect(TestBed.inject(People).displayName(5)).toBe('Eve');
  });

  it('friend.accepted: the friend joins the list and the conversation list, and the request between us goes', () => {
    // dave accepted the request I sent him.
    ws.receive({ type: 'friend.accepted', data: { friend: friend(dave) } });
    expect([outgoing(), incoming()]).toEqual([[], [10]]);
    expect(friendIds()).toEqual([2, 4]);
    expect(keys()).toContain('u:4');
    expect(conversations.entry('u:4')?.title).toBe('Dave');
    // carol's request became a friendship on her side (she was asked back): it goes from my received ones.
    ws.receive({ type: 'friend.accepted', data: { friend: friend(carol) } });
    expect([incoming(), friendships.incomingCount(), friendIds()]).toEqual([[], 0, [2, 4, 3]]);
  });

  it('friend.declined: the request with that id goes, whichever list it was in', () => {
    ws.receive({ type: 'friend.declined', data: { requestId: 11 } });
    expect([incoming(), outgoing()]).toEqual([[10], []]);
    ws.receive({ type: 'friend.declined', data: { requestId: 10 } }); // carol withdrew hers
    expect([incoming(), friendships.incomingCount()]).toEqual([[], 0]);
  });

  it('friend.removed: the former friend leaves the friends and the conversation list (only friends chat)', () => {
    expect(keys()).toEqual(['u:2']);
    ws.receive({ type: 'friend.removed', data: { userId: 2 } });
    expect([friendIds(), keys(), lists.privateConversations().length]).toEqual([[], [], 0]);
  });

  it('user.updated: a friend\'s new name, status and picture show in both lists at once', () => {
    const renamed = { ...bob, displayName: 'Robert', statusText: 'Away', avatarUrl: '/api/v1/avatars/2/256?e=1&s=x' };
    ws.receive({ type: 'user.updated', data: { user: renamed } });
    expect(conversations.entry('u:2')?.title).toBe('Robert');
    expect(conversations.entry('u:2')?.peer?.avatarUrl).toBe(renamed.avatarUrl);
    expect(lists.friends()[0].user.statusText).toBe('Away');
    expect(TestBed.inject(People).displayName(2)).toBe('Robert');
    ws.receive({ type: 'user.updated', data: { user: { displayName: 'no id' } } }); // ignored
    expect(conversations.entry('u:2')?.title).toBe('Robert');
  });

  it('ignores a friend frame without what it must carry', () => {
    ws.receive({ type: 'friend.accepted', data: { friend: { since: '' } } });
    ws.receive({ type: 'friend.requested', data: { request: { id: 13 } } });
    ws.receive({ type: 'friend.declined', data: { requestId: '10' } });
    ws.receive({ type: 'friend.removed', data: {} });
    expect([incoming(), outgoing(), friendIds()]).toEqual([[10], [11], [2]]);
  });

  it('reads the requests again after a reconnect: one sent while the socket was away shows', async () => {
    ws.drop();
    await new Promise((r) => setTimeout(r, RECONNECT_BASE_MS + 50)); // the first reconnect's longest wait
    const again = FakeWebSocket.last();
    expect(again).not.toBe(ws);
    again.accept();
    chat.flushLists([], [], [], { incoming: [request(10, carol, me), request(14, user(6, 'Frank'), me)], outgoing: [] });
    await settle();
    expect([incoming(), outgoing(), friendships.incomingCount()]).toEqual([[10, 14], [], 2]);
  });

  it('a change that arrives while the friends are being read again is not lost to the older answer', async () => {
    void lists.refresh(); // e.g. the Refresh button
    ws.receive({ type: 'friend.accepted', data: { friend: friend(dave) } });
    // The server read the list before dave accepted.
    chat.http.expectOne(firstPage('/api/v1/friends')).flush({ items: [friend(bob)], nextCursor: null });
    chat.flushAllLists();
    await settle();
    expect(friendIds()).toEqual([2, 4]);
  });

  it('group.updated: the group is renamed in the lists and the conversation list, its unread count kept', async () => {
    const groupWs = FakeWebSocket.instances[1];
    groupWs.accept({ userId: 1, groups: [7] });
    chat.flushLists([], [{ id: 7, name: 'Team', description: 'old', ownerId: 2, createdAt: '', unread: 3, lastMessage: null }], []);
    await settle();
    groupWs.receive({ type: 'group.updated', data: { group: { id: 7, name: 'Renamed', description: 'new', ownerId: 2 } } });
    expect(lists.groups()[0]).toMatchObject({ id: 7, name: 'Renamed', description: 'new', unread: 3 });
    expect(conversations.entry('g:7')).toMatchObject({ title: 'Renamed', unread: 3 });
    groupWs.receive({ type: 'group.updated', data: { group: { id: 8, name: 'Not mine' } } });
    expect(lists.groups().map((g) => g.name)).toEqual(['Renamed']);
  });

  it('presence carries when a user was last seen', () => {
    const people = TestBed.inject(People);
    expect(people.lastSeen(2)).toBeNull();
    ws.receive({ type: 'presence', data: { userId: 2, status: 'offline', lastSeenAt: '2026-01-02T10:00:00Z' } });
    expect([people.online(2), people.lastSeen(2)]).toEqual([false, '2026-01-02T10:00:00Z']);
  });

  it('stop() forgets the requests', () => {
    chat.store.stop();
    expect([incoming(), outgoing(), friendships.incomingCount()]).toEqual([[], [], 0]);
  });
});
