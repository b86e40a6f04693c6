import { Errors } from '../core/errors';
import type { SimRequest } from '../server/http';

/**
 * Opaque `after` cursors. They encode the sort key of the last item returned (for the default order
 * that is the item's insertion `seq`), never an offset — so paging stays exact while other clients
 * insert or delete: new items sort after every existing one, deleted ones simply stop appearing.
 */
export interface Cursor {
  /** Sort key of the last item returned (string or number), absent for the default seq order. */
  k?: string | number | null;
  /** seq of the last item returned (tie-breaker / default key). */
  s: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(after: string | null): Cursor | null {
  if (after === null || after === '') return null;
  try {
    const c = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (c && typeof c === 'object' && typeof (c as Cursor).s === 'number') return c as Cursor;
  } catch {
    // fall through
  }
  throw Errors.invalidPaging();
}

/** `limit` with Okta's behaviour: default when absent, capped at the endpoint maximum. */
export function parseLimit(req: SimRequest, def: number, max: number, min = 1): number {
  const raw = req.query.get('limit');
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n))
    throw Errors.validation([`limit: Invalid limit value ${raw}`], 'limit');
  if (n < min) return min;
  return Math.min(n, max);
}

/** RFC 8288 `Link` headers with absolute URLs from the request's own origin (the Okta SDK follows them verbatim). */
export function linkHeaders(req: SimRequest, next: string | null): string[] {
  const selfUrl = `${req.origin}${req.path}${req.query.toString() ? `?${req.query.toString()}` : ''}`;
  const links = [`<${selfUrl}>; rel="self"`];
  if (next !== null) {
    const q = new URLSearchParams(req.query);
    q.set('after', next);
    links.push(`<${req.origin}${req.path}?${q.toString()}>; rel="next"`);
  }
  return links;
}

/** Pages through an already-ordered iterable using seq cursors. */
export function pageBySeq<T extends { seq: number }>(
  items: Iterable<T>,
  limit: number,
  keep: (item: T) => boolean,
): { page: T[]; next: string | null } {
  const page: T[] = [];
  let hasMore = false;
  for (const item of items) {
    if (!keep(item)) continue;
    if (page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(item);
  }
  const last = page[page.length - 1];
  return { page, next: hasMore && last ? encodeCursor({ s: last.seq }) : null };
}

type SortKey = string | number | null;

function cmp(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a).toLowerCase();
  const sb = String(b).toLowerCase();
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * Pages a sorted result (`sortBy`): the cursor holds (key, seq) of the last item, and the next page
 * starts strictly after that tuple — stable under inserts, like the default order.
 */
export function pageSorted<T extends { seq: number }>(
  items: T[],
  key: (item: T) => SortKey,
  descending: boolean,
  cursor: Cursor | null,
  limit: number,
): { page: T[]; next: string | null } {
  const dir = descending ? -1 : 1;
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((x, y) => dir * (cmp(x.k, y.k) || x.item.seq - y.item.seq));
  let start = 0;
  if (cursor) {
    const ck = cursor.k ?? null;
    start = keyed.findIndex((e) => {
      const c = dir * (cmp(e.k, ck) || e.item.seq - cursor.s);
      return c > 0;
    });
    if (start < 0) start = keyed.length;
  }
  const slice = keyed.slice(start, start + limit);
  const hasMore = start + limit < keyed.length;
  const last = slice[slice.length - 1];
  return {
    page: slice.map((e) => e.item),
    next: hasMore && last ? encodeCursor({ k: last.k, s: last.item.seq }) : null,
  };
}
