import { Injectable, inject } from '@angular/core';
import { AuthService } from '../auth/auth.service';
import { ChatService } from './chat.service';
import { Conversations } from './conversations';
import { ConversationKey } from './conversation-key';
import { ChatSockets } from './socket/chat-sockets';
import { UnreadCounts } from './unread-counts';

/** Send `typing` at most this often per conversation (server limit: 2 a second; receivers expire after 5 s). */
export const TYPING_THROTTLE_MS = 3000;

/** ChatActivity: typing indicators and read marks, both ways. */
@Injectable({ providedIn: 'root' })
export class ChatActivity {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly conversations = inject(Conversations);
  private readonly unread = inject(UnreadCounts);
  private readonly auth = inject(AuthService);
  private readonly lastReadSent = new Map<ConversationKey, number>();
  private readonly lastTypingSent = new Map<ConversationKey, number>();

  /** typing tells the others, at most every few seconds; never in a read-only conversation. */
  typing(key: ConversationKey): void {
    if (this.conversations.readOnly(key)) return;
    const now = Date.now();
    if (now - (this.lastTypingSent.get(key) ?? 0) < TYPING_THROTTLE_MS) return;
    this.lastTypingSent.set(key, now);
    this.sockets.for(key).sendTyping(key);
  }

  /** sent: a message went out, so the next keystroke says `typing` again at once. */
  sent(key: ConversationKey): void {
    this.lastTypingSent.delete(key);
  }

  /** typingUsers lists who types in a conversation now. */
  typingUsers(key: ConversationKey): number[] {
    const now = Date.now();
    const map = this.sockets.for(key).typing()[key] ?? {};
    return Object.entries(map)
      .filter(([, expires]) => expires > now)
      .map(([id]) => Number(id));
  }

  /** markRead stores the read mark up to the newest loaded message (socket, else REST), once per seq. */
  markRead(key: ConversationKey): void {
    const msgs = this.sockets.messages(key);
    const seq = msgs.length ? msgs[msgs.length - 1].seq : 0;
    if (!seq || (this.lastReadSent.get(key) ?? 0) >= seq) return;
    this.lastReadSent.set(key, seq);
    this.unread.clear(key);
    if (this.sockets.for(key).sendRead(key, seq)) return;
    this.api.markRead(key, seq).subscribe({ error: () => this.lastReadSent.delete(key) });
  }

  /** readSeq is the highest seq the other side has read (private) or anyone else has read (group). */
  readSeq(key: ConversationKey): number {
    const marks = this.sockets.for(key).reads()[key] ?? {};
    const me = this.auth.user()?.id;
    let best = 0;
    for (const [uid, seq] of Object.entries(marks)) if (Number(uid) !== me && seq > best) best = seq;
    return best;
  }

  reset(): void {
    this.lastReadSent.clear();
    this.lastTypingSent.clear();
  }
}
