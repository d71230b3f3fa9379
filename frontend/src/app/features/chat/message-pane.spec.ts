import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '../../core/auth/auth.service';
import { WEBSOCKET_FACTORY } from '../../core/socket/websocket';
import { REQUESTS_URL, firstPage } from '../../core/testing/chat-session';
import { FakeWebSocket, fakeUser, settle } from '../../core/testing/fakes';
import { ChatStore } from '../../core/chat/chat-store.service';
import { MessagePane } from './message-pane';

describe('MessagePane', () => {
  let store: ChatStore;
  let http: HttpTestingController;
  let fixture: ComponentFixture<MessagePane> | undefined;

  const bob = { id: 2, username: 'bob', displayName: 'Bob', online: false };
  const eve = { id: 5, username: 'eve', displayName: 'Eve', online: false, lastSeenAt: null, deleted: true };

  beforeEach(async () => {
    FakeWebSocket.instances = [];
    fixture = undefined;
    TestBed.configureTestingModule({
      imports: [MessagePane],
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        {
          provide: AuthService,
          useValue: { user: signal(fakeUser({ id: 1 })), accessToken: () => 'tok', tokenValidFor: () => true, refresh: async () => 'ok' },
        },
        { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeWebSocket(url) },
      ],
    });
    store = TestBed.inject(ChatStore);
    http = TestBed.inject(HttpTestingController);
    store.start();
    http.expectOne(firstPage('/api/v1/chat/private')).flush({
      items: [{ peer: eve, conversationId: 101, lastMessage: null, unread: 0, lastReadSeq: 0 }],
      nextCursor: null,
    });
    http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/friends')).flush({ items: [{ user: bob, since: '' }], nextCursor: null });
    http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [] });
    await settle();
  });

  afterEach(() => {
    store.stop();
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  async function show(key: string): Promise<HTMLElement> {
    fixture ??= TestBed.createComponent(MessagePane);
    fixture.componentRef.setInput('key', key);
    fixture.detectChanges();
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  const q = (el: HTMLElement, testid: string) => el.querySelector(`[data-testid="${testid}"]`);

  it('replaces the composer with a read-only notice and hides presence when the peer deleted their account', async () => {
    const el = await show('u:5');
    expect(q(el, 'conversation-title')!.textContent!.trim()).toBe('Deleted account');
    expect(q(el, 'read-only-notice')!.textContent).toContain('This account was deleted');
    expect(q(el, 'composer')).toBeNull();
    expect(q(el, 'peer-presence')).toBeNull();
  });

  it('keeps the composer and presence for a live friend', async () => {
    const el = await show('u:2');
    expect(q(el, 'conversation-title')!.textContent!.trim()).toBe('Bob');
    expect(q(el, 'composer')).not.toBeNull();
    expect(q(el, 'read-only-notice')).toBeNull();
    expect(q(el, 'peer-presence')!.getAttribute('data-online')).toBe('false');
  });
});
