import { Injectable, signal } from '@angular/core';
import { ConversationKey } from './conversation-key';

/**
 * UnreadCounts: unread messages per conversation, as the server last said plus what arrived live since; and
 * the conversation on screen, which never counts any.
 */
@Injectable({ providedIn: 'root' })
export class UnreadCounts {
  private readonly counts = signal<Record<ConversationKey, number>>({});
  private readonly viewingState = signal<ConversationKey | null>(null);
  /** The conversation on screen. */
  readonly viewing = this.viewingState.asReadonly();

  /** of is a conversation's count; undefined when neither the server nor a live message told us. */
  of(key: ConversationKey): number | undefined {
    return this.counts()[key];
  }

  /** view puts a conversation on screen (its count drops to 0), or none. */
  view(key: ConversationKey | null): void {
    this.viewingState.set(key);
    if (key) this.clear(key);
  }

  /** fromServer takes the counts of a list the server answered (the one on screen stays at 0). */
  fromServer(counts: readonly (readonly [ConversationKey, number])[]): void {
    if (counts.length === 0) return;
    const viewing = this.viewingState();
    this.counts.update((all) => {
      const next = { ...all };
      for (const [key, n] of counts) next[key] = key === viewing ? 0 : n;
      return next;
    });
  }

  /** bump counts one more live message. */
  bump(key: ConversationKey): void {
    this.counts.update((all) => ({ ...all, [key]: (all[key] ?? 0) + 1 }));
  }

  clear(key: ConversationKey): void {
    this.counts.update((all) => ({ ...all, [key]: 0 }));
  }

  reset(): void {
    this.counts.set({});
    this.viewingState.set(null);
  }
}
