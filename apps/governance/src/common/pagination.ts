import { z } from 'zod';
import { ValidationProblem } from './problem';

/**
 * Cursor pagination: `?limit=&cursor=` → `{ data, nextCursor }`. The cursor is opaque to clients
 * (base64url of the last row's sort key and id), so ordering can change without breaking them.
 */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  after?: { key: string; id: string };
}

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;

export const pageQuery = {
  limit: z.coerce
    .number({ error: `must be an integer between 1 and ${MAX_LIMIT}` })
    .int({ error: `must be an integer between 1 and ${MAX_LIMIT}` })
    .min(1, { error: `must be an integer between 1 and ${MAX_LIMIT}` })
    .max(MAX_LIMIT, { error: `must be an integer between 1 and ${MAX_LIMIT}` })
    .default(DEFAULT_LIMIT),
  cursor: z.string().max(1000).optional(),
};

export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): PageRequest['after'] {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { key: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new ValidationProblem('The cursor is not valid; pass nextCursor from a previous page unchanged.', [
    { field: 'query.cursor', message: 'is not a cursor this API issued' },
  ]);
}

export function pageRequest(q: { limit: number; cursor?: string | undefined }): PageRequest {
  const after = decodeCursor(q.cursor);
  return { limit: q.limit, ...(after ? { after } : {}) };
}

/** Builds a page from `limit + 1` fetched rows. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  keyOf: (r: R) => { key: string; id: string },
  map: (r: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return {
    data: slice.map(map),
    nextCursor: more && last ? encodeCursor(keyOf(last).key, keyOf(last).id) : null,
  };
}
