import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { apiError } from '../api/api-paths';
import { Message, SendExtras } from '../api/models';
import { ChatActivity } from './chat-activity';
import { ChatService } from './chat.service';
import { ChatHistory } from './history';
import { Conversations } from './conversations';
import { ConversationKey } from './conversation-key';
import { ChatSockets } from './socket/chat-sockets';

/** How long a message may wait for the socket before it also goes through REST. */
export const SEND_FALLBACK_MS = 4000;
/** Then how often to try again while it stays pending. */
export const SEND_FALLBACK_RETRY_MS = 10_000;

/** MessageSender writes messages: send (socket, with a REST fallback), retry, discard, edit, delete. */
@Injectable({ providedIn: 'root' })
export class MessageSender {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly conversations = inject(Conversations);
  private readonly activity = inject(ChatActivity);
  private readonly history = inject(ChatHistory);
  private readonly fallbackTimers = new Set<ReturnType<typeof setTimeout>>();
  private running = false;

  /** start lets the REST fallback run (the session is open). */
  start(): void {
    this.running = true;
  }

  /**
   * send: optimistic, through the socket, resent on reconnect until acknowledged. While the socket stays
   * down (a proxy that blocks WebSockets, a server restart), the same message goes through REST with the same
   * clientMsgId, so whichever path arrives first wins and the server never stores it twice.
   * Nothing goes into a read-only conversation.
   */
  send(key: ConversationKey, body: string, extras: SendExtras = {}): void {
    const text = body.trim();
    if ((!text && !extras.attachmentIds?.length) || this.conversations.readOnly(key)) return;
    // Written under an old window (a search hit), the message shows with the latest ones, so go there.
    if (this.history.of(key).hasNewer) void this.history.backToLatest(key);
    const clientMsgId = this.sockets.for(key).send(key, text, extras);
    this.activity.sent(key);
    this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_MS);
  }

  /** retry sends a refused message again with its clientMsgId. */
  retry(key: ConversationKey, clientMsgId: string): void {
    this.sockets.for(key).retry(key, clientMsgId);
  }

  /** discard drops a refused message. */
  discard(key: ConversationKey, clientMsgId: string): void {
    this.sockets.for(key).discard(key, clientMsgId);
  }

  async edit(key: ConversationKey, message: Message, body: string): Promise<boolean> {
    if (!body.trim()) return false;
    try {
      const updated = await firstValueFrom(this.api.editMessage(key, message.id, body.trim()));
      if (updated && typeof updated.id === 'number') this.sockets.for(key).upsert(key, updated);
      return true;
    } catch {
      return false;
    }
  }

  async remove(key: ConversationKey, message: Message): Promise<boolean> {
    try {
      await firstValueFrom(this.api.deleteMessage(key, message.id));
      this.sockets.for(key).upsert(key, { ...message, deleted: true, body: '' });
      return true;
    } catch {
      return false;
    }
  }

  /** toggleReaction puts my emoji on the message, or takes it off when it is there; false when refused. */
  async toggleReaction(key: ConversationKey, message: Message, emoji: string): Promise<boolean> {
    const on = !(message.reactions ?? []).some((r) => r.emoji === emoji && r.me);
    try {
      await firstValueFrom(this.api.react(key, message.id, emoji, on));
      this.sockets.for(key).applyOwnReaction(message.id, emoji, on);
      return true;
    } catch {
      return false;
    }
  }

  /** reset stops every fallback (sign-out). */
  reset(): void {
    this.running = false;
    for (const t of this.fallbackTimers) clearTimeout(t);
    this.fallbackTimers.clear();
  }

  private scheduleRestFallback(key: ConversationKey, clientMsgId: string, delay: number): void {
    const timer = setTimeout(() => {
      this.fallbackTimers.delete(timer);
      void this.restFallback(key, clientMsgId);
    }, delay);
    this.fallbackTimers.add(timer);
  }

  private async restFallback(key: ConversationKey, clientMsgId: string): Promise<void> {
    const socket = this.sockets.for(key);
    const pending = socket.pendingMessage(key, clientMsgId);
    if (!pending || pending.failed || !this.running) return;
    if (socket.isOpen()) {
      // Connected but still no ack: check again later; the socket resends after any reconnect.
      this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_RETRY_MS);
      return;
    }
    try {
      const message = await firstValueFrom(this.api.send(key, pending.body, clientMsgId, { replyToId: pending.replyToId, attachmentIds: pending.attachmentIds }));
      if (message && typeof message.id === 'number') socket.confirm(key, clientMsgId, message);
    } catch (err) {
      const e = apiError(err);
      const refused = e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 408 && e.status !== 429;
      if (refused) socket.markFailed(key, clientMsgId, e.code);
      else if (this.running) this.scheduleRestFallback(key, clientMsgId, SEND_FALLBACK_RETRY_MS);
    }
  }
}
