import { Injectable } from '@angular/core';
import { groupKey } from '../conversation-key';
import { ChatSocket, SocketKind } from './chat-socket';

/** /ws/group: one room per group, conversations named by group id. */
export const GROUP_SOCKET: SocketKind = {
  path: '/ws/group',
  kind: 'g',
  field: 'groupId',
  guessKey: (message) => (message.conversation?.type === 'group' ? groupKey(message.conversation.id) : null),
  eventKey: (data) => {
    if (data.groupId) return groupKey(Number(data.groupId));
    if (data.conversation?.type === 'group') return groupKey(data.conversation.id);
    return null;
  },
};

/** GroupSocketService owns /ws/group. */
@Injectable({ providedIn: 'root' })
export class GroupSocketService extends ChatSocket {
  constructor() {
    super(GROUP_SOCKET);
  }
}
