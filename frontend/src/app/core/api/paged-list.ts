import { Signal, computed, signal } from '@angular/core';
import { Observable, firstValueFrom } from 'rxjs';
import { Page } from './models';

/** What a PagedList asks of its owner: how to fetch a page, how to tell items apart, what to do with each fetch. */
export interface PagedSource<T> {
  /** fetch reads one page: the first with no cursor. */
  fetch(cursor: string | null): Observable<Page<T>>;
  /** idOf names an item: the same item on two pages is shown once. */
  idOf(item: T): string | number;
  /** loaded is told the items of every answer (to learn names, counts, conversation ids). */
  loaded?(items: readonly T[]): void;
}

/**
 * PagedList is one server list read page by page (`?limit=&cursor=` → `{items, nextCursor}`), kept in the
 * server's order without duplicates: a later page's copy of an item that moved up updates it in place.
 * A refresh reads again as many pages as were shown, so a reload neither drops what the user paged to nor
 * keeps what the server no longer lists. A server that sends no nextCursor simply has one page.
 *
 * Live edits (`upsert`, `remove`, `patch`: what a socket event says changed) apply at once; one made while a
 * refresh is on its way is applied again to what that refresh brings, which the server may have read before
 * the change.
 */
export class PagedList<T> {
  private readonly itemsState = signal<readonly T[]>([]);
  private readonly cursorState = signal<string | null>(null);
  private readonly loadingMoreState = signal(false);
  private pages = 0;
  /** Bumped by every refresh and reset: an answer from before it is dropped. */
  private generation = 0;
  private refreshing = 0;
  /** Live edits made while a refresh is on its way, numbered, to replay on its answer. */
  private liveEdits: { at: number; apply: (items: readonly T[]) => T[] }[] = [];
  private editSeq = 0;

  /** The items, in the server's order. */
  readonly items: Signal<readonly T[]> = this.itemsState.asReadonly();
  /** True when the server has more after what is shown. */
  readonly hasMore = computed(() => this.cursorState() !== null);
  /** True while the next page loads. */
  readonly loadingMore = this.loadingMoreState.asReadonly();

  constructor(private readonly source: PagedSource<T>) {}

  /**
   * refresh reads the list again from its first page. It throws when the first page fails (what was shown
   * stays); a later page failing keeps what came, with the cursor to go on from there.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const want = Math.max(1, this.pages);
    const editsFrom = this.editSeq;
    // A page on its way is dropped by the generation; the refresh reads it anyway.
    this.loadingMoreState.set(false);
    this.refreshing++;
    try {
      let items: T[] = [];
      let cursor: string | null = null;
      let pages = 0;
      while (pages < want) {
        let page: Page<T>;
        try {
          page = await firstValueFrom(this.source.fetch(cursor));
        } catch (err) {
          if (pages === 0) throw err;
          break;
        }
        if (generation !== this.generation) return;
        items = this.merge(items, page.items);
        cursor = page.nextCursor;
        pages++;
        if (!cursor) break;
      }
      for (const e of this.liveEdits) if (e.at >= editsFrom) items = e.apply(items);
      this.itemsState.set(items);
      this.cursorState.set(cursor);
      this.pages = pages;
      this.source.loaded?.(items);
    } finally {
      if (--this.refreshing === 0) this.liveEdits = [];
    }
  }

  /** more shows the next page (nothing while a page or a refresh is on its way, or when there is none). */
  async more(): Promise<void> {
    const cursor = this.cursorState();
    if (!cursor || this.loadingMoreState() || this.refreshing > 0) return;
    const generation = this.generation;
    this.loadingMoreState.set(true);
    try {
      const page = await firstValueFrom(this.source.fetch(cursor));
      if (generation !== this.generation) return;
      this.itemsState.update((items) => this.merge(items, page.items));
      this.cursorState.set(page.nextCursor);
      this.pages++;
      this.source.loaded?.(page.items);
    } catch {
      /* the error toast tells; the button stays for another try */
    } finally {
      if (generation === this.generation) this.loadingMoreState.set(false);
    }
  }

  /**
   * upsert shows an item the server now has (a new friend): in place if shown, else at the start or the end.
   * At the end of a list with more pages, it shows before them until the user pages to its own place.
   */
  upsert(item: T, where: 'start' | 'end' = 'end'): void {
    const id = this.source.idOf(item);
    this.edit((items) => {
      const at = items.findIndex((x) => this.source.idOf(x) === id);
      if (at >= 0) return items.map((x, i) => (i === at ? item : x));
      return where === 'start' ? [item, ...items] : [...items, item];
    });
  }

  /** remove stops showing an item the server no longer lists (a former friend). */
  remove(id: string | number): void {
    this.edit((items) => items.filter((x) => this.source.idOf(x) !== id));
  }

  /** patch changes an item where it is (a group renamed); nothing when it is not shown. */
  patch(id: string | number, change: (item: T) => T): void {
    this.edit((items) => items.map((x) => (this.source.idOf(x) === id ? change(x) : x)));
  }

  /** reset forgets the list (sign-out); answers still on their way are dropped. */
  reset(): void {
    this.liveEdits = [];
    this.generation++;
    this.itemsState.set([]);
    this.cursorState.set(null);
    this.loadingMoreState.set(false);
    this.pages = 0;
  }

  private edit(apply: (items: readonly T[]) => T[]): void {
    this.itemsState.update((items) => apply(items));
    const at = this.editSeq++;
    if (this.refreshing > 0) this.liveEdits.push({ at, apply });
  }

  /** merge appends a page: new items at the end, items already there updated where they are. */
  private merge(items: readonly T[], page: readonly T[]): T[] {
    const index = new Map(items.map((item, i) => [this.source.idOf(item), i]));
    const out = [...items];
    for (const item of page) {
      const id = this.source.idOf(item);
      const at = index.get(id);
      if (at === undefined) {
        index.set(id, out.length);
        out.push(item);
      } else {
        out[at] = item;
      }
    }
    return out;
  }
}
