import { Injectable } from '@nestjs/common';
import type { PolicySnapshotBody } from '@portcullis/contracts';
import type { Sql } from '@portcullis/runtime';

export interface PolicyState {
  version: number;
  changeSeq: number;
  publishedSeq: number;
  publishedVersion: number;
  publishedAt: string | null;
  lastError: string | null;
}

interface Row {
  version: number;
  change_seq: string;
  published_seq: string;
  published_version: number;
  published_at: Date | null;
  last_error: string | null;
}

/**
 * Policy versioning and the publish "outbox": every change bumps `change_seq` in its own
 * transaction; publishing records the `change_seq` it compiled. Dirty = change_seq > published_seq.
 */
@Injectable()
export class PolicyStateRepository {
  async markDirty(sql: Sql, tenantId: string): Promise<void> {
    await sql.exec(
      `INSERT INTO governance.policy_versions (tenant_id, version, change_seq) VALUES ($1, 0, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET change_seq = governance.policy_versions.change_seq + 1`,
      [tenantId],
    );
  }

  /** Locks the tenant's row and assigns the next version (serializes compilations across replicas). */
  async nextVersion(sql: Sql, tenantId: string): Promise<{ version: number; changeSeq: number }> {
    await sql.exec(
      `INSERT INTO governance.policy_versions (tenant_id, version) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    );
    const row = await sql.one<Row>(
      `UPDATE governance.policy_versions SET version = version + 1, compiled_at = now() WHERE tenant_id = $1 RETURNING *`,
      [tenantId],
    );
    return { version: row!.version, changeSeq: Number(row!.change_seq) };
  }

  async get(sql: Sql, tenantId: string): Promise<PolicyState | undefined> {
    const row = await sql.one<Row>(`SELECT * FROM governance.policy_versions WHERE tenant_id = $1`, [
      tenantId,
    ]);
    return row
      ? {
          version: row.version,
          changeSeq: Number(row.change_seq),
          publishedSeq: Number(row.published_seq),
          publishedVersion: row.published_version,
          publishedAt: row.published_at ? row.published_at.toISOString() : null,
          lastError: row.last_error,
        }
      : undefined;
  }

  async storeSnapshot(sql: Sql, tenantId: string, body: PolicySnapshotBody): Promise<void> {
    await sql.exec(
      `INSERT INTO governance.policy_snapshots (tenant_id, version, body, compiled_at) VALUES ($1, $2, $3, $4)`,
      [tenantId, body.version, JSON.stringify(body), body.compiledAt],
    );
    // Keep a short history for diagnosis; the newest is what gateways enforce.
    await sql.exec(`DELETE FROM governance.policy_snapshots WHERE tenant_id = $1 AND version <= $2`, [
      tenantId,
      body.version - 50,
    ]);
  }

  async markPublished(sql: Sql, tenantId: string, version: number, changeSeq: number): Promise<void> {
    await sql.exec(
      `UPDATE governance.policy_versions SET published_seq = GREATEST(published_seq, $2), published_version = GREATEST(published_version, $3),
         published_at = now(), last_error = NULL WHERE tenant_id = $1`,
      [tenantId, changeSeq, version],
    );
    await sql.exec(
      `UPDATE governance.policy_snapshots SET published_at = now() WHERE tenant_id = $1 AND version = $2`,
      [tenantId, version],
    );
  }

  async recordError(sql: Sql, tenantId: string, message: string): Promise<void> {
    await sql.exec(`UPDATE governance.policy_versions SET last_error = $2 WHERE tenant_id = $1`, [
      tenantId,
      message.slice(0, 1000),
    ]);
  }

  async latestSnapshot(sql: Sql, tenantId: string): Promise<PolicySnapshotBody | undefined> {
    const row = await sql.one<{ body: PolicySnapshotBody }>(
      `SELECT body FROM governance.policy_snapshots WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`,
      [tenantId],
    );
    return row?.body;
  }
}
