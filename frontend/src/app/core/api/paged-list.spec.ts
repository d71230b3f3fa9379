import { Observable, Subject, of, throwError } from 'rxjs';
import { Page } from './models';
import { PagedList } from './paged-list';

interface Item {
  id: number;
  v: string;
}

/** A server holding `all`, answering pages of `size` with the index of the next page as cursor. */
function server(all: Item[], size = 2) {
  const calls: (string | null)[] = [];
  const fetch = (cursor: string | null): Observable<Page<Item>> => {
    calls.push(cursor);
    const from = cursor ? Number(cursor) : 0;
    const items = all.slice(from, from + size);
    return of({ items, nextCursor: from + size < all.length ? String(from + size) : null });
  };
  return { calls, fetch };
}

const item = (id: number, v = `v${id}`): Item => ({ id, v });
const ids = (list: PagedList<Item>) => list.items().map((x) => x.id);

describe('PagedList', () => {
  it('loads the first page, then the next ones, until there is no cursor', async () => {
    const all = [item(1), item(2), item(3), item(4), item(5)];
    const s = server(all);
    const loaded: number[][] = [];
    const list = new PagedList<Item>({ fetch: s.fetch, idOf: (x) => x.id, loaded: (items) => loaded.push(items.map((x) => x.id)) });
    await list.refresh();
    expect([ids(list), list.hasMore()]).toEqual([[1, 2], true]);
    await list.more();
    await list.more();
    expect([ids(list), list.hasMore()]).toEqual([[1, 2, 3, 4, 5], false]);
    await list.more();
    expect(s.calls).toEqual([null, '2', '4']);
    expect(loaded).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('shows an item once when it moves to a later page while paging, with its newest copy', async () => {
    const all = [item(1), item(2), item(3), item(4)];
    const s = server(all);
    const list = new PagedList<Item>({ fetch: s.fetch, idOf: (x) => x.id });
    await list.refresh();
    all.unshift(item(9)); // a new one arrives first: 2 slides onto the next page
    all[2] = item(2, 'newer');
    await list.more();
    expect(ids(list)).toEqual([1, 2, 3]);
    expect(list.items()[1].v).toBe('newer');
  });

  it('a refresh reads again as many pages as were shown, dropping what the server no longer lists', async () => {
    const all = [item(1), item(2), item(3), item(4), item(5), item(6)];
    const s = server(all);
    const list = new PagedList<Item>({ fetch: s.fetch, idOf: (x) => x.id });
    await list.refresh();
    await list.more();
    all.splice(1, 1); // 2 is gone (a friend removed)
    await list.refresh();
    expect([ids(list), list.hasMore()]).toEqual([[1, 3, 4, 5], true]);
    expect(s.calls).toEqual([null, '2', null, '2']);
  });

  it('a bare answer without nextCursor (older servers) is one page', async () => {
    const list = new PagedList<Item>({ fetch: () => of({ items: [item(1), item(2)], nextCursor: null }), idOf: (x) => x.id });
    await list.refresh();
    expect([ids(list), list.hasMore()]).toEqual([[1, 2], false]);
  });

  it('keeps what it showed when the first page fails, and what came when a later one fails', async () => {
    let fail = false;
    const s = server([item(1), item(2), item(3), item(4), item(5)]);
    const list = new PagedList<Item>({ fetch: (c) => (fail && (c === null || c === '4') ? throwError(() => new Error('down')) : s.fetch(c)), idOf: (x) => x.id });
    await list.refresh();
    await list.more();
    await list.more();
    fail = true;
    await expect(list.refresh()).rejects.toThrow('down');
    expect(ids(list)).toEqual([1, 2, 3, 4, 5]);
    fail = false;
    await list.refresh();
    const s2 = server([item(1), item(2), item(3), item(4), item(5)]);
    const partial = new PagedList<Item>({ fetch: (c) => (c === '4' && fail ? throwError(() => new Error('down')) : s2.fetch(c)), idOf: (x) => x.id });
    await partial.refresh();
    await partial.more();
    await partial.more();
    fail = true;
    await partial.refresh();
    expect([ids(partial), partial.hasMore()]).toEqual([[1, 2, 3, 4], true]);
  });

  it('loads one next page at a time, and drops a page that a refresh or a reset overtook', async () => {
    const answers: Subject<Page<Item>>[] = [];
    const list = new PagedList<Item>({
      fetch: () => {
        const a = new Subject<Page<Item>>();
        answers.push(a);
        return a;
      },
      idOf: (x) => x.id,
    });
    const first = list.refresh();
    answers[0].next({ items: [item(1)], nextCursor: 'c2' });
    await first;
    const more = list.more();
    void list.more();
    expect([answers.length, list.loadingMore()]).toEqual([2, true]);
    const again = list.refresh();
    expect(list.loadingMore()).toBe(false);
    void list.more(); // nothing while the refresh runs
    expect(answers.length).toBe(3);
    answers[1].next({ items: [item(2)], nextCursor: null }); // the old page: dropped
    await more;
    answers[2].next({ items: [item(1), item(3)], nextCursor: 'c3' });
    await again;
    expect([ids(list), list.hasMore()]).toEqual([[1, 3], true]);
    list.reset();
    expect([ids(list), list.hasMore(), list.loadingMore()]).toEqual([[], false, false]);
  });

  it('applies live edits at once: upsert in place or at either end, remove, patch', async () => {
    const list = new PagedList<Item>({ fetch: server([item(1), item(2)]).fetch, idOf: (x) => x.id });
    await list.refresh();
    list.upsert(item(3));
    list.upsert(item(0), 'start');
    list.upsert(item(2, 'new'));
    expect(list.items()).toEqual([item(0), item(1), item(2, 'new'), item(3)]);
    list.remove(1);
    list.remove(42);
    list.patch(3, (x) => ({ ...x, v: 'renamed' }));
    list.patch(42, () => item(99));
    expect(list.items()).toEqual([item(0), item(2, 'new'), item(3, 'renamed')]);
  });

  it('replays a live edit on the answer of a refresh that was on its way, and only on that one', async () => {
    const answers: Subject<Page<Item>>[] = [];
    const list = new PagedList<Item>({
      fetch: () => {
        const a = new Subject<Page<Item>>();
        answers.push(a);
        return a;
      },
      idOf: (x) => x.id,
    });
    const first = list.refresh();
    list.upsert(item(7)); // a friend accepted while the server was answering
    list.remove(2); // a friend removed meanwhile
    answers[0].next({ items: [item(1), item(2)], nextCursor: null }); // read before both changes
    await first;
    expect(ids(list)).toEqual([1, 7]);
    const second = list.refresh(); // the server now has the changes: nothing to replay twice
    answers[1].next({ items: [item(1), item(8)], nextCursor: null });
    await second;
    expect(ids(list)).toEqual([1, 8]);
  });
});
