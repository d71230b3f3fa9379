import { Injectable, inject } from '@angular/core';
import { Message } from '../../api/models';
import { ConversationKey, isGroupKey } from '../conversation-key';
import { ChatSocket } from './chat-socket';
import { GroupSocketService } from './group-socket.service';
import { PendingMessage } from './outbox';
import { PrivateSocketService } from './private-socket.service';

/** ChatSockets is the pair of sockets, and picks the one that carries a conversation. */
@Injectable({ providedIn: 'root' })
export class ChatSockets {
  readonly privateSocket = inject(PrivateSocketService);
  readonly groupSocket = inject(GroupSocketService);

  /** for is the socket of a conversation's kind. */
  for(key: ConversationKey): ChatSocket {
    return isGroupKey(key) ? this.groupSocket : this.privateSocket;
  }

  /** messages: a conversation's confirmed messages, ascending seq. */
  messages(key: ConversationKey): Message[] {
    return this.for(key).messages()[key] ?? [];
  }

  /** pending: a conversation's unacknowledged messages, oldest first. */
  pending(key: ConversationKey): PendingMessage[] {
    return this.for(key).pending()[key] ?? [];
  }

  /** presence: what the sockets last said of a user (friends on one, co-members on the other). */
  presence(userId: number): 'online' | 'offline' | undefined {
    return this.privateSocket.presence()[userId] ?? this.groupSocket.presence()[userId];
  }

  /** lastSeen: when the sockets last said a user was seen (RFC 3339), if they said. */
  lastSeen(userId: number): string | undefined {
    return this.privateSocket.lastSeen()[userId] ?? this.groupSocket.lastSeen()[userId];
  }

  start(): void {
    this.privateSocket.start();
    this.groupSocket.start();
  }

  stop(): void {
    this.privateSocket.stop();
    this.groupSocket.stop();
  }
}
