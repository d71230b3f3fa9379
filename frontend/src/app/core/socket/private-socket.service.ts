import { Injectable } from '@angular/core';
import { ConversationRef, Message } from '../api/models';
import { ConversationKey, idOf, isPrivateKey, privateKey } from '../chat/conversation-key';
import { ChatSocketBase } from './chat-socket.base';

/** PrivateSocketService owns /ws/private: one-to-one conversations, named by the peer's user id. */
@Injectable({ providedIn: 'root' })
export class PrivateSocketService extends ChatSocketBase {
  protected socketPath(): string {
    return '/ws/private';
  }

  protected target(key: ConversationKey): Record<string, number> | null {
    return isPrivateKey(key) ? { toUserId: idOf(key) } : null;
  }

  protected guessKey(message: Message): ConversationKey | null {
    const me = this.auth.user()?.id;
    // Someone else's message: the conversation is with them. Our own from elsewhere: ask the store.
    return message.senderId !== me ? privateKey(message.senderId) : null;
  }

  protected eventKey(data: { userId?: number; toUserId?: number; conversation?: ConversationRef }): ConversationKey | null {
    const me = this.auth.user()?.id;
    if (data.userId && data.userId !== me) return privateKey(data.userId);
    // Our own read mark from another device: find the conversation.
    return this.keyOfConversation(data.conversation);
  }
}
