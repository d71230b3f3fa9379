import { DestroyRef, Injectable, inject, signal } from '@angular/core';

/** Steps of a relative time: the largest unit that fits, counted down (5 min 59 s is "5 minutes ago"). */
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * relativeTime says how long ago `iso` was at `now` (ms), in the locale's words through Intl.RelativeTimeFormat
 * ("5 minutes ago", "il y a 5 minutes", "yesterday", "hier"); null for less than a minute ago (or a time a little
 * ahead, clocks differ), for which callers say "just now"; null too for a missing or unreadable time.
 */
export function relativeTime(iso: string | null | undefined, now: number, locale: string): string | null {
  const then = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(then)) return null;
  const seconds = Math.floor((now - then) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return format.format(-Math.floor(seconds / size), unit);
  }
  return null;
}

/** How often Clock ticks: relative times count in minutes. */
export const CLOCK_TICK_MS = 60_000;

/** Clock is the current time as a signal, ticking every minute, so that "5 minutes ago" becomes "6 minutes ago". */
@Injectable({ providedIn: 'root' })
export class Clock {
  private readonly nowState = signal(Date.now());
  /** The time (ms) at the last tick. */
  readonly now = this.nowState.asReadonly();

  constructor() {
    const timer = setInterval(() => this.nowState.set(Date.now()), CLOCK_TICK_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }
}
