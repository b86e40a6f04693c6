import type { DataSource, EntityManager } from 'typeorm';
import {
  addPeriods,
  covering,
  type PartitionInterval,
  type PartitionRange,
  periodStart,
  planPartition,
} from '../domain/partitions';

/** Serializes partition DDL and retention across replicas (transaction-scoped advisory lock). */
const PARTITION_LOCK = 7_301_152_001;

export interface RetentionResult {
  dropped: { name: string; from: string; to: string; rows: number }[];
  anchors: number;
}

/**
 * Owns the time partitions of audit.events: creates them ahead of time and on demand (a late event
 * for a past period), and drops whole expired ones for retention — recording chain anchors first so
 * `verify` can tell a retention gap from a deletion.
 */
export class PartitionRepository {
  private known: PartitionRange[] = [];

  constructor(
    private readonly ds: DataSource,
    private readonly interval: PartitionInterval,
  ) {}

  async list(m: EntityManager | DataSource = this.ds): Promise<PartitionRange[]> {
    const rows: { name: string; range_from: Date; range_to: Date }[] = await m.query(
      `SELECT name, range_from, range_to FROM audit.partitions ORDER BY range_from`,
    );
    return rows.map((r) => ({ name: r.name, from: new Date(r.range_from), to: new Date(r.range_to) }));
  }

  /** Forgets the cached partition list (after a drop elsewhere made it stale). */
  invalidate(): void {
    this.known = [];
  }

  /** Makes sure a partition covers each of the given times (canonical or ISO strings). */
  async ensureCovering(times: Iterable<string | Date>): Promise<string[]> {
    const missing: Date[] = [];
    for (const t of times) {
      const d = t instanceof Date ? t : new Date(t);
      if (
        !covering(this.known, d) &&
        !missing.some(
          (m) => periodStart(m, this.interval).getTime() === periodStart(d, this.interval).getTime(),
        )
      ) {
        missing.push(d);
      }
    }
    if (missing.length === 0) return [];
    this.known = await this.list();
    const created: string[] = [];
    for (const d of missing) {
      if (covering(this.known, d)) continue;
      created.push(...(await this.create(d)));
    }
    return created;
  }

  /** Creates the partitions for the current period and `ahead` periods after it. */
  async ensureAhead(now: Date, ahead: number): Promise<string[]> {
    const times: Date[] = [];
    for (let i = 0; i <= ahead; i++)
      times.push(addPeriods(periodStart(now, this.interval), this.interval, i));
    return this.ensureCovering(times);
  }

  private async create(t: Date): Promise<string[]> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [PARTITION_LOCK]);
      const existing = await this.list(m);
      const plan = planPartition(existing, t, this.interval);
      if (!plan) {
        this.known = existing;
        return [];
      }
      await m.query(
        `CREATE TABLE IF NOT EXISTS audit."${plan.name}" PARTITION OF audit.events
           FOR VALUES FROM ('${plan.from.toISOString()}') TO ('${plan.to.toISOString()}')`,
      );
      await m.query(
        `INSERT INTO audit.partitions (name, range_from, range_to) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
        [plan.name, plan.from.toISOString(), plan.to.toISOString()],
      );
      this.known = [...existing, plan].sort((a, b) => a.from.getTime() - b.from.getTime());
      return [plan.name];
    });
  }

  /**
   * Drops every partition whose whole range ends at or before `cutoff`. In the same transaction,
   * with the expiring partitions locked against inserts: finds each tenant's runs of consecutive seqs
   * in them and records an anchor per run (the seq after the run and the hash of its last record).
   */
  async dropExpired(cutoff: Date): Promise<RetentionResult> {
    const result = await this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock($1)`, [PARTITION_LOCK]);
      const expired = (await this.list(m)).filter((p) => p.to.getTime() <= cutoff.getTime());
      if (expired.length === 0) return { dropped: [], anchors: 0 } as RetentionResult;
      const names = expired.map((p) => `audit."${p.name}"`);
      await m.query(`LOCK TABLE ${names.join(', ')} IN EXCLUSIVE MODE`);
      const union = expired
        .map((p) => `SELECT tenant_id, seq, hash, '${p.name}'::text AS partition_name FROM audit."${p.name}"`)
        .join(' UNION ALL ');
      const runs: {
        tenant_id: string;
        from_seq: string;
        to_seq: string;
        n: string;
        last_hash: string;
        partition_name: string;
      }[] = await m.query(`
          WITH d AS (${union}),
          numbered AS (
            SELECT tenant_id, seq, hash, partition_name,
                   seq - row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS grp
              FROM d
          )
          SELECT tenant_id, min(seq) AS from_seq, max(seq) AS to_seq, count(*) AS n,
                 encode((array_agg(hash ORDER BY seq DESC))[1], 'hex') AS last_hash,
                 (array_agg(partition_name ORDER BY seq DESC))[1] AS partition_name
            FROM numbered GROUP BY tenant_id, grp`);
      for (const r of runs) {
        await m.query(
          `INSERT INTO audit.chain_anchors (tenant_id, seq, prev_hash, from_seq, rows_dropped, partition_name)
           VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6) ON CONFLICT (tenant_id, seq) DO NOTHING`,
          [r.tenant_id, String(BigInt(r.to_seq) + 1n), r.last_hash, r.from_seq, r.n, r.partition_name],
        );
      }
      const counts: { partition_name: string; n: string }[] = await m.query(
        `SELECT partition_name, count(*) AS n FROM (${union}) x GROUP BY partition_name`,
      );
      for (const p of expired) {
        await m.query(`DROP TABLE audit."${p.name}"`);
        await m.query(`DELETE FROM audit.partitions WHERE name = $1`, [p.name]);
      }
      return {
        dropped: expired.map((p) => ({
          name: p.name,
          from: p.from.toISOString(),
          to: p.to.toISOString(),
          rows: Number(counts.find((c) => c.partition_name === p.name)?.n ?? 0),
        })),
        anchors: runs.length,
      };
    });
    if (result.dropped.length) this.invalidate();
    return result;
  }

  /** Removes idempotency-ledger entries of events older than `before` (their partitions are gone), in small batches. */
  async pruneLedger(before: Date, batch = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const [row]: { n: string }[] = await this.ds.query(
        `WITH del AS (
           DELETE FROM audit.event_ids WHERE event_id IN (
             SELECT event_id FROM audit.event_ids WHERE occurred_at < $1 LIMIT ${batch}
           ) RETURNING 1
         ) SELECT count(*) AS n FROM del`,
        [before.toISOString()],
      );
      const n = Number(row?.n ?? 0);
      total += n;
      if (n < batch) return total;
    }
  }

  /** The start of the oldest retained partition (ledger entries before it can be pruned). */
  async oldestRetained(): Promise<Date | undefined> {
    const parts = await this.list();
    return parts[0]?.from;
  }
}
