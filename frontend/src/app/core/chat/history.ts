import { Injectable, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { ChatService } from './chat.service';
import { ConversationKey } from './conversation-key';
import { ChatSockets } from './socket/chat-sockets';

/** Paging state of one conversation's history. */
export interface HistoryState {
  loaded: boolean;
  loading: boolean;
  hasMore: boolean;
  error: boolean;
}

/** A history page. */
const PAGE_SIZE = 50;
const NOTHING_YET: HistoryState = { loaded: false, loading: false, hasMore: false, error: false };

/**
 * ChatHistory pages a conversation's history through REST: the latest page once, then upwards from the oldest
 * loaded message. Pages go into the socket's lists, where they merge with live messages without duplicates.
 */
@Injectable({ providedIn: 'root' })
export class ChatHistory {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly state = signal<Record<ConversationKey, HistoryState>>({});

  of(key: ConversationKey): HistoryState {
    return this.state()[key] ?? NOTHING_YET;
  }

  /** loadLatest loads a conversation's latest page, once. */
  async loadLatest(key: ConversationKey): Promise<void> {
    if (this.of(key).loaded || this.of(key).loading) return;
    await this.loadPage(key);
  }

  /** loadOlder fetches the page just below the oldest loaded message (?before=seq). */
  async loadOlder(key: ConversationKey): Promise<void> {
    const h = this.of(key);
    if (h.loading || !h.hasMore) return;
    const oldest = this.sockets.messages(key)[0];
    await this.loadPage(key, oldest?.seq);
  }

  reset(): void {
    this.state.set({});
  }

  private async loadPage(key: ConversationKey, before?: number): Promise<void> {
    this.patch(key, { loading: true, error: false });
    try {
      const page = await firstValueFrom(this.api.history(key, { before, limit: PAGE_SIZE }));
      this.sockets.for(key).ingest(key, page.items);
      this.patch(key, { loaded: true, loading: false, hasMore: page.hasMore });
    } catch {
      this.patch(key, { loading: false, error: true });
    }
  }

  private patch(key: ConversationKey, patch: Partial<HistoryState>): void {
    this.state.update((all) => ({ ...all, [key]: { ...this.of(key), ...patch } }));
  }
}
