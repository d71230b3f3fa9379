import { Injectable } from '@angular/core';
import { privateKey } from '../conversation-key';
import { ChatSocket, SocketKind } from './chat-socket';

/** /ws/private: one-to-one conversations, named by the peer's user id. */
export const PRIVATE_SOCKET: SocketKind = {
  path: '/ws/private',
  kind: 'u',
  field: 'toUserId',
  // Someone else's message: the conversation is with them. Our own from elsewhere: wait for the store.
  guessKey: (message, me) => (message.senderId !== me ? privateKey(message.senderId) : null),
  // Someone else's typing or read mark names them; our own read mark from another device names the conversation.
  eventKey: (data, me, known) => (data.userId && data.userId !== me ? privateKey(data.userId) : known(data.conversation)),
};

/** PrivateSocketService owns /ws/private. */
@Injectable({ providedIn: 'root' })
export class PrivateSocketService extends ChatSocket {
  constructor() {
    super(PRIVATE_SOCKET);
  }
}
