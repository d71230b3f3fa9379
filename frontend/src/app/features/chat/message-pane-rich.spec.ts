import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Message } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { WEBSOCKET_FACTORY } from '../../core/socket/websocket';
import { REQUESTS_URL, firstPage } from '../../core/testing/chat-session';
import { FakeWebSocket, fakeUser, msg, settle } from '../../core/testing/fakes';
import { ChatStore } from '../../core/chat/chat-store.service';
import { MessagePane } from './message-pane';

/** A message with Markdown, an image, a file and reactions, as the history of a conversation with Bob gives it. */
function rich(): Message {
  return msg(10, 1, {
    conversation: { type: 'private', id: 100 },
    senderId: 2,
    body: '**look** at [this](https://example.com) <img src=x onerror=alert(1)>',
    reactions: [{ emoji: '👍', count: 1, me: false }],
    attachments: [
      { id: 7, name: 'shot.png', size: 2048, contentType: 'image/png', width: 640, height: 320, url: '/api/v1/attachments/7/original?e=1&s=a', thumbnailUrl: '/api/v1/attachments/7/thumb?e=1&s=b', createdAt: '' },
      { id: 8, name: 'report.pdf', size: 1536000, contentType: 'application/pdf', width: null, height: null, url: '/api/v1/attachments/8/original?e=1&s=c', thumbnailUrl: null, createdAt: '' },
    ],
  });
}

describe('MessagePane, rich messages', () => {
  let store: ChatStore;
  let http: HttpTestingController;
  let fixture: ComponentFixture<MessagePane>;
  const bob = { id: 2, username: 'bob', displayName: 'Bob', online: false };

  beforeEach(async () => {
    FakeWebSocket.instances = [];
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
    http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/friends')).flush({ items: [{ user: bob, since: '' }], nextCursor: null });
    http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [] });
    await settle();
    for (const ws of FakeWebSocket.instances) ws.accept();
    fixture = TestBed.createComponent(MessagePane);
    fixture.componentRef.setInput('key', 'u:2');
    fixture.detectChanges();
    void store.open('u:2'); // as the chat page does
    // Answer the lists again (each socket's `ready` refreshes them), then the conversation's history.
    for (let round = 0; round < 3; round++) {
      await settle();
      await fixture.whenStable();
      for (const r of http.match(() => true)) {
        const url = r.request.url;
        if (url.endsWith('/chat/private/2/messages')) r.flush({ items: [rich()], hasMore: false });
        else if (url.endsWith('/friends')) r.flush({ items: [{ user: bob, since: '' }], nextCursor: null });
        else if (url.endsWith('/friends/requests')) r.flush({ incoming: [], outgoing: [] });
        else r.flush({ items: [], nextCursor: null });
      }
    }
    await fixture.whenStable();
  });

  afterEach(() => {
    store.stop();
    for (const r of http.match(() => true)) if (!r.cancelled) r.flush(null);
    TestBed.resetTestingModule();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const privateSocket = () => FakeWebSocket.instances.find((w) => w.url.includes('/ws/private'))!;

  it('renders the Markdown body, keeps markup as text, and shows the image inline and the file as a chip', () => {
    const body = el().querySelector('[data-testid="message-body"]')!;
    expect(body.querySelector('strong')?.textContent).toBe('look');
    expect(body.querySelector('a')?.getAttribute('href')).toBe('https://example.com');
    expect(body.querySelector('img')).toBeNull();
    const img = el().querySelector('[data-testid="attachment-image"] img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('/api/v1/attachments/7/thumb?e=1&s=b');
    expect([img.getAttribute('width'), img.getAttribute('height')]).toEqual(['320', '160']);
    const chip = el().querySelector('[data-testid="attachment-file"]') as HTMLAnchorElement;
    expect(chip.getAttribute('href')).toBe('/api/v1/attachments/8/original?e=1&s=c');
    expect(chip.getAttribute('download')).toBe('report.pdf');
    expect(chip.textContent).toContain('1.5 MB');
  });

  it('opens the original in the lightbox', async () => {
    (el().querySelector('[data-testid="attachment-image"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(el().querySelector('[data-testid="lightbox"] img')?.getAttribute('src')).toBe('/api/v1/attachments/7/original?e=1&s=a');
    (el().querySelector('[data-testid="lightbox-close"]') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(el().querySelector('[data-testid="lightbox"]')).toBeNull();
  });

  it('counts a reaction pushed by the socket, and my own once', async () => {
    privateSocket().receive({ type: 'reaction.added', data: { messageId: 10, conversation: { type: 'private', id: 100 }, userId: 2, emoji: '🎉' } });
    await fixture.whenStable();
    // (jsdom's selector engine misreads astral characters in attribute selectors: compare the attribute.)
    const reaction = (e: string) =>
      Array.from(el().querySelectorAll<HTMLButtonElement>('[data-testid="reaction"]')).find((b) => b.dataset['emoji'] === e) ?? null;
    expect(reaction('🎉')?.textContent).toContain('1');

    reaction('👍')!.click();
    const put = http.expectOne((r) => r.method === 'PUT' && r.url === `/api/v1/chat/private/messages/10/reactions/${encodeURIComponent('👍')}`);
    put.flush(null, { status: 204, statusText: 'No Content' });
    await settle();
    await fixture.whenStable();
    // The socket's echo of my own reaction does not count it twice.
    privateSocket().receive({ type: 'reaction.added', data: { messageId: 10, conversation: { type: 'private', id: 100 }, userId: 1, emoji: '👍' } });
    await fixture.whenStable();
    expect(reaction('👍')?.getAttribute('aria-pressed')).toBe('true');
    expect(reaction('👍')?.querySelector('.count')?.textContent).toBe('2');

    // Who reacted: loaded on opening the picker (a tap on a phone), names from the people we know.
    (el().querySelector('[data-testid="reaction-add"]') as HTMLButtonElement).click();
    http.expectOne('/api/v1/chat/private/messages/10/reactions').flush({ items: [{ emoji: '👍', userIds: [2, 1] }, { emoji: '🎉', userIds: [2] }], nextCursor: null });
    await settle();
    await fixture.whenStable();
    expect(el().querySelector('[data-testid="reaction-who"]')?.textContent).toContain('Bob, You');
    expect(reaction('👍')?.getAttribute('title')).toBe('Bob, You');
  });
});
