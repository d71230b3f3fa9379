import { Injectable, signal } from '@angular/core';
import { ConversationKey } from './conversation-key';

/** Drafts: what the user started writing in each conversation, kept while they look elsewhere. */
@Injectable({ providedIn: 'root' })
export class Drafts {
  private readonly state = signal<Record<ConversationKey, string>>({});

  of(key: ConversationKey): string {
    return this.state()[key] ?? '';
  }

  set(key: ConversationKey, text: string): void {
    this.state.update((d) => ({ ...d, [key]: text }));
  }

  reset(): void {
    this.state.set({});
  }
}
