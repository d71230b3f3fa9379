import { Outbox, PendingMessage } from './outbox';

describe('Outbox', () => {
  let sent: PendingMessage[];
  let outbox: Outbox;

  beforeEach(() => {
    sent = [];
    outbox = new Outbox((p) => sent.push(p));
  });

  const ids = () => sent.map((p) => p.clientMsgId);

  it('queues a message per conversation, oldest first, and tries to send it at once', () => {
    const a = outbox.add('u:2', 'one');
    const b = outbox.add('u:2', 'two');
    const c = outbox.add('g:7', 'team');
    expect(outbox.pending()['u:2'].map((p) => p.body)).toEqual(['one', 'two']);
    expect(outbox.pending()['g:7'].map((p) => p.key)).toEqual(['g:7']);
    expect(ids()).toEqual([a.clientMsgId, b.clientMsgId, c.clientMsgId]);
    expect(new Set(ids()).size).toBe(3);
    expect(outbox.get('u:2', b.clientMsgId)?.body).toBe('two');
    expect(outbox.get('g:7', b.clientMsgId)).toBeUndefined();
  });

  it('resends every message not refused, each with its first clientMsgId', () => {
    const a = outbox.add('u:2', 'one');
    const b = outbox.add('g:7', 'two');
    const c = outbox.add('u:3', 'refused');
    outbox.refuse(c.clientMsgId, 'forbidden');
    sent = [];
    outbox.resendAll();
    expect(ids().sort()).toEqual([a.clientMsgId, b.clientMsgId].sort());
    expect(sent.map((p) => p.body).sort()).toEqual(['one', 'two']);
  });

  it('take removes what an ack answers, whatever its conversation', () => {
    const a = outbox.add('g:7', 'team');
    expect(outbox.take(a.clientMsgId)?.key).toBe('g:7');
    expect(outbox.pending()['g:7']).toEqual([]);
    expect(outbox.take(a.clientMsgId)).toBeUndefined();
  });

  it('records refusals, and a retry clears the mark and sends the same clientMsgId', () => {
    const a = outbox.add('u:9', 'not a friend');
    outbox.refuse(a.clientMsgId, 'forbidden');
    expect(outbox.get('u:9', a.clientMsgId)?.failed).toBe('forbidden');
    const b = outbox.add('u:9', 'via rest');
    outbox.markFailed('u:9', b.clientMsgId, 'rate_limited');
    expect(outbox.get('u:9', b.clientMsgId)?.failed).toBe('rate_limited');
    sent = [];
    outbox.retry('u:9', a.clientMsgId);
    expect(ids()).toEqual([a.clientMsgId]);
    expect(outbox.get('u:9', a.clientMsgId)?.failed).toBeUndefined();
    outbox.retry('u:9', 'no such id');
    expect(sent.length).toBe(1);
  });

  it('settles a message delivered another way or discarded, and forgets all on clear', () => {
    const a = outbox.add('u:2', 'one');
    const b = outbox.add('u:2', 'two');
    outbox.settle('u:2', a.clientMsgId);
    outbox.settle('u:3', b.clientMsgId);
    expect(outbox.pending()['u:2'].map((p) => p.body)).toEqual(['two']);
    outbox.clear();
    expect(outbox.pending()).toEqual({});
  });
});
