import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import type { ChainAnchor, ChainSource } from '../domain/chain-verifier';
import type { CursorPosition, SortOrder } from '../domain/cursor';
import { appendToChain, chainHashes, contentParts, genesisHash } from '../domain/hash-chain';
import type { AuditKind, AuditRow, ChainedRow } from '../domain/record';
import { canonicalTime } from '../domain/time';
import type { ListView } from '../domain/view';
import type { PartitionRepository } from './partition.repository';
import {
  COPY_SQL,
  copyLine,
  copyStatic,
  INSERT_SQL,
  insertPayload,
  isNoPartitionError,
  likeContains,
  mapRecord,
  type RawRecord,
  SELECT_RECORD,
} from './sql';

export type OutcomeFilter =
  | 'allowed_success'
  | 'allowed_error'
  | 'denied'
  | 'intent'
  | 'pending'
  | 'in_flight'
  | 'unknown';

export interface AuditQuery {
  tenantId: string;
  /** Retention visibility: rows older than the tenant's retention are never returned. */
  notBefore?: Date;
  from?: Date;
  to?: Date;
  types?: AuditKind[];
  view: ListView;
  user?: string;
  client?: string;
  server?: string;
  tool?: string;
  outcome?: OutcomeFilter;
  reason?: string;
  q?: string;
  callId?: string;
  /** Intents older than this are "unknown", younger "in_flight" (for outcome=in_flight|unknown). */
  inflightCutoff?: Date;
  order: SortOrder;
  limit: number;
  after?: CursorPosition;
}

export interface AppendResult {
  inserted: number;
  /** Inserted records by kind (tool_call / admin / system). */
  byKind: Partial<Record<AuditKind, number>>;
  duplicates: number;
  partitionsCreated: string[];
}

/** How ingest writes rows: COPY on PostgreSQL, one jsonb_to_recordset INSERT on the embedded PGlite. */
export type InsertMode = 'copy' | 'recordset';

/** Rows per COPY chunk: PostgreSQL stores one chunk while the next is prepared. */
const COPY_CHUNK = 250;

/**
 * Places `rows` on the chain after `head` and streams them into `COPY … FROM STDIN` on the
 * transaction's own connection, chunk by chunk: the server parses and inserts one chunk while the
 * next is serialized and hashed, so the tenant's chain lock is held about as long as PostgreSQL
 * needs, and each chunk's text is garbage as soon as it is sent (serializing every row up front
 * kept megabytes of strings alive across the batch's round trips: most of ingest's GC cost).
 * Returns the new head.
 */
async function copyChained(
  m: EntityManager,
  rows: readonly AuditRow[],
  head: { seq: number; hash: string },
  recordedAt: string,
): Promise<{ seq: number; hash: string }> {
  const client = (await m.queryRunner!.connect()) as PoolClient;
  const stream = client.query(copyFrom(COPY_SQL));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
  });
  done.catch(() => undefined); // awaited below; an early failure must not go unhandled meanwhile
  let at = head;
  for (let i = 0; i < rows.length; i += COPY_CHUNK) {
    const chunk = rows.slice(i, i + COPY_CHUNK);
    const hashes = chainHashes(chunk.map(contentParts), at, recordedAt);
    let text = '';
    for (let j = 0; j < chunk.length; j++) {
      text += copyLine(
        copyStatic(chunk[j]!),
        at.seq + j + 1,
        recordedAt,
        j ? hashes[j - 1]! : at.hash,
        hashes[j]!,
      );
    }
    at = { seq: at.seq + chunk.length, hash: hashes[hashes.length - 1]! };
    if (i === 0) {
      // Waits until the server has accepted the COPY; later chunks go straight to the socket.
      await Promise.race([new Promise<void>((resolve) => stream.write(text, () => resolve())), done]);
    } else {
      stream.write(text);
    }
  }
  stream.end();
  await done;
  return at;
}

/**
 * The only code that reads and writes audit records. Appends are idempotent (the event_ids ledger)
 * and chain assignment is serialized per tenant by the chain_heads row lock, inside one transaction
 * per batch: either the whole batch is stored and chained, or nothing is (and the bus redelivers).
 */
export class AuditRecordRepository {
  /** COPY (PostgreSQL) or jsonb_to_recordset (the embedded PGlite, whose wire server has no COPY). */
  private insertMode?: Promise<InsertMode>;

  constructor(
    private readonly ds: DataSource,
    private readonly partitions: PartitionRepository,
    opts: { insertMode?: InsertMode } = {},
  ) {
    if (opts.insertMode) this.insertMode = Promise.resolve(opts.insertMode);
  }

  private mode(): Promise<InsertMode> {
    this.insertMode ??= this.ds
      .query(`SELECT version() AS v`)
      .then((r: { v: string }[]) => (/PGlite/i.test(r[0]?.v ?? '') ? 'recordset' : 'copy') as InsertMode)
      .catch((err: unknown) => {
        this.insertMode = undefined;
        throw err;
      });
    return this.insertMode;
  }

  async append(rows: AuditRow[], now: () => Date = () => new Date()): Promise<AppendResult> {
    // One row per event id (a batch can carry a redelivered duplicate).
    const seen = new Set<string>();
    const unique = rows.filter((r) => (seen.has(r.eventId) ? false : (seen.add(r.eventId), true)));
    if (unique.length === 0)
      return { inserted: 0, byKind: {}, duplicates: rows.length, partitionsCreated: [] };
    // Partitions are whole UTC days or months: one time per day decides for the day's rows.
    const byDay = new Map<string, string>();
    for (const r of unique)
      if (!byDay.has(r.occurredAt.slice(0, 10))) byDay.set(r.occurredAt.slice(0, 10), r.occurredAt);
    const partitionsCreated = await this.partitions.ensureCovering(byDay.values());
    const mode = await this.mode();
    let inserted: AuditRow[];
    try {
      inserted = await this.appendInTransaction(unique, mode, now);
    } catch (err) {
      if (!isNoPartitionError(err)) throw err;
      // A partition was dropped or not yet visible: refresh and retry once.
      this.partitions.invalidate();
      partitionsCreated.push(...(await this.partitions.ensureCovering(byDay.values())));
      inserted = await this.appendInTransaction(unique, mode, now);
    }
    const byKind: Partial<Record<AuditKind, number>> = {};
    for (const r of inserted) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    return {
      inserted: inserted.length,
      byKind,
      duplicates: rows.length - inserted.length,
      partitionsCreated,
    };
  }

  /** Returns the rows actually inserted (those not already in the ledger). */
  private appendInTransaction(rows: AuditRow[], mode: InsertMode, now: () => Date): Promise<AuditRow[]> {
    return this.ds.transaction(async (m) => {
      // The bus commits the batch's offsets as soon as this resolves, so the commit must be durable
      // whatever the server's default (synchronous_commit=off would acknowledge before the WAL flush
      // and a crash would lose an acknowledged batch).
      await m.query(`SET LOCAL synchronous_commit TO on`);
      // Ledger first, in a stable order (concurrent batches with overlapping ids cannot deadlock).
      // Answers how many ids were new and, only when some were not, which ones were.
      const sorted = [...rows].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
      const [ledger]: { fresh: number; ids: string[] | null }[] = await m.query(
        `WITH ins AS (
           INSERT INTO audit.event_ids (event_id, occurred_at)
           SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id)
         SELECT count(*)::int AS fresh,
                CASE WHEN count(*) < $3 THEN array_agg(event_id::text) END AS ids
           FROM ins`,
        [sorted.map((r) => r.eventId), sorted.map((r) => r.occurredAt), sorted.length],
      );
      const fresh = ledger?.fresh ?? 0;
      if (fresh === 0) return [];
      const freshIds = fresh < rows.length ? new Set(ledger!.ids ?? []) : undefined;
      const byTenant = new Map<string, AuditRow[]>();
      const inserted: AuditRow[] = [];
      for (const r of rows) {
        if (freshIds && !freshIds.has(r.eventId)) continue;
        inserted.push(r);
        const list = byTenant.get(r.tenantId);
        if (list) list.push(r);
        else byTenant.set(r.tenantId, [r]);
      }
      const recordedAt = canonicalTime(now());
      for (const tenantId of [...byTenant.keys()].sort()) {
        // Locks this tenant's chain head until commit: appends to one chain are strictly serial.
        const [head]: { seq: string; hash: string }[] = await m.query(
          `INSERT INTO audit.chain_heads AS h (tenant_id, seq, hash) VALUES ($1, 0, decode($2, 'hex'))
           ON CONFLICT (tenant_id) DO UPDATE SET tenant_id = h.tenant_id
           RETURNING h.seq, encode(h.hash, 'hex') AS hash`,
          [tenantId, genesisHash(tenantId)],
        );
        const tenantRows = byTenant.get(tenantId)!;
        const start = { seq: Number(head!.seq), hash: head!.hash };
        let last: { seq: number; hash: string };
        if (mode === 'copy') {
          last = await copyChained(m, tenantRows, start, recordedAt);
        } else {
          const chained = appendToChain(tenantRows, start, recordedAt);
          await m.query(INSERT_SQL, [insertPayload(chained)]);
          last = chained[chained.length - 1]!;
        }
        await m.query(
          `UPDATE audit.chain_heads SET seq = $2, hash = decode($3, 'hex'), updated_at = now() WHERE tenant_id = $1`,
          [tenantId, last.seq, last.hash],
        );
      }
      return inserted;
    });
  }

  async find(q: AuditQuery): Promise<ChainedRow[]> {
    const { sql, params } = findSql(q);
    const rows: RawRecord[] = await this.ds.query(sql, params);
    return rows.map(mapRecord);
  }

  /** Every record of one tool call (intent and outcome), oldest first. */
  async byCall(tenantId: string, callId: string, notBefore?: Date): Promise<ChainedRow[]> {
    const rows: RawRecord[] = await this.ds.query(
      `SELECT ${SELECT_RECORD} FROM audit.events e
        WHERE e.tenant_id = $1 AND e.call_id = $2 ${notBefore ? 'AND e.occurred_at >= $3' : ''}
        ORDER BY e.occurred_at, e.seq`,
      notBefore ? [tenantId, callId, notBefore.toISOString()] : [tenantId, callId],
    );
    return rows.map(mapRecord);
  }

  /** One record by event id (the ledger gives its occurred_at, so only one partition is read). */
  async byEventId(tenantId: string, eventId: string): Promise<ChainedRow | undefined> {
    const rows: RawRecord[] = await this.ds.query(
      `SELECT ${SELECT_RECORD} FROM audit.event_ids i
         JOIN audit.events e ON e.occurred_at = i.occurred_at AND e.event_id = i.event_id
        WHERE i.event_id = $1 AND e.tenant_id = $2`,
      [eventId, tenantId],
    );
    return rows[0] ? mapRecord(rows[0]) : undefined;
  }

  async tenants(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.ds.query(
      `SELECT tenant_id FROM audit.chain_heads ORDER BY tenant_id`,
    );
    return rows.map((r) => r.tenant_id);
  }

  /** Read access to one tenant's chain, for `verifyChain`. */
  chainSource(tenantId: string): ChainSource {
    const ds = this.ds;
    const one = async (sql: string, params: unknown[]) => {
      const rows: RawRecord[] = await ds.query(sql, params);
      return rows[0] ? mapRecord(rows[0]) : null;
    };
    return {
      head: async () => {
        const rows: { seq: string; hash: string }[] = await ds.query(
          `SELECT seq, encode(hash, 'hex') AS hash FROM audit.chain_heads WHERE tenant_id = $1`,
          [tenantId],
        );
        return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
      },
      anchors: async () => {
        const rows: {
          seq: string;
          prev_hash: string;
          from_seq: string;
          rows_dropped: string;
          partition_name: string;
          dropped_at: Date;
        }[] = await ds.query(
          `SELECT seq, encode(prev_hash, 'hex') AS prev_hash, from_seq, rows_dropped, partition_name, dropped_at
               FROM audit.chain_anchors WHERE tenant_id = $1`,
          [tenantId],
        );
        const map = new Map<number, ChainAnchor>();
        for (const r of rows) {
          map.set(Number(r.seq), {
            seq: Number(r.seq),
            prevHash: r.prev_hash,
            fromSeq: Number(r.from_seq),
            rowsDropped: Number(r.rows_dropped),
            partition: r.partition_name,
            droppedAt: new Date(r.dropped_at).toISOString(),
          });
        }
        return map;
      },
      span: async (from?: Date, to?: Date) => {
        const params: unknown[] = [tenantId];
        let range = '';
        if (from) {
          params.push(from.toISOString());
          range += ` AND occurred_at >= $${params.length}`;
        }
        if (to) {
          params.push(to.toISOString());
          range += ` AND occurred_at < $${params.length}`;
        }
        const rows: { min: string | null; max: string | null }[] = await ds.query(
          `SELECT min(seq) AS min, max(seq) AS max FROM audit.events WHERE tenant_id = $1${range}`,
          params,
        );
        const r = rows[0];
        return r && r.min !== null && r.max !== null ? { min: Number(r.min), max: Number(r.max) } : null;
      },
      rows: async (afterSeq: number, maxSeq: number, limit: number) => {
        const rows: RawRecord[] = await ds.query(
          `SELECT ${SELECT_RECORD} FROM audit.events e
            WHERE e.tenant_id = $1 AND e.seq > $2 AND e.seq <= $3 ORDER BY e.seq LIMIT ${Math.floor(limit)}`,
          [tenantId, afterSeq, maxSeq],
        );
        return rows.map(mapRecord);
      },
      rowAt: (seq: number) =>
        one(`SELECT ${SELECT_RECORD} FROM audit.events e WHERE e.tenant_id = $1 AND e.seq = $2`, [
          tenantId,
          seq,
        ]),
      nextAfter: (afterSeq: number) =>
        one(
          `SELECT ${SELECT_RECORD} FROM audit.events e WHERE e.tenant_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT 1`,
          [tenantId, afterSeq],
        ),
    };
  }
}

/** The SQL of `find` (exported for EXPLAIN in the query benchmark). */
export function findSql(q: AuditQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.tenantId];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = ['e.tenant_id = $1'];
  if (q.notBefore) where.push(`e.occurred_at >= ${p(q.notBefore.toISOString())}`);
  if (q.from) where.push(`e.occurred_at >= ${p(q.from.toISOString())}`);
  if (q.to) where.push(`e.occurred_at < ${p(q.to.toISOString())}`);
  if (q.types?.length) where.push(`e.kind = ANY(${p(q.types)}::text[])`);
  if (q.user) {
    where.push(
      q.user.includes('@') ? `lower(e.user_email) = lower(${p(q.user)})` : `e.user_id = ${p(q.user)}`,
    );
  }
  if (q.client) {
    const c = p(q.client);
    where.push(`(e.client_id = ${c} OR lower(e.client_name) = lower(${c}))`);
  }
  if (q.server) where.push(`e.server_id = ${p(q.server)}`);
  if (q.tool) where.push(`e.tool = ${p(q.tool)}`);
  if (q.callId) where.push(`e.call_id = ${p(q.callId)}`);
  if (q.reason) where.push(`e.denial_reason ILIKE ${p(likeContains(q.reason))}`);
  if (q.q) {
    const t = p(likeContains(q.q));
    where.push(
      `(e.tool ILIKE ${t} OR e.user_email ILIKE ${t} OR e.user_id ILIKE ${t} OR e.client_name ILIKE ${t} OR e.summary ILIKE ${t}` +
        ` OR e.result_summary ILIKE ${t} OR e.action ILIKE ${t} OR e.resource_id ILIKE ${t} OR e.denial_reason ILIKE ${t})`,
    );
  }
  const outcomeExists = `EXISTS (SELECT 1 FROM audit.events o WHERE o.tenant_id = e.tenant_id AND o.call_id = e.call_id AND o.phase = 'outcome')`;
  switch (q.outcome) {
    case undefined:
      break;
    case 'intent':
      where.push(`e.phase = 'intent'`);
      break;
    case 'pending':
    case 'in_flight':
    case 'unknown':
      where.push(`e.kind = 'tool_call' AND e.phase = 'intent' AND NOT ${outcomeExists}`);
      if (q.outcome !== 'pending' && q.inflightCutoff) {
        where.push(
          `e.occurred_at ${q.outcome === 'in_flight' ? '>' : '<='} ${p(q.inflightCutoff.toISOString())}`,
        );
      }
      break;
    default:
      where.push(`e.phase = 'outcome' AND e.outcome = ${p(q.outcome)}`);
  }
  if (q.view === 'calls' && q.outcome === undefined) {
    // One index probe per candidate intent, never a hash of every outcome: PostgreSQL may otherwise
    // plan this EXISTS as a hashed subplan (it costs it for all rows the scan could return, not the
    // page the LIMIT keeps) and read every outcome of the table — seconds at 10 M rows. OFFSET 0
    // keeps the subquery from being turned into that hashable form (simplify_EXISTS_query).
    where.push(
      `NOT (e.kind = 'tool_call' AND e.phase = 'intent' AND EXISTS (SELECT 1 FROM audit.events o WHERE o.tenant_id = e.tenant_id AND o.call_id = e.call_id AND o.phase = 'outcome' OFFSET 0))`,
    );
  }
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  if (q.after) {
    where.push(
      `(e.occurred_at, e.seq) ${q.order === 'asc' ? '>' : '<'} (${p(q.after.ts)}::timestamptz, ${p(q.after.seq)}::bigint)`,
    );
  }
  const sql = `SELECT ${SELECT_RECORD} FROM audit.events e WHERE ${where.join(' AND ')}
               ORDER BY e.occurred_at ${dir}, e.seq ${dir} LIMIT ${Math.max(1, Math.floor(q.limit))}`;
  return { sql, params };
}
