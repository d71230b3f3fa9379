import { TestBed } from '@angular/core/testing';
import { FakeWebSocket, msg } from '../testing/fakes';
import { useChatSession } from '../testing/chat-session';
import { ChatActivity } from './chat-activity';
import { MessageSender } from './message-sender';
import { ChatSockets } from './socket/chat-sockets';

describe('MessageSender', () => {
  const chat = useChatSession();
  let sender: MessageSender;
  let sockets: ChatSockets;

  beforeEach(() => {
    sender = TestBed.inject(MessageSender);
    sockets = TestBed.inject(ChatSockets);
  });

  it('sends through REST with the same clientMsgId when the socket stays down', async () => {
    vi.useFakeTimers();
    try {
      chat.store.start();
      chat.flushLists();
      sender.send('u:2', 'via rest');
      const pending = sockets.pending('u:2');
      expect(pending.map((p) => p.body)).toEqual(['via rest']);
      await vi.advanceTimersByTimeAsync(4000);
      const req = chat.http.expectOne('/api/v1/chat/private/2/messages');
      expect(req.request.body).toEqual({ body: 'via rest', clientMsgId: pending[0].clientMsgId });
      req.flush(msg(77, 1, { senderId: 1, body: 'via rest', clientMsgId: pending[0].clientMsgId }), { status: 201, statusText: 'Created' });
      await vi.advanceTimersByTimeAsync(0);
      expect(sockets.pending('u:2')).toEqual([]);
      expect(sockets.messages('u:2').map((m) => m.id)).toEqual([77]);
      // The socket comes back: nothing left to resend.
      FakeWebSocket.instances[0].accept();
      chat.flushAllLists();
      expect(FakeWebSocket.instances[0].sentOfType('message.send')).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('marks the message failed when REST refuses it', async () => {
    vi.useFakeTimers();
    try {
      chat.store.start();
      chat.flushLists();
      sender.send('u:9', 'not a friend');
      await vi.advanceTimersByTimeAsync(4000);
      chat.http.expectOne('/api/v1/chat/private/9/messages').flush({ error: { code: 'forbidden', message: 'no' } }, { status: 403, statusText: 'Forbidden' });
      await vi.advanceTimersByTimeAsync(0);
      expect(sockets.pending('u:9')[0].failed).toBe('forbidden');
    } finally {
      vi.useRealTimers();
    }
  });

  it('edits and deletes through REST and shows the outcome at once', async () => {
    chat.store.start();
    chat.flushLists();
    sockets.privateSocket.ingest('u:2', [msg(5, 1, { senderId: 1 })]);
    const editing = sender.edit('u:2', msg(5, 1, { senderId: 1 }), '  better  ');
    const patch = chat.http.expectOne('/api/v1/chat/private/messages/5');
    expect(patch.request.body).toEqual({ body: 'better' });
    patch.flush(msg(5, 1, { senderId: 1, body: 'better', editedAt: '2026-02-01T00:00:00Z' }));
    expect(await editing).toBe(true);
    expect(sockets.messages('u:2')[0].body).toBe('better');
    const removing = sender.remove('u:2', sockets.messages('u:2')[0]);
    chat.http.expectOne('/api/v1/chat/private/messages/5').flush(null, { status: 204, statusText: 'No Content' });
    expect(await removing).toBe(true);
    expect(sockets.messages('u:2')[0]).toMatchObject({ deleted: true, body: '' });
  });

  describe('a peer who deleted their account', () => {
    const eve = { id: 5, username: 'eve', displayName: 'Eve', online: true, lastSeenAt: null, deleted: true };
    const conv = { peer: eve, conversationId: 101, lastMessage: msg(1, 1, { senderId: 5, conversation: { type: 'private', id: 101 } }), unread: 1, lastReadSeq: 0 };

    it('sends neither messages nor typing, by socket or REST', async () => {
      vi.useFakeTimers();
      try {
        chat.store.start();
        chat.flushLists([conv]);
        await vi.advanceTimersByTimeAsync(0);
        const ws = FakeWebSocket.instances[0];
        ws.accept();
        chat.flushLists([conv]);
        await vi.advanceTimersByTimeAsync(0);
        TestBed.inject(ChatActivity).typing('u:5');
        sender.send('u:5', 'are you there?');
        expect(sockets.pending('u:5')).toEqual([]);
        await vi.advanceTimersByTimeAsync(15_000);
        chat.http.expectNone('/api/v1/chat/private/5/messages');
        expect(ws.sentOfType('typing')).toEqual([]);
        expect(ws.sentOfType('message.send')).toEqual([]);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});
