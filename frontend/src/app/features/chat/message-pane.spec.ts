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
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { msg } from '../../core/testing/fakes';
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

  it('offers mute and unmute in the header, stored on the server', async () => {
    const el = await show('u:2');
    const button = q(el, 'mute-toggle') as HTMLButtonElement;
    expect(button.textContent!.trim()).toBe('Mute');
    expect(button.getAttribute('aria-pressed')).toBe('false');
    button.click();
    const req = http.expectOne((r) => r.url === '/api/v1/chat/private/2/settings');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ muted: true });
    req.flush({ muted: true });
    await settle();
    fixture!.detectChanges();
    expect(button.textContent!.trim()).toBe('Unmute');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    button.click();
    http.expectOne((r) => r.url === '/api/v1/chat/private/2/settings' && r.body.muted === false).flush({ muted: false });
    await settle();
    fixture!.detectChanges();
    expect(button.textContent!.trim()).toBe('Mute');
  });

  it('shows an old hit in the window around it, with the way to newer messages and back to the latest', async () => {
    const URL = '/api/v1/chat/private/2/messages';
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i, a + i));
    // jsdom lays nothing out: scrolling into view is a no-op to record.
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView ??= scrolled;
    const opening = store.open('u:2');
    http.expectOne((r) => r.url === URL).flush({ items: range(151, 200), hasMore: true });
    await opening;
    const el = await show('u:2');
    expect(q(el, 'load-newer')).toBeNull();

    TestBed.inject(ReplyAndJump).jumpTo('u:2', 10);
    fixture!.detectChanges();
    await settle();
    const around = http.expectOne((r) => r.url === URL);
    expect(around.request.params.get('around')).toBe('10');
    around.flush({ items: range(1, 50), hasMore: true });
    await settle();
    fixture!.detectChanges();
    await settle();
    fixture!.detectChanges(); // the highlight is set after the rows render
    const seqs = [...el.querySelectorAll('[data-testid="message-item"]')].map((li) => Number(li.getAttribute('data-seq')));
    expect(seqs[0]).toBe(1);
    expect(seqs.at(-1)).toBe(50);
    expect(el.querySelector('[data-seq="10"]')!.classList).toContain('highlight');
    expect(scrolled).toHaveBeenCalledWith({ block: 'center' });
    expect(q(el, 'load-older')).toBeNull();
    expect(q(el, 'load-newer')).not.toBeNull();

    (q(el, 'jump-latest') as HTMLButtonElement).click();
    const latest = http.expectOne((r) => r.url === URL);
    expect(latest.request.params.has('around')).toBe(false);
    latest.flush({ items: range(151, 200), hasMore: true });
    await settle();
    fixture!.detectChanges();
    expect(q(el, 'load-newer')).toBeNull();
    expect(q(el, 'load-older')).not.toBeNull();
    expect(el.querySelector('[data-seq="10"]')).toBeNull();
    // The read marks went through REST (no socket in this spec).
    for (const r of http.match((r) => r.url === '/api/v1/chat/private/2/read')) r.flush(null);
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  }, 20_000); // renders a hundred rows: slow on a busy machine
});
