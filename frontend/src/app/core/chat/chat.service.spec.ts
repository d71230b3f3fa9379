import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { PrivateConversation } from '../api/models';
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
    http.expectOne('/api/v1/chat/private').flush({ items: [conv], nextCursor: null });
    expect((await done)[0].peer.deleted).toBe(true);
  });
});
