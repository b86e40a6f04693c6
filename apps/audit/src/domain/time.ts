/**
 * Canonical time text for audit records: UTC, microsecond precision, e.g. 2025-06-01T12:00:00.123000Z.
 * Ingest produces it from a JS Date (milliseconds, padded); `verify` reads the stored timestamptz
 * with `sqlCanonicalTime()`, so an edit of even one microsecond changes the recomputed hash.
 */
export function canonicalTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/** SQL expression rendering a timestamptz column in the canonical form above. */
export function sqlCanonicalTime(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const DAY_MS = 86_400_000;

export function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}
