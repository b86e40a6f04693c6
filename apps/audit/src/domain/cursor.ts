import { createHash } from 'node:crypto';

/**
 * Keyset pagination cursor: the (occurred_at, seq) of the last row of a page, the sort order, and a
 * fingerprint of the filters it was issued for. Opaque to clients (base64url JSON behind a version
 * prefix); a cursor replayed with different filters or order is rejected instead of silently
 * returning a wrong page.
 */
export interface CursorPosition {
  /** Canonical occurred_at (microseconds, UTC) of the last row returned. */
  ts: string;
  seq: number;
}

export type SortOrder = 'asc' | 'desc';

export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`cursor is not valid (${reason}); use nextCursor from the previous page with the same filters.`);
    this.name = 'InvalidCursorError';
  }
}

const PREFIX = 'c1.';
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function filterFingerprint(filters: Record<string, unknown>): string {
  const keys = Object.keys(filters)
    .filter((k) => filters[k] !== undefined && filters[k] !== null && filters[k] !== '')
    .sort();
  const text = keys.map((k) => `${k}=${String(filters[k])}`).join('&');
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

export function encodeCursor(pos: CursorPosition, order: SortOrder, fingerprint: string): string {
  return (
    PREFIX +
    Buffer.from(JSON.stringify({ t: pos.ts, s: pos.seq, o: order, f: fingerprint })).toString('base64url')
  );
}

export function decodeCursor(cursor: string, order: SortOrder, fingerprint: string): CursorPosition {
  if (!cursor.startsWith(PREFIX) || cursor.length > 512) throw new InvalidCursorError('unknown format');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('undecodable');
  }
  const c = raw as { t?: unknown; s?: unknown; o?: unknown; f?: unknown };
  if (typeof c.t !== 'string' || !CANONICAL_TS.test(c.t) || !Number.isFinite(Date.parse(c.t))) {
    throw new InvalidCursorError('bad position');
  }
  if (typeof c.s !== 'number' || !Number.isSafeInteger(c.s) || c.s < 0)
    throw new InvalidCursorError('bad position');
  if (c.o !== order) throw new InvalidCursorError(`it was issued for order=${String(c.o)}`);
  if (c.f !== fingerprint) throw new InvalidCursorError('it was issued for different filters');
  return { ts: c.t, seq: c.s };
}
