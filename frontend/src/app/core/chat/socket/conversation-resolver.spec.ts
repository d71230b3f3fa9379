import { msg } from '../../testing/fakes';
import { ConversationResolver } from './conversation-resolver';

describe('ConversationResolver', () => {
  it('places a message by its learned conversation first, else by the guess it then remembers', () => {
    const r = new ConversationResolver();
    r.learn({ type: 'private', id: 100 }, 'u:2');
    expect(r.resolve(msg(1, 1, { conversation: { type: 'private', id: 100 } }), 'u:9')).toBe('u:2');
    expect(r.resolve(msg(2, 1, { conversation: { type: 'private', id: 101 } }), 'u:3')).toBe('u:3');
    expect(r.keyOf({ type: 'private', id: 101 })).toBe('u:3');
    expect(r.resolve(msg(3, 1, { conversation: { type: 'private', id: 102 } }), null)).toBeNull();
    expect(r.keyOf({ type: 'private', id: 102 })).toBeNull();
    expect(r.keyOf({ type: 'group', id: 100 })).toBeNull();
    expect(r.keyOf(undefined)).toBeNull();
  });

  it('holds messages until their conversation is known, then hands them back once', () => {
    const r = new ConversationResolver();
    r.hold(msg(1, 1, { conversation: { type: 'private', id: 555 } }));
    r.hold(msg(2, 1, { conversation: { type: 'private', id: 556 } }));
    r.hold(msg(3, 2, { conversation: { type: 'private', id: 555 } }));
    expect(r.release({ type: 'private', id: 555 }).map((m) => m.id)).toEqual([1, 3]);
    expect(r.release({ type: 'private', id: 555 })).toEqual([]);
    r.clear();
    expect(r.release({ type: 'private', id: 556 })).toEqual([]);
  });
});
