import { Injectable, signal } from '@angular/core';
import { readUserItem, writeUserItem } from '../util/user-storage';
import { ConversationKey, parseKey } from './conversation-key';

/** The localStorage item (per user, see user-storage.ts) holding the drafts. */
export const DRAFTS_ITEM = 'drafts';
/** Most drafts kept: the ones written to last stay (a few KiB each at most, far below the storage quota). */
export const MAX_DRAFTS = 100;

/** readDrafts reads a user's stored drafts, dropping anything that is not a key → text pair. */
function readDrafts(userId: number): Record<ConversationKey, string> {
  const out: Record<ConversationKey, string> = {};
  try {
    const raw: unknown = JSON.parse(readUserItem(userId, DRAFTS_ITEM) ?? '{}');
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw)) {
        const key = parseKey(k);
        if (key && typeof v === 'string' && v) out[key] = v;
      }
    }
  } catch {
    /* unreadable: no drafts */
  }
  return out;
}

/**
 * Drafts: what the user started writing in each conversation, kept while they look elsewhere and across
 * reloads, in localStorage under the signed-in user (load). A sent message clears its draft; sign-out erases
 * them (AuthService.logout → forgetUser); reset only forgets them in memory (the session stopped, maybe for
 * a reload or an expired session: the user finds them again at the next sign-in).
 */
@Injectable({ providedIn: 'root' })
export class Drafts {
  private readonly state = signal<Record<ConversationKey, string>>({});
  private owner: number | null = null;

  /** load takes the stored drafts of the user who signed in; from then on every change is stored. */
  load(userId: number): void {
    this.owner = userId;
    this.state.set(readDrafts(userId));
  }

  of(key: ConversationKey): string {
    return this.state()[key] ?? '';
  }

  /** set records a conversation's draft (the latest written last); an empty one is removed. */
  set(key: ConversationKey, text: string): void {
    this.state.update((d) => {
      const next = { ...d };
      delete next[key];
      if (text) next[key] = text;
      const keys = Object.keys(next) as ConversationKey[];
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete next[old];
      return next;
    });
    if (this.owner !== null) {
      const drafts = this.state();
      writeUserItem(this.owner, DRAFTS_ITEM, Object.keys(drafts).length ? JSON.stringify(drafts) : null);
    }
  }

  /** reset forgets the drafts in memory (what is stored stays for the user's next session). */
  reset(): void {
    this.owner = null;
    this.state.set({});
  }
}
