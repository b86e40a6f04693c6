import { PreconditionFailedProblem, PreconditionRequiredProblem } from './problem';

/**
 * Optimistic concurrency: every mutable resource has a revision that grows with each change; its
 * ETag is the quoted revision. Writes must send the ETag back in If-Match.
 */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/** Returns the revision the client expects, or null for `If-Match: *`. Throws 428 when missing. */
export function requireIfMatch(header: string | undefined, resource: string): number | null {
  if (!header || !header.trim()) throw new PreconditionRequiredProblem(resource);
  const value = header.trim();
  if (value === '*') return null;
  const m = /^(?:W\/)?"(\d{1,12})"$/.exec(value);
  // An ETag we never issued cannot match: that is a failed precondition, not a malformed request.
  if (!m) return -1;
  return Number(m[1]);
}

/** Throws 412 unless `expected` (from If-Match) is the current revision. */
export function assertRevision(expected: number | null, current: number, resource: string): void {
  if (expected !== null && expected !== current)
    throw new PreconditionFailedProblem(resource, etagOf(current));
}
