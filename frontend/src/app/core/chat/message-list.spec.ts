import { msg } from '../testing/fakes';
import { MessageLists, contiguousTop, mergeMessages, missingBelow } from './message-list';

describe('message lists', () => {
  it('mergeMessages drops duplicates by id and orders by seq, never by arrival', () => {
    const list = mergeMessages([msg(3, 3)], [msg(1, 1), msg(3, 3), msg(2, 2), msg(1, 1)]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('mergeMessages keeps an edit or a deletion over a stale duplicate', () => {
    const edited = msg(1, 1, { body: 'new', editedAt: '2026-01-02T00:00:00Z' });
    expect(mergeMessages([edited], [msg(1, 1)])[0].body).toBe('new');
    const deleted = msg(1, 1, { body: '', deleted: true });
    expect(mergeMessages([msg(1, 1)], [deleted])[0].deleted).toBe(true);
    expect(mergeMessages([deleted], [msg(1, 1)])[0].deleted).toBe(true);
  });

  it('compares edit times as times, whatever the number of fraction digits', () => {
    const have = msg(1, 1, { body: 'first edit', editedAt: '2026-01-01T10:00:00.85Z' });
    const later = msg(1, 1, { body: 'second edit', editedAt: '2026-01-01T10:00:00.8512345Z' });
    expect(mergeMessages([have], [later])[0].body).toBe('second edit');
  });

  it('contiguousTop stops at the first gap', () => {
    expect(contiguousTop([])).toBe(0);
    expect(contiguousTop([msg(1, 4), msg(2, 5), msg(3, 6)])).toBe(6);
    expect(contiguousTop([msg(1, 4), msg(2, 5), msg(3, 8)])).toBe(5);
  });

  it('missingBelow names the seq to sync after when a live message skips some', () => {
    expect(missingBelow([], 9)).toBeNull();
    expect(missingBelow([msg(1, 1), msg(2, 2)], 3)).toBeNull();
    expect(missingBelow([msg(1, 1), msg(2, 2)], 2)).toBeNull();
    expect(missingBelow([msg(1, 1), msg(2, 2)], 5)).toBe(2);
  });

  it('MessageLists keeps one ordered list per conversation and forgets them all on clear', () => {
    const lists = new MessageLists();
    lists.merge('u:2', [msg(2, 2), msg(1, 1)]);
    lists.merge('g:7', [msg(9, 1, { conversation: { type: 'group', id: 7 } })]);
    lists.merge('u:2', [msg(2, 2), msg(4, 4)]);
    expect(lists.of('u:2').map((m) => m.seq)).toEqual([1, 2, 4]);
    expect(lists.all()['u:2'].length).toBe(3);
    expect(lists.has('u:2', 4)).toBe(true);
    expect(lists.has('g:7', 4)).toBe(false);
    expect(lists.lastSeq('u:2')).toBe(2);
    expect(lists.lastSeq('u:3')).toBe(0);
    expect(lists.keys().sort()).toEqual(['g:7', 'u:2']);
    lists.clear();
    expect(lists.all()).toEqual({});
    expect(lists.of('u:2')).toEqual([]);
  });
});
