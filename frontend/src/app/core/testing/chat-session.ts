import { HttpRequest, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentProviders, Provider, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthService } from '../auth/auth.service';
import { ChatStore } from '../chat/chat-store.service';
import { WEBSOCKET_FACTORY } from '../socket/websocket';
import { FakeWebSocket, fakeUser } from './fakes';

/** The three lists the conversation list is made of. */
export const LIST_URLS = ['/api/v1/chat/private', '/api/v1/chat/groups', '/api/v1/friends'] as const;
/** The pending friend requests, loaded with the lists (sign-in, every socket's ready). */
export const REQUESTS_URL = '/api/v1/friends/requests';

/** chatProviders: real chat services over HttpClientTesting, fake sockets, and user 1 signed in. */
export function chatProviders(): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(),
    provideHttpClientTesting(),
    {
      provide: AuthService,
      useValue: { user: signal(fakeUser({ id: 1 })), accessToken: () => 'tok', tokenValidFor: () => true, refresh: async () => 'ok' },
    },
    { provide: WEBSOCKET_FACTORY, useValue: (url: string) => new FakeWebSocket(url) },
  ];
}

/** firstPage matches the request for the first page of a list (`?limit=50`, no cursor). */
export function firstPage(url: string): (req: HttpRequest<unknown>) => boolean {
  return (req) => req.url === url && req.params.get('limit') === '50' && !req.params.has('cursor');
}

/** ChatSession is what a chat spec works with: the session, the HTTP backend and the list answers. */
export interface ChatSession {
  store: ChatStore;
  http: HttpTestingController;
  /**
   * flushLists answers the one open load of each list, and the loads of the friend requests on their way if any
   * (`requests`, none by default: they load at start and on every ready, not on every list reload).
   */
  flushLists(convs?: unknown[], groups?: unknown[], friends?: unknown[], requests?: { incoming?: unknown[]; outgoing?: unknown[] }): void;
  /** flushRequests answers the one open load of the friend requests. */
  flushRequests(requests?: { incoming?: unknown[]; outgoing?: unknown[] }): void;
  /** flushAllLists answers every list reload still open (message events from unknown conversations trigger some). */
  flushAllLists(): void;
}

/** useChatSession sets up a chat session for each test of the calling `describe`, and checks HTTP after it. */
export function useChatSession(): ChatSession {
  const ctx = {
    flushLists(convs: unknown[] = [], groups: unknown[] = [], friends: unknown[] = [], requests = {}) {
      const [p, g, f] = LIST_URLS;
      ctx.http.expectOne(firstPage(p)).flush({ items: convs, nextCursor: null });
      ctx.http.expectOne(firstPage(g)).flush({ items: groups, nextCursor: null });
      ctx.http.expectOne(firstPage(f)).flush({ items: friends, nextCursor: null });
      for (const r of ctx.http.match(REQUESTS_URL)) r.flush({ incoming: [], outgoing: [], ...requests });
    },
    flushRequests(requests = {}) {
      ctx.http.expectOne(REQUESTS_URL).flush({ incoming: [], outgoing: [], ...requests });
    },
    flushAllLists() {
      for (const url of LIST_URLS) for (const r of ctx.http.match((req) => req.url === url)) r.flush({ items: [], nextCursor: null });
      for (const r of ctx.http.match(REQUESTS_URL)) r.flush({ incoming: [], outgoing: [] });
    },
  } as ChatSession;

  beforeEach(() => {
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({ providers: chatProviders() });
    ctx.store = TestBed.inject(ChatStore);
    ctx.http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    ctx.store.stop();
    try {
      ctx.http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  return ctx;
}
