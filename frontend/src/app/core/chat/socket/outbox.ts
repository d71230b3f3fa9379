import { signal } from '@angular/core';
import { newId } from '../../util/id';
import { ConversationKey } from '../conversation-key';
import { SendExtras, sendExtras } from '../../api/models';

/** A message sent but not yet acknowledged: shown with a pending mark, resent on reconnect. */
export interface PendingMessage {
  clientMsgId: string;
  key: ConversationKey;
  body: string;
  /** Uploads sent with the message (their ids), if any. */
  attachmentIds?: number[];
  createdAt: string;
  /** The message it answers, if any. */
  replyToId?: number;
  /** The error code when the server refused it (no automatic resend then). */
  failed?: string;
}

/**
 * Outbox keeps the messages the server has not acknowledged yet, per conversation, oldest first. Each keeps
 * the clientMsgId it got when written: every resend (after a reconnect and its sync, or by hand after a
 * refusal) uses it again, so the server answers a duplicate with the first message and never stores two.
 * `transmit` writes one message frame when it can; the outbox does not care whether it could.
 */
export class Outbox {
  private readonly state = signal<Record<ConversationKey, PendingMessage[]>>({});
  /** Unacknowledged messages per conversation, oldest first. */
  readonly pending = this.state.asReadonly();

  constructor(private readonly transmit: (p: PendingMessage) => void) {}

  /** add queues a new message (optimistic) and tries to send it at once. */
  add(key: ConversationKey, body: string, extras: SendExtras = {}): PendingMessage {
    const p: PendingMessage = { clientMsgId: newId(), key, body, createdAt: new Date().toISOString(), ...sendExtras(extras) };
    this.state.update((all) => ({ ...all, [key]: [...(all[key] ?? []), p] }));
    this.transmit(p);
    return p;
  }

  /** get finds an unacknowledged message. */
  get(key: ConversationKey, clientMsgId: string): PendingMessage | undefined {
    return (this.state()[key] ?? []).find((p) => p.clientMsgId === clientMsgId);
  }

  /** retry sends a refused message again, with its clientMsgId. */
  retry(key: ConversationKey, clientMsgId: string): void {
    const p = this.get(key, clientMsgId);
    if (!p) return;
    const again = { ...p, failed: undefined };
    this.replace(key, clientMsgId, again);
    this.transmit(again);
  }

  /** resendAll sends every message not refused again (after a reconnect, once the sync is asked for). */
  resendAll(): void {
    for (const list of Object.values(this.state())) {
      for (const p of list) if (!p.failed) this.transmit(p);
    }
  }

  /** take removes the message a frame id (its clientMsgId) answers, in whatever conversation; returns it. */
  take(clientMsgId: string): PendingMessage | undefined {
    const p = this.find(clientMsgId);
    if (p) this.replace(p.key, clientMsgId, null);
    return p;
  }

  /** settle removes a message that arrived another way (REST, an echo) or that the user discarded. */
  settle(key: ConversationKey, clientMsgId: string): void {
    if (this.get(key, clientMsgId)) this.replace(key, clientMsgId, null);
  }

  /** refuse records the server's refusal of the message a frame id answers (no automatic resend then). */
  refuse(clientMsgId: string, code: string): void {
    const p = this.find(clientMsgId);
    if (p) this.replace(p.key, clientMsgId, { ...p, failed: code });
  }

  /** markFailed records a refusal that came another way (the REST fallback). */
  markFailed(key: ConversationKey, clientMsgId: string, code: string): void {
    const p = this.get(key, clientMsgId);
    if (p) this.replace(key, clientMsgId, { ...p, failed: code });
  }

  clear(): void {
    this.state.set({});
  }

  private find(clientMsgId: string): PendingMessage | undefined {
    for (const list of Object.values(this.state())) {
      const p = list.find((x) => x.clientMsgId === clientMsgId);
      if (p) return p;
    }
    return undefined;
  }

  private replace(key: ConversationKey, clientMsgId: string, next: PendingMessage | null): void {
    this.state.update((all) => {
      const list = all[key] ?? [];
      const updated = next
        ? list.map((p) => (p.clientMsgId === clientMsgId ? next : p))
        : list.filter((p) => p.clientMsgId !== clientMsgId);
      return { ...all, [key]: updated };
    });
  }
}
