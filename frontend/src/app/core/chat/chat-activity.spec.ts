import { TestBed } from '@angular/core/testing';
import { FakeWebSocket, msg } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { ChatActivity } from './chat-activity';
import { ChatSockets } from './socket/chat-sockets';

describe('ChatActivity', () => {
  const chat = useChatSession();
  let activity: ChatActivity;

  beforeEach(() => (activity = TestBed.inject(ChatActivity)));

  it('marks as read through the socket when open, through REST otherwise, once per seq', async () => {
    chat.store.start();
    chat.flushLists();
    TestBed.inject(ChatSockets).privateSocket.ingest('u:2', [msg(1, 1), msg(2, 2)]);
    activity.markRead('u:2');
    const req = chat.http.expectOne('/api/v1/chat/private/2/read');
    expect(req.request.body).toEqual({ seq: 2 });
    req.flush(null, { status: 204, statusText: 'No Content' });
    activity.markRead('u:2');
    chat.http.expectNone('/api/v1/chat/private/2/read');

    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists(); // lists are reloaded after every ready
    ws.receive({ type: 'message.new', data: { message: msg(3, 3) } });
    chat.flushLists(); // a message from someone not in the lists reloads them
    activity.markRead('u:2');
    expect(ws.sentOfType('read').map((f) => f.data)).toEqual([{ toUserId: 2, seq: 3 }]);
  });

  it('throttles typing frames per conversation', () => {
    chat.store.start();
    chat.flushLists();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists();
    activity.typing('u:2');
    activity.typing('u:2');
    expect(ws.sentOfType('typing').length).toBe(1);
  });

  it('reads who types and how far the others have read, never counting myself', () => {
    chat.store.start();
    chat.flushLists();
    const ws = FakeWebSocket.instances[0];
    ws.accept();
    chat.flushLists();
    ws.receive({ type: 'typing', data: { userId: 2, toUserId: 1 } });
    ws.receive({ type: 'read', data: { userId: 2, conversation: { type: 'private', id: 100 }, seq: 4 } });
    expect(activity.typingUsers('u:2')).toEqual([2]);
    expect(activity.readSeq('u:2')).toBe(4);
    expect(activity.readSeq('u:3')).toBe(0);
  });
});
