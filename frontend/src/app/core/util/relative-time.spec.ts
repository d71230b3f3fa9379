import { TestBed } from '@angular/core/testing';
import { CLOCK_TICK_MS, Clock, relativeTime } from './relative-time';

describe('relativeTime', () => {
  const now = Date.parse('2026-06-15T12:00:00Z');
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it('says how long ago, in the largest unit that fits, counted down, in English and French', () => {
    const cases: [number, string, string][] = [
      [60, '1 minute ago', 'il y a 1 minute'],
      [5 * 60 + 59, '5 minutes ago', 'il y a 5 minutes'],
      [3 * 3600 + 120, '3 hours ago', 'il y a 3 heures'],
      [26 * 3600, 'yesterday', 'hier'],
      [3 * 86400, '3 days ago', 'il y a 3 jours'],
      [15 * 86400, '2 weeks ago', 'il y a 2 semaines'],
      [65 * 86400, '2 months ago', 'il y a 2 mois'],
      [800 * 86400, '2 years ago', 'il y a 2 ans'],
    ];
    for (const [seconds, en, fr] of cases) {
      expect([relativeTime(ago(seconds), now, 'en-GB'), relativeTime(ago(seconds), now, 'fr-FR')]).toEqual([en, fr]);
    }
  });

  it('is null under a minute, slightly in the future (clocks differ), and for a missing or bad time', () => {
    expect([ago(0), ago(59), ago(-30), null, undefined, 'yesterday'].map((t) => relativeTime(t, now, 'en-GB'))).toEqual([
      null, null, null, null, null, null,
    ]);
  });
});

describe('Clock', () => {
  afterEach(() => vi.useRealTimers());

  it('ticks every minute', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-06-15T12:00:00Z'));
    const clock = TestBed.inject(Clock);
    const start = clock.now();
    vi.advanceTimersByTime(CLOCK_TICK_MS - 1);
    expect(clock.now()).toBe(start);
    vi.advanceTimersByTime(1);
    expect(clock.now()).toBe(start + CLOCK_TICK_MS);
    TestBed.resetTestingModule(); // the clock's timer stops with its injector
    vi.advanceTimersByTime(CLOCK_TICK_MS);
    expect(clock.now()).toBe(start + CLOCK_TICK_MS);
  });
});
