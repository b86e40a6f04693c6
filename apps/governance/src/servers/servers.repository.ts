import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { PageRequest } from '../common/pagination';
import type { CredentialMode } from '../catalog/catalog';

export type UpstreamAuth = 'none' | 'oauth' | 'static';
export type Transport = 'streamable_http' | 'sse';

export interface OAuthSettings {
  clientId: string;
  scopes: string[];
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
}

export interface LastDiscovery {
  runId: string;
  ok: boolean;
  error?: string;
  at: string;
  trigger?: string;
  requestId?: string;
  added: number;
  changed: number;
  removed: number;
  total: number;
  warnings?: string[];
  listChanged?: boolean;
  serverInfo?: { name: string; version?: string };
}

export interface ServerRecord {
  id: string;
  tenantId: string;
  catalogId: 'okta' | 'remote-mcp';
  kind: string;
  displayName: string;
  toolPrefix: string;
  upstreamUrl: string | null;
  transport: Transport;
  oktaOrgUrl: string | null;
  credentialMode: CredentialMode;
  upstreamAuth: UpstreamAuth;
  oauth: OAuthSettings | null;
  clientSecretConfigured: boolean;
  staticHeaderName: string | null;
  staticSecretConfigured: boolean;
  requireToolApproval: boolean | null;
  paused: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  lastDiscovery: LastDiscovery | null;
  discoveryRequestedAt: string | null;
}

interface Row {
  id: string;
  tenant_id: string;
  catalog_id: ServerRecord['catalogId'];
  kind: string;
  display_name: string;
  tool_prefix: string;
  upstream_url: string | null;
  transport: Transport;
  okta_org_url: string | null;
  credential_mode: CredentialMode;
  upstream_auth: UpstreamAuth;
  oauth: OAuthSettings | null;
  client_secret_configured: boolean;
  static_header_name: string | null;
  static_secret_configured: boolean;
  require_tool_approval: boolean | null;
  paused: boolean;
  revision: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  last_discovery: LastDiscovery | null;
  discovery_requested_at: Date | null;
}

function toRecord(r: Row): ServerRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    catalogId: r.catalog_id,
    kind: r.kind,
    displayName: r.display_name,
    toolPrefix: r.tool_prefix,
    upstreamUrl: r.upstream_url,
    transport: r.transport,
    oktaOrgUrl: r.okta_org_url,
    credentialMode: r.credential_mode,
    upstreamAuth: r.upstream_auth,
    oauth: r.oauth,
    clientSecretConfigured: r.client_secret_configured,
    staticHeaderName: r.static_header_name,
    staticSecretConfigured: r.static_secret_configured,
    requireToolApproval: r.require_tool_approval,
    paused: r.paused,
    revision: r.revision,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    createdBy: r.created_by,
    lastDiscovery: r.last_discovery,
    discoveryRequestedAt: r.discovery_requested_at ? r.discovery_requested_at.toISOString() : null,
  };
}

export type NewServer = Omit<
  ServerRecord,
  'revision' | 'createdAt' | 'updatedAt' | 'lastDiscovery' | 'discoveryRequestedAt'
>;
export type ServerChanges = Partial<
  Pick<
    ServerRecord,
    | 'displayName'
    | 'toolPrefix'
    | 'upstreamUrl'
    | 'transport'
    | 'oktaOrgUrl'
    | 'credentialMode'
    | 'upstreamAuth'
    | 'oauth'
    | 'clientSecretConfigured'
    | 'staticHeaderName'
    | 'staticSecretConfigured'
    | 'requireToolApproval'
    | 'paused'
  >
>;

const COLUMNS: Record<keyof ServerChanges, string> = {
  displayName: 'display_name',
  toolPrefix: 'tool_prefix',
  upstreamUrl: 'upstream_url',
  transport: 'transport',
  oktaOrgUrl: 'okta_org_url',
  credentialMode: 'credential_mode',
  upstreamAuth: 'upstream_auth',
  oauth: 'oauth',
  clientSecretConfigured: 'client_secret_configured',
  staticHeaderName: 'static_header_name',
  staticSecretConfigured: 'static_secret_configured',
  requireToolApproval: 'require_tool_approval',
  paused: 'paused',
};

@Injectable()
export class ServersRepository {
  async insert(sql: Sql, s: NewServer): Promise<ServerRecord> {
    const row = await sql.one<Row>(
      `INSERT INTO governance.servers (id, tenant_id, catalog_id, kind, display_name, tool_prefix, upstream_url, transport, okta_org_url,
         credential_mode, upstream_auth, oauth, client_secret_configured, static_header_name, static_secret_configured,
         require_tool_approval, paused, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING *`,
      [
        s.id,
        s.tenantId,
        s.catalogId,
        s.kind,
        s.displayName,
        s.toolPrefix,
        s.upstreamUrl,
        s.transport,
        s.oktaOrgUrl,
        s.credentialMode,
        s.upstreamAuth,
        s.oauth ? JSON.stringify(s.oauth) : null,
        s.clientSecretConfigured,
        s.staticHeaderName,
        s.staticSecretConfigured,
        s.requireToolApproval,
        s.paused,
        s.createdBy,
      ],
    );
    return toRecord(row!);
  }

  async get(sql: Sql, tenantId: string, id: string, forUpdate = false): Promise<ServerRecord | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM governance.servers WHERE tenant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return row ? toRecord(row) : undefined;
  }

  async byPrefix(sql: Sql, tenantId: string, prefix: string): Promise<ServerRecord | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM governance.servers WHERE tenant_id = $1 AND tool_prefix = $2`,
      [tenantId, prefix],
    );
    return row ? toRecord(row) : undefined;
  }

  async all(sql: Sql, tenantId: string): Promise<ServerRecord[]> {
    return (
      await sql.many<Row>(`SELECT * FROM governance.servers WHERE tenant_id = $1 ORDER BY display_name, id`, [
        tenantId,
      ])
    ).map(toRecord);
  }

  async page(
    sql: Sql,
    tenantId: string,
    page: PageRequest,
    filter: { catalogId?: string },
  ): Promise<ServerRecord[]> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = $1';
    if (filter.catalogId) {
      params.push(filter.catalogId);
      where += ` AND catalog_id = $${params.length}`;
    }
    if (page.after) {
      params.push(page.after.key, page.after.id);
      where += ` AND (display_name, id) > ($${params.length - 1}, $${params.length}::uuid)`;
    }
    params.push(page.limit + 1);
    const rows = await sql.many<Row>(
      `SELECT * FROM governance.servers WHERE ${where} ORDER BY display_name, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  async update(sql: Sql, tenantId: string, id: string, changes: ServerChanges): Promise<ServerRecord> {
    const sets: string[] = [];
    const params: unknown[] = [tenantId, id];
    for (const [k, v] of Object.entries(changes) as [keyof ServerChanges, unknown][]) {
      if (v === undefined) continue;
      params.push(k === 'oauth' && v !== null ? JSON.stringify(v) : v);
      sets.push(`${COLUMNS[k]} = $${params.length}`);
    }
    const row = await sql.one<Row>(
      `UPDATE governance.servers SET ${[...sets, 'revision = revision + 1', 'updated_at = now()'].join(', ')}
       WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      params,
    );
    return toRecord(row!);
  }

  async delete(sql: Sql, tenantId: string, id: string): Promise<void> {
    await sql.exec(`DELETE FROM governance.servers WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  async recordDiscovery(sql: Sql, tenantId: string, id: string, last: LastDiscovery): Promise<void> {
    await sql.exec(`UPDATE governance.servers SET last_discovery = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
      JSON.stringify(last),
    ]);
  }

  async markDiscoveryRequested(sql: Sql, tenantId: string, id: string): Promise<void> {
    await sql.exec(
      `UPDATE governance.servers SET discovery_requested_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
  }
}
