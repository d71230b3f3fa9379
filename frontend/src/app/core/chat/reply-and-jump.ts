import { Injectable, inject, signal } from '@angular/core';
import { Message } from '../api/models';
import { ConversationKey } from './conversation-key';
import { ChatHistory } from './history';
import { ChatSockets } from './socket/chat-sockets';

/** How many older pages a jump loads at most to reach a message (100 messages each). */
export const MAX_JUMP_PAGES = 50;

/** A message to bring into view and highlight. */
export interface JumpRequest {
  key: ConversationKey;
  seq: number;
  /** Distinguishes two jumps to the same message. */
  at: number;
}

/**
 * ReplyAndJump holds the message each composer answers (its quote strip) and the message to bring into view
 * (a search hit, a quoted original). A jump loads history until the message is there: pages upwards from what
 * is loaded, so the list never has a gap.
 */
@Injectable({ providedIn: 'root' })
export class ReplyAndJump {
  private readonly sockets = inject(ChatSockets);
  private readonly history = inject(ChatHistory);
  private readonly replies = signal<Record<ConversationKey, Message | null>>({});
  private readonly jumpState = signal<JumpRequest | null>(null);
  /** The latest jump asked for. */
  readonly jump = this.jumpState.asReadonly();

  replyingTo(key: ConversationKey): Message | null {
    return this.replies()[key] ?? null;
  }

  setReply(key: ConversationKey, m: Message | null): void {
    this.replies.update((r) => ({ ...r, [key]: m }));
  }

  /** jumpTo asks the pane of key to show seq. */
  jumpTo(key: ConversationKey, seq: number): void {
    this.jumpState.set({ key, seq, at: Date.now() });
  }

  /** load pages the history until seq is loaded; false when it cannot be reached. */
  async load(key: ConversationKey, seq: number): Promise<boolean> {
    await this.history.loadLatest(key);
    for (let i = 0; i < MAX_JUMP_PAGES; i++) {
      const oldest = this.sockets.messages(key)[0];
      if (oldest && oldest.seq <= seq) return true;
      if (!this.history.of(key).hasMore) return false;
      await this.history.loadOlder(key);
    }
    return false;
  }

  reset(): void {
    this.replies.set({});
    this.jumpState.set(null);
  }
}
