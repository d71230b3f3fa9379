import { HttpTestingController } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../auth/auth.service';
import { ChatStore } from '../chat/chat-store.service';
import { chatProviders, firstPage, LIST_URLS, REQUESTS_URL } from '../testing/chat-session';
import { FakeWebSocket, fakeUser, settle } from '../testing/fakes';
import { Header } from './header';

describe('Header', () => {
  beforeEach(() => {
    localStorage.setItem('wc_lang', 'en');
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({
      imports: [Header],
      providers: [
        provideRouter([]),
        ...chatProviders(),
        {
          provide: AuthService,
          useValue: {
            user: signal(fakeUser({ id: 1 })), isAdmin: signal(false), accessToken: () => 'tok', tokenValidFor: () => true,
            refresh: async () => 'ok',
          },
        },
      ],
    });
  });
  afterEach(() => {
    TestBed.inject(ChatStore).stop();
    TestBed.inject(HttpTestingController).verify();
    TestBed.resetTestingModule();
    localStorage.clear();
  });

  it('shows how many friend requests wait, kept live by the private socket', async () => {
    const http = TestBed.inject(HttpTestingController);
    TestBed.inject(ChatStore).start();
    for (const url of LIST_URLS) http.expectOne(firstPage(url)).flush({ items: [], nextCursor: null });
    const from = (id: number) => ({ id, username: `u${id}`, displayName: `U${id}` });
    const req = (id: number, fromId: number) => ({ id, from: from(fromId), to: from(1), createdAt: '' });
    http.expectOne(REQUESTS_URL).flush({ incoming: [req(10, 2), req(11, 3)], outgoing: [] });
    await settle();
    const fixture = TestBed.createComponent(Header);
    await fixture.whenStable();
    const badge = () => fixture.nativeElement.querySelector('[data-testid="nav-friend-requests"]') as HTMLElement | null;
    expect([badge()?.textContent?.trim(), badge()?.getAttribute('aria-label')]).toEqual(['2', '2 friend requests waiting for your answer']);

    const ws = FakeWebSocket.instances[0];
    ws.accept();
    for (const url of LIST_URLS) http.expectOne(firstPage(url)).flush({ items: [], nextCursor: null });
    http.expectOne(REQUESTS_URL).flush({ incoming: [req(10, 2), req(11, 3)], outgoing: [] });
    await settle();
    ws.receive({ type: 'friend.requested', data: { request: req(12, 4) } });
    await fixture.whenStable();
    expect(badge()?.textContent?.trim()).toBe('3');
    ws.receive({ type: 'friend.declined', data: { requestId: 10 } });
    ws.receive({ type: 'friend.accepted', data: { friend: { user: from(3), since: '' } } });
    ws.receive({ type: 'friend.declined', data: { requestId: 12 } });
    await fixture.whenStable();
    expect(badge()).toBeNull();
  });
});
