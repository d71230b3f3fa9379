import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Friend } from '../../core/api/models';
import { REQUESTS_URL, chatProviders, firstPage } from '../../core/testing/chat-session';
import { FakeWebSocket, settle } from '../../core/testing/fakes';
import { ChatStore } from '../../core/chat/chat-store.service';
import { ConversationList } from './conversation-list';

const friend = (id: number): Friend => ({ user: { id, username: `user${id}`, displayName: `User ${id}` }, since: '' });

describe('ConversationList', () => {
  let http: HttpTestingController;
  let store: ChatStore;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({ imports: [ConversationList], providers: [provideRouter([]), ...chatProviders()] });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatStore);
  });

  afterEach(() => {
    store.stop();
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('shows the next page at the end of the list, then no button once all is shown', async () => {
    store.start();
    http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/friends')).flush({ items: [friend(1), friend(2)], nextCursor: 'f2' });
    http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [] });
    await settle();
    const fixture = TestBed.createComponent(ConversationList);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const items = () => [...el.querySelectorAll('[data-testid="conversation-item"]')].map((a) => a.getAttribute('data-key'));
    expect(items()).toEqual(['u:1', 'u:2']);
    const more = el.querySelector<HTMLButtonElement>('.items [data-testid="load-more"]')!;
    more.click();
    await fixture.whenStable();
    expect(more.getAttribute('aria-busy')).toBe('true');
    http.expectOne((r) => r.url === '/api/v1/friends' && r.params.get('cursor') === 'f2').flush({ items: [friend(2), friend(3)], nextCursor: null });
    await settle();
    await fixture.whenStable();
    expect(items()).toEqual(['u:1', 'u:2', 'u:3']);
    expect(el.querySelector('[data-testid="load-more"]')).toBeNull();
  });

  it('shows a friend\'s picture, or their initials when they have none', async () => {
    store.start();
    http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [], nextCursor: null });
    const pictured: Friend = { user: { id: 1, username: 'ann', displayName: 'Ann Lee', avatarUrl: '/a/1.png' }, since: '' };
    http.expectOne(firstPage('/api/v1/friends')).flush({ items: [pictured, friend(2)], nextCursor: null });
    http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [] });
    await settle();
    const fixture = TestBed.createComponent(ConversationList);
    await fixture.whenStable();
    const rows = [...(fixture.nativeElement as HTMLElement).querySelectorAll('[data-testid="conversation-item"]')];
    expect(rows[0].querySelector('[data-testid="avatar-img"]')?.getAttribute('src')).toBe('/a/1.png');
    expect(rows[1].querySelector('[data-testid="avatar-img"]')).toBeNull();
    expect(rows[1].querySelector('[data-testid="avatar-initials"]')?.textContent).toBe('U2');
  });

  it('shows mentions apart from unread, and marks a muted conversation', async () => {
    store.start();
    const team = (id: number, unread: number, mentions: number, muted: boolean) => ({
      id, name: `Team ${id}`, description: '', ownerId: 1, createdAt: '', unread, mentions, muted, lastMessage: null,
    });
    http.expectOne(firstPage('/api/v1/chat/private')).flush({ items: [], nextCursor: null });
    http.expectOne(firstPage('/api/v1/chat/groups')).flush({ items: [team(7, 5, 2, true), team(8, 3, 0, false)], nextCursor: null });
    http.expectOne(firstPage('/api/v1/friends')).flush({ items: [], nextCursor: null });
    http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [] });
    await settle();
    const fixture = TestBed.createComponent(ConversationList);
    await fixture.whenStable();
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    const row = (name: string) => [...el.querySelectorAll('li')].find((li) => li.textContent!.includes(name))!;
    const muted = row('Team 7');
    expect(muted.querySelector('[data-testid="mention-badge"]')!.textContent!.trim()).toBe('@2');
    expect(muted.querySelector('[data-testid="unread-badge"]')!.textContent!.trim()).toBe('5');
    expect(muted.querySelector('[data-testid="unread-badge"]')!.classList).toContain('quiet');
    expect(muted.querySelector('[data-testid="muted-mark"]')).not.toBeNull();
    const plain = row('Team 8');
    expect(plain.querySelector('[data-testid="mention-badge"]')).toBeNull();
    expect(plain.querySelector('[data-testid="muted-mark"]')).toBeNull();
    expect(plain.querySelector('[data-testid="unread-badge"]')!.classList).not.toContain('quiet');
  });
});
