import { Reaction } from '../../api/models';
import { nextReactions } from './chat-socket';

describe('nextReactions', () => {
  const bar: Reaction[] = [{ emoji: '👍', count: 2, me: false }];

  it('counts another user in or out, and drops an emoji nobody uses', () => {
    expect(nextReactions(bar, '👍', true, false)).toEqual([{ emoji: '👍', count: 3, me: false }]);
    expect(nextReactions(bar, '🎉', true, false)).toEqual([...bar, { emoji: '🎉', count: 1, me: false }]);
    expect(nextReactions([{ emoji: '🎉', count: 1, me: false }], '🎉', false, false)).toEqual([]);
  });

  it('counts my own reaction once, whether the REST answer or the socket event comes first', () => {
    const once = nextReactions(bar, '👍', true, true);
    expect(once).toEqual([{ emoji: '👍', count: 3, me: true }]);
    expect(nextReactions(once, '👍', true, true)).toEqual(once);
    const back = nextReactions(once, '👍', false, true);
    expect(back).toEqual([{ emoji: '👍', count: 2, me: false }]);
    expect(nextReactions(back, '👍', false, true)).toEqual(back);
  });
});
