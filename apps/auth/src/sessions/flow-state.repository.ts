import { Inject, Injectable } from '@nestjs/common';
import { randomToken, sha256Hex } from '@portcullis/crypto';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';

/**
 * Short-lived state of browser flows that cross a redirect: an IdP sign-in in progress, an
 * authorization request awaiting consent, an upstream connection in progress. Stored in Postgres
 * (any replica can finish a flow another started), keyed by the hash of a random handle that
 * travels in the URL, and consumed once.
 */
export type FlowKind = 'idp_login' | 'authorization_request' | 'upstream_connect';

@Injectable()
export class FlowStateRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async put<T extends object>(
    tenantId: string,
    kind: FlowKind,
    data: T,
    ttlSeconds: number,
  ): Promise<string> {
    const handle = randomToken(24);
    await this.ds.query(
      `INSERT INTO auth.flow_states (id_hash, tenant_id, kind, data, expires_at) VALUES ($1, $2, $3, $4::jsonb, now() + make_interval(secs => $5))`,
      [sha256Hex(handle), tenantId, kind, JSON.stringify(data), ttlSeconds],
    );
    return handle;
  }

  async peek<T>(tenantId: string, kind: FlowKind, handle: string): Promise<T | null> {
    const rows: { data: T }[] = await this.ds.query(
      `SELECT data FROM auth.flow_states WHERE id_hash = $1 AND tenant_id = $2 AND kind = $3 AND expires_at > now()`,
      [sha256Hex(handle), tenantId, kind],
    );
    return rows[0]?.data ?? null;
  }

  /** Returns the state and deletes it, atomically: a handle is good for one completion. */
  async take<T>(tenantId: string, kind: FlowKind, handle: string): Promise<T | null> {
    const rows = rowsOf<{ data: T; live: boolean }>(
      await this.ds.query(
        `DELETE FROM auth.flow_states WHERE id_hash = $1 AND tenant_id = $2 AND kind = $3 RETURNING data, (expires_at > now()) AS live`,
        [sha256Hex(handle), tenantId, kind],
      ),
    );
    const row = rows[0];
    return row && row.live ? row.data : null;
  }

  async deleteExpired(): Promise<number> {
    return rowsOf(await this.ds.query(`DELETE FROM auth.flow_states WHERE expires_at < now() RETURNING 1`))
      .length;
  }
}
