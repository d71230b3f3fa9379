import { SearchHit } from '../../core/api/models';
import { ConversationKey, groupKey, privateKey } from '../../core/chat/conversation-key';

/** Hits of one conversation, in the server's order (newest first). */
export interface HitGroup {
  key: ConversationKey;
  hits: SearchHit[];
}

/**
 * groupHits groups search hits by conversation, the conversations in the order of their newest hit. A private
 * hit names its conversation by the server's id: `peerOf` gives the peer (null: unknown, then the sender when
 * it is not me); a hit whose conversation cannot be named is left out.
 */
export function groupHits(hits: readonly SearchHit[], me: number, peerOf: (conversationId: number) => number | null): HitGroup[] {
  const groups = new Map<ConversationKey, SearchHit[]>();
  for (const h of hits) {
    const c = h.message.conversation;
    let key: ConversationKey | null = null;
    if (c.type === 'group') key = groupKey(c.id);
    else {
      const peer = peerOf(c.id) ?? (h.message.senderId !== me ? h.message.senderId : null);
      if (peer) key = privateKey(peer);
    }
    if (!key) continue;
    const list = groups.get(key) ?? [];
    list.push(h);
    groups.set(key, list);
  }
  return [...groups.entries()].map(([key, list]) => ({ key, hits: list }));
}
