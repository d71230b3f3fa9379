import { Injectable, inject, signal } from '@angular/core';
import { Message } from '../api/models';
import { ConversationKey } from './conversation-key';
import { ChatHistory } from './history';
import { ChatSockets } from './socket/chat-sockets';

/** A message to bring into view and highlight. */
export interface JumpRequest {
  key: ConversationKey;
  seq: number;
  /** Distinguishes two jumps to the same message. */
  at: number;
}

/**
 * ReplyAndJump holds the message each composer answers (its quote strip) and the message to bring into view
 * (a search hit, a quoted original). A message already loaded is shown where it is; any other is reached in
 * one request, the history page around it (ChatHistory.loadAround), never by paging back to it.
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

  /** load makes sure seq is loaded: the latest page first, else the page around it; false when it cannot be. */
  async load(key: ConversationKey, seq: number): Promise<boolean> {
    await this.history.loadLatest(key);
    if (this.holds(key, seq)) return true;
    // No latest page: it failed, or the conversation was left while it loaded (ChatHistory.leave dropped it).
    // An around page now would leave an old window for its next visit, which must open at the latest messages.
    if (!this.history.of(key).loaded) return false;
    await this.history.loadAround(key, seq);
    return this.holds(key, seq);
  }

  /** leave drops the jump into a conversation taken off screen: it was for that visit, not the next one. */
  leave(key: ConversationKey): void {
    if (this.jumpState()?.key === key) this.jumpState.set(null);
  }

  private holds(key: ConversationKey, seq: number): boolean {
    return this.sockets.messages(key).some((m) => m.seq === seq);
  }

  reset(): void {
    this.replies.set({});
    this.jumpState.set(null);
  }
}
