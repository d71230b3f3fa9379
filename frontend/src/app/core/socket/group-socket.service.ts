import { Injectable } from '@angular/core';
import { ConversationRef, Message } from '../api/models';
import { ChatSocketBase, groupKey } from './chat-socket.base';

/** GroupSocketService owns /ws/group: one room per group, conversations named by group id. */
@Injectable({ providedIn: 'root' })
export class GroupSocketService extends ChatSocketBase {
  protected readonly path = '/ws/group';

  protected target(key: string): Record<string, number> | null {
    return key.startsWith('g:') ? { groupId: Number(key.slice(2)) } : null;
  }

  protected guessKey(message: Message): string | null {
    return message.conversation?.type === 'group' ? groupKey(message.conversation.id) : null;
  }

  protected eventKey(data: { groupId?: number; conversation?: ConversationRef }): string | null {
    if (data.groupId) return groupKey(Number(data.groupId));
    if (data.conversation?.type === 'group') return groupKey(data.conversation.id);
    return null;
  }
}
