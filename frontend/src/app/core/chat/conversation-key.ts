/** The two kinds of conversation, spelled as in keys and routes (`/chat/u/5`, `/chat/g/3`). */
export type ConversationKind = 'u' | 'g';

/**
 * ConversationKey names one conversation everywhere in the app: `u:<peer user id>` for a private chat,
 * `g:<group id>` for a group. A private chat is keyed by its peer, not by the server's conversation id, because
 * the peer is what the app knows first (a friend we never wrote to has no conversation yet).
 * Keys are built and read only through the functions below.
 */
export type ConversationKey = `${ConversationKind}:${number}`;

/** privateKey is the key of the private chat with a user. */
export function privateKey(userId: number): ConversationKey {
  return `u:${userId}`;
}

/** groupKey is the key of a group's chat. */
export function groupKey(groupId: number): ConversationKey {
  return `g:${groupId}`;
}

/** conversationKey builds a key from its two parts. */
export function conversationKey(kind: ConversationKind, id: number): ConversationKey {
  return `${kind}:${id}`;
}

/** routeKey reads the `/chat/:kind/:id` parameters; null unless they name a conversation (positive integer id). */
export function routeKey(kind: string | null | undefined, id: string | number | null | undefined): ConversationKey | null {
  if (kind !== 'u' && kind !== 'g') return null;
  const n = typeof id === 'number' ? id : /^\d+$/.test(id ?? '') ? Number(id) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? conversationKey(kind, n) : null;
}

/** parseKey reads a key out of text (an attribute, a stored value); null unless it is a well-formed key. */
export function parseKey(text: string | null | undefined): ConversationKey | null {
  const m = /^([ug]):(\d+)$/.exec(text ?? '');
  return m ? routeKey(m[1], m[2]) : null;
}

/** kindOf tells a private chat ('u') from a group ('g'). */
export function kindOf(key: ConversationKey): ConversationKind {
  return key.charAt(0) === 'g' ? 'g' : 'u';
}

/** idOf is the peer's user id (private) or the group id (group). */
export function idOf(key: ConversationKey): number {
  return Number(key.slice(2));
}

export function isGroupKey(key: ConversationKey): boolean {
  return kindOf(key) === 'g';
}

export function isPrivateKey(key: ConversationKey): boolean {
  return kindOf(key) === 'u';
}
