import { TYPING_TTL_MS, TypingTracker } from './typing-tracker';

describe('TypingTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const who = (t: TypingTracker, key: 'u:2' | 'g:7') => Object.keys(t.typing()[key] ?? {});

  it('shows a typing user until the mark expires, each new event extending it', () => {
    const t = new TypingTracker();
    t.saw('g:7', 2);
    vi.advanceTimersByTime(TYPING_TTL_MS - 1000);
    t.saw('g:7', 2);
    t.saw('g:7', 3);
    vi.advanceTimersByTime(TYPING_TTL_MS - 1);
    expect(who(t, 'g:7')).toEqual(['2', '3']);
    expect(t.typing()['g:7'][2]).toBe(Date.now() + 1);
    vi.advanceTimersByTime(1);
    expect(who(t, 'g:7')).toEqual([]);
  });

  it('drops one mark at once when that user stops (their message arrived), and all on clear', () => {
    const t = new TypingTracker();
    t.saw('u:2', 2);
    t.saw('g:7', 2);
    t.stopped('u:2', 2);
    t.stopped('u:2', 9);
    expect(who(t, 'u:2')).toEqual([]);
    expect(who(t, 'g:7')).toEqual(['2']);
    t.clear();
    expect(t.typing()).toEqual({});
    vi.advanceTimersByTime(TYPING_TTL_MS);
    expect(t.typing()).toEqual({});
  });
});
