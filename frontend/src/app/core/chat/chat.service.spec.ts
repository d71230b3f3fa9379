import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Observable, firstValueFrom } from 'rxjs';
import { Page, PrivateConversation } from '../api/models';
import { ChatService } from './chat.service';

describe('ChatService', () => {
  let api: ChatService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(ChatService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('keeps peer.deleted in the private conversation list', async () => {
    const conv: PrivateConversation = {
      peer: { id: 5, username: 'eve', displayName: 'Eve', online: false, lastSeenAt: null, deleted: true },
      conversationId: 12, lastMessage: null, unread: 0, lastReadSeq: 0,
    };
    const done = firstValueFrom(api.privateConversations());
    http.expectOne((r) => r.url === '/api/v1/chat/private').flush({ items: [conv], nextCursor: null });
    expect((await done).items[0].peer.deleted).toBe(true);
  });

  it('reads the three lists a page at a time: ?limit=50, then ?cursor= to go on', async () => {
    const lists: [(cursor?: string) => Observable<Page<unknown>>, string][] = [
      [(c) => api.privateConversations(c), '/api/v1/chat/private'],
      [(c) => api.groups(c), '/api/v1/chat/groups'],
      [(c) => api.friends(c), '/api/v1/friends'],
    ];
    for (const [read, url] of lists) {
      const first = firstValueFrom(read());
      const r1 = http.expectOne((r) => r.url === url);
      expect([r1.request.params.get('limit'), r1.request.params.has('cursor')]).toEqual(['50', false]);
      r1.flush({ items: [{ n: 1 }], nextCursor: 'next page' });
      expect(await first).toEqual({ items: [{ n: 1 }], nextCursor: 'next page' });
      const second = firstValueFrom(read('next page'));
      const r2 = http.expectOne((r) => r.url === url);
      expect(r2.request.params.get('cursor')).toBe('next page');
      // An older server: {items} without nextCursor, or a bare array.
      r2.flush([{ n: 2 }]);
      expect(await second).toEqual({ items: [{ n: 2 }], nextCursor: null });
    }
  });
});
