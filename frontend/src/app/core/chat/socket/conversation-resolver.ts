import { ConversationRef, Message } from '../../api/models';
import { ConversationKey } from '../conversation-key';

function refId(ref: ConversationRef): string {
  return `${ref.type}:${ref.id}`;
}

/**
 * ConversationResolver maps the server's conversations (`{type: "private", id: 12}`) to our keys (`u:5`),
 * learning from REST lists, history pages and acks. A message it cannot place yet (our own, sent from another
 * device, in a private conversation we have not listed) waits here until the conversation is learned.
 */
export class ConversationResolver {
  private readonly keys = new Map<string, ConversationKey>();
  private held: Message[] = [];

  learn(ref: ConversationRef, key: ConversationKey): void {
    this.keys.set(refId(ref), key);
  }

  keyOf(ref: ConversationRef | undefined): ConversationKey | null {
    return ref ? (this.keys.get(refId(ref)) ?? null) : null;
  }

  /** resolve places a message: its conversation's known key, else the guess (then remembered). */
  resolve(message: Message, guess: ConversationKey | null): ConversationKey | null {
    const known = this.keyOf(message.conversation);
    if (known) return known;
    if (guess) this.learn(message.conversation, guess);
    return guess;
  }

  /** hold keeps a message until its conversation is learned. */
  hold(message: Message): void {
    this.held.push(message);
  }

  /** release hands back (and forgets) the held messages of a conversation. */
  release(ref: ConversationRef): Message[] {
    const id = refId(ref);
    const out = this.held.filter((m) => refId(m.conversation) === id);
    if (out.length > 0) this.held = this.held.filter((m) => refId(m.conversation) !== id);
    return out;
  }

  clear(): void {
    this.keys.clear();
    this.held = [];
  }
}
