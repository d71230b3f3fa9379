import { itemsOf, pageOf, pageParams } from './page';

describe('list pages', () => {
  it('reads the contract page, a bare array and an answer without a cursor alike', () => {
    expect(pageOf({ items: [1, 2], nextCursor: 'c2' })).toEqual({ items: [1, 2], nextCursor: 'c2' });
    expect(pageOf({ items: [1] })).toEqual({ items: [1], nextCursor: null });
    expect(pageOf({ items: [1], nextCursor: '' })).toEqual({ items: [1], nextCursor: null });
    expect(pageOf([3])).toEqual({ items: [3], nextCursor: null });
    expect(pageOf(null)).toEqual({ items: [], nextCursor: null });
    expect(itemsOf({ items: ['a'], nextCursor: null })).toEqual(['a']);
  });

  it('asks for a page with limit, and the cursor only when continuing', () => {
    expect(pageParams().toString()).toBe('limit=50');
    expect(pageParams(null, 20).toString()).toBe('limit=20');
    expect(pageParams('abc+/=').get('cursor')).toBe('abc+/=');
  });
});
