import { TestBed } from '@angular/core/testing';
import { I18nService } from '../i18n/i18n.service';
import { useChatSession } from '../testing/chat-session';
import { FakeWebSocket, settle } from '../testing/fakes';
import { CLOCK_TICK_MS } from '../util/relative-time';
import { LastSeen } from './last-seen';

describe('LastSeen', () => {
  const chat = useChatSession();
  const now = Date.parse('2026-06-15T12:00:00Z');
  const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

  beforeEach(() => {
    // Only the clock's interval and Date: the session's promises and settle() keep real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(now);
    localStorage.setItem('wc_lang', 'en');
  });
  afterEach(() => {
    vi.useRealTimers();
    localStorage.clear();
  });

  async function signedIn(): Promise<{ lastSeen: LastSeen; ws: FakeWebSocket }> {
    chat.store.start();
    chat.flushLists([], [], [
      { user: { id: 2, username: 'bob', displayName: 'Bob', online: false, lastSeenAt: ago(5) }, since: '' },
      { user: { id: 3, username: 'carol', displayName: 'Carol', online: true, lastSeenAt: ago(1) }, since: '' },
      { user: { id: 4, username: 'dave', displayName: 'Dave', online: false, lastSeenAt: null }, since: '' },
    ]);
    await settle();
    return { lastSeen: TestBed.inject(LastSeen), ws: FakeWebSocket.instances[0] };
  }

  it('says when an offline friend was last seen, and counts on every minute', async () => {
    const { lastSeen } = await signedIn();
    expect(lastSeen.of(2)).toBe('last seen 5 minutes ago');
    vi.advanceTimersByTime(CLOCK_TICK_MS);
    expect(lastSeen.of(2)).toBe('last seen 6 minutes ago');
    TestBed.inject(I18nService).setLang('fr');
    expect(lastSeen.of(2)).toBe('dernière connexion il y a 6 minutes');
  });

  it('says nothing for a friend online, never seen, or unknown', async () => {
    const { lastSeen } = await signedIn();
    expect([lastSeen.of(3), lastSeen.of(4), lastSeen.of(99)]).toEqual([null, null, null]);
  });

  it('follows presence: online hides it, going offline shows "just now", then minutes', async () => {
    const { lastSeen, ws } = await signedIn();
    ws.accept();
    chat.flushLists();
    ws.receive({ type: 'presence', data: { userId: 2, status: 'online', lastSeenAt: ago(0) } });
    expect(lastSeen.of(2)).toBeNull();
    ws.receive({ type: 'presence', data: { userId: 2, status: 'offline', lastSeenAt: ago(0) } });
    expect(lastSeen.of(2)).toBe('last seen just now');
    vi.advanceTimersByTime(2 * CLOCK_TICK_MS);
    expect(lastSeen.of(2)).toBe('last seen 2 minutes ago');
  });
});
