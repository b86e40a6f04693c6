import { Injectable } from '@nestjs/common';
import type { ServerChangedPayload } from '@portcullis/contracts';
import type { Sql } from '@portcullis/runtime';

export interface PendingRun {
  trigger: 'registration' | 'change' | 'manual' | 'resync' | 'list_changed';
  full?: boolean;
  requestId?: string;
  at: string;
}

export interface KnownServer {
  serverId: string;
  catalogId: string | null;
  kind: string;
  upstreamUrl: string | null;
  transport: 'streamable_http' | 'sse';
  oktaOrgUrl: string | null;
  /** From the registration: none | static | per_user | service | client_credentials; null if registered before discovery stored it. */
  credentialMode: string | null;
  paused: boolean;
  deleted: boolean;
  revision: number;
  pending: PendingRun | null;
  lastRunAt: string | null;
  lastOk: boolean | null;
  lastError: string | null;
  listChanged: boolean;
}

interface Row {
  server_id: string;
  catalog_id: string | null;
  kind: string;
  upstream_url: string | null;
  transport: 'streamable_http' | 'sse';
  okta_org_url: string | null;
  credential_mode: string | null;
  paused: boolean;
  deleted: boolean;
  revision: number;
  pending: PendingRun | null;
  last_run_at: Date | null;
  last_ok: boolean | null;
  last_error: string | null;
  list_changed: boolean;
}

function toServer(r: Row): KnownServer {
  return {
    serverId: r.server_id,
    catalogId: r.catalog_id,
    kind: r.kind,
    upstreamUrl: r.upstream_url,
    transport: r.transport,
    oktaOrgUrl: r.okta_org_url,
    credentialMode: r.credential_mode ?? null,
    paused: r.paused,
    deleted: r.deleted,
    revision: r.revision,
    pending: r.pending,
    lastRunAt: r.last_run_at ? r.last_run_at.toISOString() : null,
    lastOk: r.last_ok,
    lastError: r.last_error,
    listChanged: r.list_changed,
  };
}

/** The only code that touches discovery's tables. */
@Injectable()
export class DiscoveryRepository {
  /** Applies a registration change; returns false when the event is older than what is stored. */
  async applyServerChanged(
    sql: Sql,
    tenantId: string,
    p: ServerChangedPayload,
    pending: PendingRun | null,
  ): Promise<boolean> {
    if (p.change === 'deleted') {
      const n = await sql.exec(
        `UPDATE discovery.servers SET deleted = true, pending = NULL, revision = GREATEST(revision, $3), watch_owner = NULL, watch_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND server_id = $2`,
        [tenantId, p.serverId, p.revision],
      );
      await sql.exec(`DELETE FROM discovery.inventory WHERE tenant_id = $1 AND server_id = $2`, [
        tenantId,
        p.serverId,
      ]);
      if (n === 0) {
        await sql.exec(
          `INSERT INTO discovery.servers (tenant_id, server_id, kind, deleted, revision) VALUES ($1, $2, $3, true, $4) ON CONFLICT DO NOTHING`,
          [tenantId, p.serverId, p.kind, p.revision],
        );
      }
      return true;
    }
    const rows = await sql.many<{ server_id: string }>(
      `INSERT INTO discovery.servers AS s (tenant_id, server_id, catalog_id, kind, upstream_url, transport, okta_org_url, paused, revision, pending, credential_mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, server_id) DO UPDATE SET
         catalog_id = EXCLUDED.catalog_id, kind = EXCLUDED.kind, upstream_url = EXCLUDED.upstream_url, transport = EXCLUDED.transport,
         okta_org_url = EXCLUDED.okta_org_url, credential_mode = EXCLUDED.credential_mode, paused = EXCLUDED.paused, revision = EXCLUDED.revision,
         pending = COALESCE(EXCLUDED.pending, s.pending), updated_at = now()
       WHERE NOT s.deleted AND s.revision <= EXCLUDED.revision
       RETURNING server_id`,
      [
        tenantId,
        p.serverId,
        p.catalogId ?? null,
        p.kind,
        p.upstreamUrl ?? null,
        p.transport ?? 'streamable_http',
        p.oktaOrgUrl ?? null,
        p.paused,
        p.revision,
        pending ? JSON.stringify(pending) : null,
        p.credentialMode,
      ],
    );
    return rows.length > 0;
  }

  async requestRun(sql: Sql, tenantId: string, serverId: string, pending: PendingRun): Promise<boolean> {
    return (
      (await sql.exec(
        `UPDATE discovery.servers SET pending = $3 WHERE tenant_id = $1 AND server_id = $2 AND NOT deleted`,
        [tenantId, serverId, JSON.stringify(pending)],
      )) > 0
    );
  }

  async get(sql: Sql, tenantId: string, serverId: string): Promise<KnownServer | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM discovery.servers WHERE tenant_id = $1 AND server_id = $2`,
      [tenantId, serverId],
    );
    return row ? toServer(row) : undefined;
  }

  /** Claims the run lease for one server; undefined when another run holds it or the server is gone. */
  async claimRun(
    sql: Sql,
    tenantId: string,
    serverId: string,
    owner: string,
    leaseMs: number,
  ): Promise<KnownServer | undefined> {
    const row = await sql.one<Row>(
      `UPDATE discovery.servers SET lease_owner = $3, lease_until = now() + ($4::int * interval '1 millisecond')
       WHERE tenant_id = $1 AND server_id = $2 AND NOT deleted AND (lease_until IS NULL OR lease_until < now())
       RETURNING *`,
      [tenantId, serverId, owner, leaseMs],
    );
    return row ? toServer(row) : undefined;
  }

  async finishRun(
    sql: Sql,
    tenantId: string,
    serverId: string,
    owner: string,
    r: { ok: boolean; error: string | null; listChanged: boolean | null; ranPending: PendingRun | null },
  ): Promise<void> {
    await sql.exec(
      `UPDATE discovery.servers SET last_run_at = now(), last_ok = $4, last_error = $5, list_changed = COALESCE($6, list_changed),
         pending = CASE WHEN $7::jsonb IS NOT NULL AND pending = $7::jsonb THEN NULL ELSE pending END,
         lease_owner = NULL, lease_until = NULL
       WHERE tenant_id = $1 AND server_id = $2 AND lease_owner = $3`,
      [
        tenantId,
        serverId,
        owner,
        r.ok,
        r.error,
        r.listChanged,
        r.ranPending ? JSON.stringify(r.ranPending) : null,
      ],
    );
  }

  async releaseRun(
    sql: Sql,
    tenantId: string,
    serverId: string,
    owner: string,
    clearPending: PendingRun | null = null,
  ): Promise<void> {
    await sql.exec(
      `UPDATE discovery.servers SET lease_owner = NULL, lease_until = NULL,
         pending = CASE WHEN $4::jsonb IS NOT NULL AND pending = $4::jsonb THEN NULL ELSE pending END
       WHERE tenant_id = $1 AND server_id = $2 AND lease_owner = $3`,
      [tenantId, serverId, owner, clearPending ? JSON.stringify(clearPending) : null],
    );
  }

  /**
   * Servers with a requested run, or whose scheduled run is due (a failed server is retried after at
   * most five minutes, whatever the interval), and no run in progress.
   */
  async due(sql: Sql, tenantId: string, intervalSeconds: number, limit: number): Promise<string[]> {
    const rows = await sql.many<{ server_id: string }>(
      `SELECT server_id FROM discovery.servers
       WHERE tenant_id = $1 AND NOT deleted AND (lease_until IS NULL OR lease_until < now())
         AND (pending IS NOT NULL OR ($2::int > 0 AND NOT paused AND (last_run_at IS NULL
           OR last_run_at + ((CASE WHEN last_ok = false THEN LEAST($2::int, 300) ELSE $2::int END) * interval '1 second') <= now())))
       ORDER BY pending IS NULL, last_run_at NULLS FIRST LIMIT $3`,
      [tenantId, intervalSeconds, limit],
    );
    return rows.map((r) => r.server_id);
  }

  async inventory(sql: Sql, tenantId: string, serverId: string): Promise<Map<string, string>> {
    const rows = await sql.many<{ name: string; hash: string }>(
      `SELECT name, hash FROM discovery.inventory WHERE tenant_id = $1 AND server_id = $2`,
      [tenantId, serverId],
    );
    return new Map(rows.map((r) => [r.name, r.hash]));
  }

  async replaceInventory(
    sql: Sql,
    tenantId: string,
    serverId: string,
    items: { name: string; hash: string }[],
  ): Promise<void> {
    await sql.exec(`DELETE FROM discovery.inventory WHERE tenant_id = $1 AND server_id = $2`, [
      tenantId,
      serverId,
    ]);
    if (items.length) {
      await sql.exec(
        `INSERT INTO discovery.inventory (tenant_id, server_id, name, hash)
         SELECT $1, $2, i->>'name', i->>'hash' FROM jsonb_array_elements($3::jsonb) AS i`,
        [tenantId, serverId, JSON.stringify(items)],
      );
    }
  }

  async intervalSeconds(sql: Sql, tenantId: string): Promise<number | undefined> {
    const row = await sql.one<{ interval_seconds: number }>(
      `SELECT interval_seconds FROM discovery.settings WHERE tenant_id = $1`,
      [tenantId],
    );
    return row?.interval_seconds;
  }

  async setInterval(sql: Sql, tenantId: string, seconds: number, policyVersion: number): Promise<void> {
    await sql.exec(
      `INSERT INTO discovery.settings AS s (tenant_id, interval_seconds, policy_version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET interval_seconds = EXCLUDED.interval_seconds, policy_version = EXCLUDED.policy_version
       WHERE s.policy_version < EXCLUDED.policy_version`,
      [tenantId, seconds, policyVersion],
    );
  }

  // ----- list_changed watch leases -----

  async claimWatch(
    sql: Sql,
    tenantId: string,
    serverId: string,
    owner: string,
    leaseMs: number,
  ): Promise<KnownServer | undefined> {
    const row = await sql.one<Row>(
      `UPDATE discovery.servers SET watch_owner = $3, watch_until = now() + ($4::int * interval '1 millisecond')
       WHERE tenant_id = $1 AND server_id = $2 AND NOT deleted AND NOT paused AND list_changed
         AND (watch_until IS NULL OR watch_until < now() OR watch_owner = $3)
       RETURNING *`,
      [tenantId, serverId, owner, leaseMs],
    );
    return row ? toServer(row) : undefined;
  }

  async releaseWatch(sql: Sql, tenantId: string, serverId: string, owner: string): Promise<void> {
    await sql.exec(
      `UPDATE discovery.servers SET watch_owner = NULL, watch_until = NULL WHERE tenant_id = $1 AND server_id = $2 AND watch_owner = $3`,
      [tenantId, serverId, owner],
    );
  }

  async watchCandidates(sql: Sql, tenantId: string): Promise<string[]> {
    const rows = await sql.many<{ server_id: string }>(
      `SELECT server_id FROM discovery.servers WHERE tenant_id = $1 AND NOT deleted AND NOT paused AND list_changed AND (watch_until IS NULL OR watch_until < now())`,
      [tenantId],
    );
    return rows.map((r) => r.server_id);
  }
}
