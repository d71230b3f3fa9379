import { TestBed } from '@angular/core/testing';
import { msg } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { ChatHistory } from './history';
import { ChatSockets } from './socket/chat-sockets';

describe('ChatHistory', () => {
  const chat = useChatSession();

  it('loads the latest page on open, then pages upwards with ?before=<oldest seq>', async () => {
    const history = TestBed.inject(ChatHistory);
    chat.store.start();
    chat.flushLists();
    const opening = chat.store.open('u:2');
    const first = chat.http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(first.request.params.get('before')).toBeNull();
    first.flush({ items: [msg(51, 51), msg(52, 52)], hasMore: true });
    await opening;
    expect(history.of('u:2').hasMore).toBe(true);
    const older = history.loadOlder('u:2');
    const req = chat.http.expectOne((r) => r.url === '/api/v1/chat/private/2/messages');
    expect(req.request.params.get('before')).toBe('51');
    req.flush({ items: [msg(50, 50)], hasMore: false });
    await older;
    expect(TestBed.inject(ChatSockets).messages('u:2').map((m) => m.seq)).toEqual([50, 51, 52]);
    expect(history.of('u:2').hasMore).toBe(false);
    // Opening again does not reload.
    await chat.store.open('u:2');
  });

  it('records a failed page, and loads a group from /chat/groups/:id/messages', async () => {
    const history = TestBed.inject(ChatHistory);
    const loading = history.loadLatest('g:7');
    expect(history.of('g:7').loading).toBe(true);
    chat.http.expectOne((r) => r.url === '/api/v1/chat/groups/7/messages').flush({ error: { code: 'internal', message: '' } }, { status: 500, statusText: 'Oops' });
    await loading;
    expect(history.of('g:7')).toEqual({ loaded: false, loading: false, hasMore: false, error: true });
  });
});
