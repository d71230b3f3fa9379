import { HttpParams } from '@angular/common/http';
import { Page } from './models';

/** The contract's default page size for lists (`?limit=`, at most 100). */
export const LIST_LIMIT = 50;

/**
 * pageOf reads a list answer: the contract's `{items, nextCursor}`, or the bare array or `{items}` without a
 * cursor that older servers send (then there is no next page).
 */
export function pageOf<T>(res: T[] | Partial<Page<T>> | null | undefined): Page<T> {
  if (!res) return { items: [], nextCursor: null };
  if (Array.isArray(res)) return { items: res, nextCursor: null };
  return { items: res.items ?? [], nextCursor: res.nextCursor || null };
}

/** itemsOf reads the items of a list answer, whatever its shape. */
export function itemsOf<T>(res: T[] | Partial<Page<T>> | null | undefined): T[] {
  return pageOf(res).items;
}

/** pageParams asks for one page: `limit`, and `cursor` when continuing. */
export function pageParams(cursor?: string | null, limit = LIST_LIMIT): HttpParams {
  const params = new HttpParams().set('limit', String(limit));
  return cursor ? params.set('cursor', cursor) : params;
}
