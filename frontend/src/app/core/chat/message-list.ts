import { signal } from '@angular/core';
import { Message } from '../api/models';
import { timeOf } from '../util/time';
import { ConversationKey } from './conversation-key';

/** Which copy of the same message to keep: a deletion or a later edit wins, otherwise the one we have. */
function preferred(have: Message, incoming: Message): Message {
  if (have.deleted) return have;
  if (incoming.deleted) return incoming;
  // An edit pushed to everyone carries the editor's view of the reactions: keep ours.
  if (timeOf(incoming.editedAt) > timeOf(have.editedAt)) return have.reactions ? { ...incoming, reactions: have.reactions } : incoming;
  return have;
}

/** mergeMessages adds messages to a list, dropping duplicates by id and ordering by seq (never by arrival). */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map<number, Message>();
  for (const m of list) byId.set(m.id, m);
  for (const m of incoming) {
    const have = byId.get(m.id);
    byId.set(m.id, have ? preferred(have, m) : m);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq || a.id - b.id);
}

/** contiguousTop is the highest seq reached from the oldest loaded message without a gap. */
export function contiguousTop(list: readonly Message[]): number {
  if (list.length === 0) return 0;
  let top = list[0].seq;
  for (let i = 1; i < list.length; i++) {
    if (list[i].seq === top) continue;
    if (list[i].seq !== top + 1) break;
    top = list[i].seq;
  }
  return top;
}

/**
 * missingBelow tells whether a live message with this seq leaves a hole above what we hold: then the answer is
 * the seq to sync after; null when nothing is missing (or when we hold nothing: history loads on open).
 */
export function missingBelow(list: readonly Message[], seq: number): number | null {
  if (list.length === 0) return null;
  const top = contiguousTop(list);
  return seq > top + 1 ? top : null;
}

/**
 * MessageLists holds the confirmed messages of every conversation of one socket, as a signal: each list in
 * ascending seq, no duplicates, whatever mix of live frames, sync replays and REST pages fed it.
 *
 * A list is normally attached: it runs without a gap up to the newest message, and live messages extend it.
 * A list replaced by an old window (a search hit's `around` page) is detached: newer messages exist that it
 * does not hold, so a live message would leave a hole; it must not be glued on, nor start a `sync` of all
 * that lies between. Paging newer (`after`) reaches the end and attaches it again.
 */
export class MessageLists {
  private readonly state = signal<Record<ConversationKey, Message[]>>({});
  private readonly detachedState = signal<Record<ConversationKey, true>>({});
  /** Every conversation's messages. */
  readonly all = this.state.asReadonly();
  /** The conversations whose list is an old window, with newer messages not held. */
  readonly detached = this.detachedState.asReadonly();

  /** of is one conversation's messages (empty when none). */
  of(key: ConversationKey): readonly Message[] {
    return this.state()[key] ?? [];
  }

  has(key: ConversationKey, messageId: number): boolean {
    return this.of(key).some((m) => m.id === messageId);
  }

  /** keys lists the conversations we hold messages of. */
  keys(): ConversationKey[] {
    return Object.keys(this.state()) as ConversationKey[];
  }

  merge(key: ConversationKey, incoming: readonly Message[]): void {
    if (incoming.length === 0) return;
    this.state.update((all) => ({ ...all, [key]: mergeMessages(all[key] ?? [], incoming) }));
  }

  /** isDetached tells whether a conversation's list stops short of its newest messages (see the class). */
  isDetached(key: ConversationKey): boolean {
    return !!this.detachedState()[key];
  }

  /**
   * replace puts a window in place of what a conversation held (the `around` page of an old message);
   * detached says that newer messages exist beyond it.
   */
  replace(key: ConversationKey, messages: readonly Message[], detached: boolean): void {
    this.state.update((all) => ({ ...all, [key]: mergeMessages([], messages) }));
    this.setDetached(key, detached);
  }

  /** forget drops a conversation's list and its detached mark, as if nothing of it had been loaded. */
  forget(key: ConversationKey): void {
    if (key in this.state()) {
      this.state.update((all) => {
        const next = { ...all };
        delete next[key];
        return next;
      });
    }
    this.setDetached(key, false);
  }

  /** attach marks a conversation's list as reaching its newest message again. */
  attach(key: ConversationKey): void {
    this.setDetached(key, false);
  }

  private setDetached(key: ConversationKey, detached: boolean): void {
    if (this.isDetached(key) === detached) return;
    this.detachedState.update((all) => {
      const next = { ...all };
      if (detached) next[key] = true;
      else delete next[key];
      return next;
    });
  }

  /** patch replaces one message, wherever it is held, by fn of it (a reaction changed). */
  patch(messageId: number, fn: (m: Message) => Message): void {
    this.state.update((all) => {
      let changed = false;
      const next: Record<ConversationKey, Message[]> = {};
      for (const [key, list] of Object.entries(all) as [ConversationKey, Message[]][]) {
        const i = list.findIndex((m) => m.id === messageId);
        if (i < 0) {
          next[key] = list;
          continue;
        }
        changed = true;
        next[key] = [...list.slice(0, i), fn(list[i]), ...list.slice(i + 1)];
      }
      return changed ? next : all;
    });
  }

  /** lastSeq is the highest seq held without a gap (0: none): where a `sync` starts from. */
  lastSeq(key: ConversationKey): number {
    return contiguousTop(this.of(key));
  }

  clear(): void {
    this.state.set({});
    this.detachedState.set({});
  }
}
