/**
 * What the app keeps in localStorage for one signed-in user (drafts, …) lives under `wc_u<id>:<name>`, so that
 * two people sharing a browser never see each other's, and sign-out erases all of it at once (forgetUser).
 * Storage may be unavailable (private mode, quota): reads answer null and writes are dropped.
 */
const PREFIX = 'wc_u';

/** userStorageKey is the localStorage key of one item of a user's. */
export function userStorageKey(userId: number, name: string): string {
  return `${PREFIX}${userId}:${name}`;
}

/** readUserItem reads one item of a user's; null when absent or unreadable. */
export function readUserItem(userId: number, name: string): string | null {
  try {
    return localStorage.getItem(userStorageKey(userId, name));
  } catch {
    return null;
  }
}

/** writeUserItem stores one item of a user's; null removes it. */
export function writeUserItem(userId: number, name: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(userStorageKey(userId, name));
    else localStorage.setItem(userStorageKey(userId, name), value);
  } catch {
    /* full or unavailable: the value lives in memory only */
  }
}

/** forgetUser erases everything stored for a user (sign-out). */
export function forgetUser(userId: number): void {
  try {
    const mine = `${PREFIX}${userId}:`;
    const keys: string[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k?.startsWith(mine)) keys.push(k);
    }
    for (const k of keys) localStorage.removeItem(k);
  } catch {
    /* unavailable: nothing was stored */
  }
}
