import { signal } from '@angular/core';
import { ConversationKey } from '../conversation-key';

/** How long a typing indicator lasts without a new `typing` event (the sender repeats it every ~3 s). */
export const TYPING_TTL_MS = 5_000;

/** TypingTracker knows who is typing where, each mark expiring TYPING_TTL_MS after the last `typing` event. */
export class TypingTracker {
  private readonly state = signal<Record<ConversationKey, Record<number, number>>>({});
  /** Who is typing: key → userId → expiry time (ms). */
  readonly typing = this.state.asReadonly();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** saw records a `typing` event from a user in a conversation. */
  saw(key: ConversationKey, userId: number): void {
    const expires = Date.now() + TYPING_TTL_MS;
    this.state.update((all) => ({ ...all, [key]: { ...(all[key] ?? {}), [userId]: expires } }));
    const timer = `${key}|${userId}`;
    const old = this.timers.get(timer);
    if (old) clearTimeout(old);
    this.timers.set(timer, setTimeout(() => this.stopped(key, userId), TYPING_TTL_MS));
  }

  /** stopped removes a user's mark (expired, or their message arrived). */
  stopped(key: ConversationKey, userId: number): void {
    const timer = `${key}|${userId}`;
    const t = this.timers.get(timer);
    if (t) clearTimeout(t);
    this.timers.delete(timer);
    const current = this.state()[key];
    if (!current || !(userId in current)) return;
    const { [userId]: _gone, ...rest } = current;
    this.state.update((all) => ({ ...all, [key]: rest }));
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.state.set({});
  }
}
