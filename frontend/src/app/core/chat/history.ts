import { Injectable, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { MessagePage } from '../api/models';
import { ChatService } from './chat.service';
import { ConversationKey } from './conversation-key';
import { ChatSockets } from './socket/chat-sockets';

/** Paging state of one conversation's history. */
export interface HistoryState {
  loaded: boolean;
  loading: boolean;
  /** Older messages exist below the loaded ones. */
  hasMore: boolean;
  /** Newer messages exist above the loaded ones: an old window is shown (a search hit), not the latest. */
  hasNewer: boolean;
  error: boolean;
}

/** A history page. */
const PAGE_SIZE = 50;
const NOTHING_YET: HistoryState = { loaded: false, loading: false, hasMore: false, hasNewer: false, error: false };

/**
 * ChatHistory pages a conversation's history through REST: the latest page once, then upwards from the oldest
 * loaded message. Pages go into the socket's lists, where they merge with live messages without duplicates.
 *
 * To show an old message (a search hit, a quoted original) it loads the page around it in place of what was
 * loaded, which leaves a gap above: the socket then keeps live messages aside (a detached window), older and
 * newer pages grow the window, and the newer page that reaches the end attaches it to the live messages again.
 * An old window lasts as long as its conversation is on screen: leaving it forgets the window (see leave), so
 * that opening the conversation again shows its latest messages, as every chat app does.
 */
@Injectable({ providedIn: 'root' })
export class ChatHistory {
  private readonly api = inject(ChatService);
  private readonly sockets = inject(ChatSockets);
  private readonly state = signal<Record<ConversationKey, HistoryState>>({});
  /** The page each conversation is loading, so that a jump can wait for the opening's page. */
  private readonly inflight = new Map<ConversationKey, Promise<void>>();
  /** How many times each conversation was forgotten (leave): a page asked for before that is dropped. */
  private readonly forgotten = new Map<ConversationKey, number>();

  of(key: ConversationKey): HistoryState {
    return this.state()[key] ?? NOTHING_YET;
  }

  /** loadLatest loads a conversation's latest page, once (a call while a page loads waits for it). */
  async loadLatest(key: ConversationKey): Promise<void> {
    if (this.of(key).loading) return this.inflight.get(key);
    if (this.of(key).loaded) return;
    await this.load(key, {}, (page) => {
      this.sockets.for(key).ingest(key, page.items);
      return { hasMore: page.hasMore };
    });
  }

  /** loadOlder fetches the page just below the oldest loaded message (?before=seq). */
  async loadOlder(key: ConversationKey): Promise<void> {
    const h = this.of(key);
    if (h.loading || !h.hasMore) return;
    const oldest = this.sockets.messages(key)[0];
    await this.load(key, { before: oldest?.seq }, (page) => {
      this.sockets.for(key).ingest(key, page.items);
      return { hasMore: page.hasMore };
    });
  }

  /**
   * loadAround shows the page centred on seq in place of what was loaded (?around=seq). When that page reaches
   * the newest message it simply joins what is loaded (nothing is missing between them).
   */
  async loadAround(key: ConversationKey, seq: number): Promise<void> {
    if (this.of(key).loading) await this.inflight.get(key);
    await this.load(key, { around: seq }, (page) => {
      const socket = this.sockets.for(key);
      const older = (page.items[0]?.seq ?? 1) > 1;
      if (!page.hasMore && !socket.isDetached(key)) {
        socket.ingest(key, page.items);
        return { hasMore: (this.sockets.messages(key)[0]?.seq ?? 1) > 1, hasNewer: false };
      }
      socket.showWindow(key, page.items, page.hasMore);
      if (!page.hasMore) socket.attach(key);
      return { hasMore: older, hasNewer: page.hasMore };
    });
  }

  /** loadNewer fetches the page just above the newest loaded message of an old window (?after=seq). */
  async loadNewer(key: ConversationKey): Promise<void> {
    const h = this.of(key);
    if (h.loading || !h.hasNewer) return;
    const list = this.sockets.messages(key);
    const newest = list[list.length - 1];
    if (!newest) return;
    await this.load(key, { after: newest.seq }, (page) => {
      const socket = this.sockets.for(key);
      socket.ingest(key, page.items);
      if (!page.hasMore) socket.attach(key);
      return { hasNewer: page.hasMore };
    });
  }

  /** backToLatest leaves an old window for the latest page (sending a message, "jump to latest"). */
  async backToLatest(key: ConversationKey): Promise<void> {
    if (this.of(key).loading || !this.of(key).hasNewer) return;
    await this.load(key, {}, (page) => {
      const socket = this.sockets.for(key);
      socket.showWindow(key, page.items, true);
      socket.attach(key);
      return { hasMore: page.hasMore, hasNewer: false };
    });
  }

  /**
   * leave: the conversation went off screen. An old window is not kept for the next visit, which must open at
   * the latest messages: the window, the live messages kept aside and the paging state are forgotten, as for a
   * conversation never opened; loadLatest then loads the latest page, which holds those live messages (a jump
   * loads its page around again). A page still on its way could be such a window: it is dropped as well.
   * A conversation left at its latest messages keeps them: opening it again asks for nothing.
   */
  leave(key: ConversationKey): void {
    const socket = this.sockets.for(key);
    if (!socket.isDetached(key) && !this.of(key).loading) return;
    socket.forget(key);
    this.forgotten.set(key, (this.forgotten.get(key) ?? 0) + 1);
    this.inflight.delete(key);
    this.state.update((all) => {
      const next = { ...all };
      delete next[key];
      return next;
    });
  }

  reset(): void {
    this.state.set({});
    this.inflight.clear();
  }

  /** load asks for one page; apply puts it in the lists and says what changed of the paging state. */
  private async load(
    key: ConversationKey,
    opts: { before?: number; after?: number; around?: number },
    apply: (page: MessagePage) => Partial<HistoryState>,
  ): Promise<void> {
    // The conversation left and forgotten meanwhile (see leave): the page, or its failure, is of a visit that is over.
    const generation = this.forgotten.get(key) ?? 0;
    const current = () => (this.forgotten.get(key) ?? 0) === generation;
    this.patch(key, { loading: true, error: false });
    const done = (async () => {
      try {
        const page = await firstValueFrom(this.api.history(key, { ...opts, limit: PAGE_SIZE }));
        if (!current()) return;
        const changes = apply(page);
        this.patch(key, { loaded: true, loading: false, ...changes });
      } catch {
        if (current()) this.patch(key, { loading: false, error: true });
      } finally {
        if (current()) this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, done);
    await done;
  }

  private patch(key: ConversationKey, patch: Partial<HistoryState>): void {
    this.state.update((all) => ({ ...all, [key]: { ...this.of(key), ...patch } }));
  }
}
