import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { FaviconBadge } from '../layout/favicon-badge';
import { msg, settle } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { APP_TITLE, ChatTell, tabTitle } from './chat-tell';

describe('tabTitle', () => {
  it('puts the unread total in front of the app name, capped', () => {
    expect(tabTitle(0)).toBe(APP_TITLE);
    expect(tabTitle(3)).toBe(`(3) ${APP_TITLE}`);
    expect(tabTitle(250)).toBe(`(99+) ${APP_TITLE}`);
  });
});

describe('ChatTell tab count', () => {
  const chat = useChatSession();
  const peer = { id: 2, username: 'bob', displayName: 'Bob', online: false };
  const group = (id: number, unread: number, mentions: number, muted: boolean) => ({
    id, name: `G${id}`, description: '', ownerId: 1, createdAt: '', unread, mentions, muted,
    lastMessage: msg(100 + id, 1, { conversation: { type: 'group', id } }),
  });

  it('counts unmuted conversations, and only the mentions of muted ones, in the title and on the favicon', async () => {
    const tell = TestBed.inject(ChatTell);
    const favicon = TestBed.inject(FaviconBadge);
    const title = TestBed.inject(Title);
    const show = vi.spyOn(favicon, 'show');
    chat.store.start();
    chat.flushLists(
      [{ peer, conversationId: 100, lastMessage: msg(1, 1), unread: 2, lastReadSeq: 0, mentions: 0, muted: false }],
      [group(7, 40, 1, true), group(8, 3, 0, true)],
    );
    await settle();
    TestBed.tick();
    // 2 (bob) + 1 mention of the muted G7; G8 muted without mentions counts nothing.
    expect(tell.tabUnread()).toBe(3);
    expect(title.getTitle()).toBe(`(3) ${APP_TITLE}`);
    expect(show).toHaveBeenLastCalledWith(3);

    // Unmuting G8 brings its 3 unread back into the count.
    const muting = tell.setMuted('g:8', false);
    chat.http.expectOne((r) => r.url === '/api/v1/chat/groups/8/settings' && r.method === 'PATCH').flush({ muted: false });
    await muting;
    TestBed.tick();
    expect(tell.tabUnread()).toBe(6);
    expect(show).toHaveBeenLastCalledWith(6);

    // Sign-out: plain title, plain icon.
    chat.store.stop();
    expect(title.getTitle()).toBe(APP_TITLE);
    expect(show).toHaveBeenLastCalledWith(0);
  });
});
