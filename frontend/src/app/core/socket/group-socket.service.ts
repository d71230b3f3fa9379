import { Injectable } from '@angular/core';
import { ConversationRef, Message } from '../api/models';
import { ConversationKey, groupKey, idOf, isGroupKey } from '../chat/conversation-key';
import { ChatSocketBase } from './chat-socket.base';

/** GroupSocketService owns /ws/group: one room per group, conversations named by group id. */
@Injectable({ providedIn: 'root' })
export class GroupSocketService extends ChatSocketBase {
  protected socketPath(): string {
    return '/ws/group';
  }

  protected target(key: ConversationKey): Record<string, number> | null {
    return isGroupKey(key) ? { groupId: idOf(key) } : null;
  }

  protected guessKey(message: Message): ConversationKey | null {
    return message.conversation?.type === 'group' ? groupKey(message.conversation.id) : null;
  }

  protected eventKey(data: { groupId?: number; conversation?: ConversationRef }): ConversationKey | null {
    if (data.groupId) return groupKey(Number(data.groupId));
    if (data.conversation?.type === 'group') return groupKey(data.conversation.id);
    return null;
  }
}
