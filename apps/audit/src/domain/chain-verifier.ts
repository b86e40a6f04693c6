import { genesisHash, recordHash } from './hash-chain';
import type { ChainedRow } from './record';

/**
 * Retention drops whole time partitions, which removes records from a tenant's chain: usually a
 * prefix, but a late-arriving event stored in an old partition also leaves a hole mid-chain. Before
 * dropping, retention records an anchor for every dropped run: "records fromSeq..seq-1 were dropped by
 * retention; the last of them had hash `prevHash`". Verification accepts a gap only when anchors
 * cover it exactly and the record after the gap links to the anchored hash.
 */
export interface ChainAnchor {
  /** The first seq AFTER the dropped run. */
  seq: number;
  /** Hash of the last dropped record (what record `seq` must name as prev_hash). */
  prevHash: string;
  fromSeq: number;
  rowsDropped: number;
  partition: string;
  droppedAt: string;
}

export interface ChainSource {
  head(): Promise<{ seq: number; hash: string } | null>;
  anchors(): Promise<Map<number, ChainAnchor>>;
  /** min/max seq of records whose occurred_at is in [from, to); without bounds: the whole chain. */
  span(from?: Date, to?: Date): Promise<{ min: number; max: number } | null>;
  /** Records with afterSeq < seq <= maxSeq, ascending, at most `limit`. */
  rows(afterSeq: number, maxSeq: number, limit: number): Promise<ChainedRow[]>;
  rowAt(seq: number): Promise<ChainedRow | null>;
  /** The first stored record with seq > afterSeq. */
  nextAfter(afterSeq: number): Promise<ChainedRow | null>;
}

export type BreakProblem = 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_records' | 'head_mismatch';

export interface BrokenRecord {
  /** The record where the chain breaks (for missing records: the one after the gap). */
  seq: number;
  eventId: string | null;
  occurredAt: string | null;
  problem: BreakProblem;
  /** The hash the chain says this record should have (or should point to). */
  expected: string | null;
  /** What is stored. */
  stored: string | null;
  missingSeqs?: { from: number; to: number };
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  tenantId: string;
  from: string | null;
  to: string | null;
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  head: { seq: number; hash: string } | null;
  /** Set when the walk started at, or crossed, a retention boundary. */
  retentionBoundaries: number;
  broken: BrokenRecord | null;
  durationMs: number;
}

function coveredByAnchors(anchors: Map<number, ChainAnchor>, lastPresent: number, next: number): boolean {
  let cur = next;
  while (cur > lastPresent + 1) {
    const a = anchors.get(cur);
    if (!a || a.fromSeq >= cur) return false;
    cur = a.fromSeq;
  }
  return cur === lastPresent + 1;
}

export async function verifyChain(
  tenantId: string,
  source: ChainSource,
  opts: { from?: Date; to?: Date; batchSize?: number } = {},
): Promise<VerifyReport> {
  const started = Date.now();
  const ranged = Boolean(opts.from || opts.to);
  const report: VerifyReport = {
    ok: true,
    tenantId,
    from: opts.from?.toISOString() ?? null,
    to: opts.to?.toISOString() ?? null,
    checked: 0,
    firstSeq: null,
    lastSeq: null,
    head: await source.head(),
    retentionBoundaries: 0,
    broken: null,
    durationMs: 0,
  };
  let lastSeq = 0;
  const done = (broken: BrokenRecord | null) => {
    report.lastSeq = lastSeq || null;
    report.broken = broken;
    report.ok = broken === null;
    report.durationMs = Date.now() - started;
    return report;
  };
  const head = report.head;
  if (!head || head.seq === 0) return done(null);
  const anchors = await source.anchors();
  const missing = (
    row: ChainedRow | null,
    seq: number,
    fromSeq: number,
    toSeq: number,
    expected: string | null,
  ): BrokenRecord => ({
    seq,
    eventId: row?.eventId ?? null,
    occurredAt: row?.occurredAt ?? null,
    problem: 'missing_records',
    expected,
    stored: row?.prevHash ?? null,
    missingSeqs: { from: fromSeq, to: toSeq },
    message:
      `Records ${fromSeq}..${toSeq} of tenant ${tenantId} are missing (deleted?)` +
      (row
        ? `: record ${seq} names a predecessor that is not stored, and no retention anchor covers the gap.`
        : '.'),
  });

  const span = await source.span(opts.from, opts.to);
  if (!span) {
    if (ranged) return done(null);
    // Nothing stored at all, although the chain head says records exist.
    if (coveredByAnchors(anchors, 0, head.seq + 1)) return done(null);
    return done(missing(null, head.seq, 1, head.seq, head.hash));
  }
  // The head is read first: records appended while verifying (seq > head.seq) are not part of this check.
  const maxSeq = ranged ? Math.min(span.max, head.seq) : head.seq;

  let lastHash = '';
  let first = true;
  const batch = opts.batchSize ?? 5000;
  let after = span.min - 1;
  for (;;) {
    const rows = await source.rows(after, maxSeq, batch);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (first) {
        first = false;
        report.firstSeq = row.seq;
        if (row.seq === 1) {
          const g = genesisHash(tenantId);
          if (row.prevHash !== g) return done(linkBroken(row, g));
        } else {
          const pred = await source.rowAt(row.seq - 1);
          if (pred) {
            if (row.prevHash !== pred.hash) return done(linkBroken(row, pred.hash));
          } else {
            const a = anchors.get(row.seq);
            const covered = ranged ? a !== undefined : coveredByAnchors(anchors, 0, row.seq);
            if (!a || !covered || a.prevHash !== row.prevHash) {
              return done(
                missing(
                  row,
                  row.seq,
                  a && ranged ? a.fromSeq : ranged ? row.seq - 1 : 1,
                  row.seq - 1,
                  a?.prevHash ?? null,
                ),
              );
            }
            report.retentionBoundaries += 1;
          }
        }
      } else if (row.seq !== lastSeq + 1) {
        const a = anchors.get(row.seq);
        if (!a || !coveredByAnchors(anchors, lastSeq, row.seq) || a.prevHash !== row.prevHash) {
          return done(missing(row, row.seq, lastSeq + 1, row.seq - 1, a?.prevHash ?? null));
        }
        report.retentionBoundaries += 1;
      } else if (row.prevHash !== lastHash) {
        return done(linkBroken(row, lastHash));
      }
      const expected = recordHash(row);
      if (expected !== row.hash) {
        return done({
          seq: row.seq,
          eventId: row.eventId,
          occurredAt: row.occurredAt,
          problem: 'hash_mismatch',
          expected,
          stored: row.hash,
          message: `Record ${row.seq} (event ${row.eventId}) was modified after it was stored: its content hashes to ${expected}, the stored hash is ${row.hash}.`,
        });
      }
      report.checked += 1;
      lastSeq = row.seq;
      lastHash = row.hash;
    }
    after = lastSeq;
  }

  if (!ranged) {
    if (lastSeq < head.seq) {
      if (!coveredByAnchors(anchors, lastSeq, head.seq + 1))
        return done(missing(null, head.seq, lastSeq + 1, head.seq, head.hash));
      report.retentionBoundaries += 1;
    } else if (lastHash !== head.hash) {
      return done({
        seq: lastSeq,
        eventId: null,
        occurredAt: null,
        problem: 'head_mismatch',
        expected: head.hash,
        stored: lastHash,
        message: `The newest record (${lastSeq}) does not end the chain recorded in audit.chain_heads (${head.seq}, ${head.hash}).`,
      });
    }
  } else {
    // The record right after the range must still link to the last one checked.
    const found = await source.nextAfter(lastSeq);
    const next = found && found.seq <= head.seq ? found : null;
    if (next) {
      if (next.seq !== lastSeq + 1) {
        const a = anchors.get(next.seq);
        if (!a || !coveredByAnchors(anchors, lastSeq, next.seq) || a.prevHash !== next.prevHash) {
          return done(missing(next, next.seq, lastSeq + 1, next.seq - 1, a?.prevHash ?? null));
        }
      } else if (next.prevHash !== lastHash) {
        return done(linkBroken(next, lastHash));
      }
    } else if (lastSeq < head.seq && !coveredByAnchors(anchors, lastSeq, head.seq + 1)) {
      return done(missing(null, head.seq, lastSeq + 1, head.seq, head.hash));
    }
  }
  return done(null);

  function linkBroken(row: ChainedRow, expected: string): BrokenRecord {
    return {
      seq: row.seq,
      eventId: row.eventId,
      occurredAt: row.occurredAt,
      problem: 'prev_hash_mismatch',
      expected,
      stored: row.prevHash,
      message: `Record ${row.seq} (event ${row.eventId}) does not link to its predecessor: prev_hash is ${row.prevHash}, the predecessor's hash is ${expected} (the predecessor or this link was altered).`,
    };
  }
}
