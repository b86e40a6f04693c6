import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';

export type Registration = 'cimd' | 'dcr' | 'admin';
export type ClientType = 'personal' | 'shared' | 'service' | 'ephemeral';
export type ClientState = 'active' | 'hidden' | 'closed';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** An OAuth client as registered: by metadata document (CIMD), dynamically (DCR), or by an admin (service clients). */
export interface OAuthClientRecord {
  clientId: string;
  registration: Registration;
  clientName: string | null;
  clientUri: string | null;
  logoUri: string | null;
  redirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  secretHash: string | null;
  scope: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/**
 * An AI client: one registered client as used by one owner ("Jess's Claude Desktop"). The
 * `id` is the `client_id` claim of the access tokens auth issues; admins list, hide and close them.
 */
export interface AiClientRecord {
  id: string;
  oauthClientId: string;
  ownerUserId: string | null;
  ownerLabel: string | null;
  name: string;
  type: ClientType;
  state: ClientState;
  groups: string[];
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
  closedAt: Date | null;
  registration?: Registration;
  ownerEmail?: string | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const toOAuthClient = (r: any): OAuthClientRecord => ({
  clientId: r.client_id,
  registration: r.registration,
  clientName: r.client_name,
  clientUri: r.client_uri,
  logoUri: r.logo_uri,
  redirectUris: r.redirect_uris ?? [],
  grantTypes: r.grant_types ?? [],
  tokenEndpointAuthMethod: r.token_endpoint_auth_method,
  secretHash: r.secret_hash,
  scope: r.scope,
  metadata: r.metadata ?? {},
  createdAt: new Date(r.created_at),
});

const toAiClient = (r: any): AiClientRecord => ({
  id: r.id,
  oauthClientId: r.oauth_client_id,
  ownerUserId: r.owner_user_id,
  ownerLabel: r.owner_label,
  name: r.name,
  type: r.type,
  state: r.state,
  groups: r.groups ?? [],
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  closedAt: r.closed_at ? new Date(r.closed_at) : null,
  ...(r.registration ? { registration: r.registration } : {}),
  ...('owner_email' in r ? { ownerEmail: r.owner_email } : {}),
});
/* eslint-enable @typescript-eslint/no-explicit-any */

@Injectable()
export class ClientRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async findOAuthClient(tenantId: string, clientId: string): Promise<OAuthClientRecord | null> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.oauth_clients WHERE tenant_id = $1 AND client_id = $2`,
      [tenantId, clientId],
    );
    return rows[0] ? toOAuthClient(rows[0]) : null;
  }

  /** Insert, or refresh the stored copy of a metadata document's client. */
  async upsertOAuthClient(tenantId: string, c: Omit<OAuthClientRecord, 'createdAt'>): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth.oauth_clients (tenant_id, client_id, registration, client_name, client_uri, logo_uri, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12::jsonb)
       ON CONFLICT (tenant_id, client_id) DO UPDATE SET
         client_name = EXCLUDED.client_name, client_uri = EXCLUDED.client_uri, logo_uri = EXCLUDED.logo_uri,
         redirect_uris = EXCLUDED.redirect_uris, grant_types = EXCLUDED.grant_types,
         token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method, scope = EXCLUDED.scope,
         metadata = EXCLUDED.metadata, updated_at = now()`,
      [
        tenantId,
        c.clientId,
        c.registration,
        c.clientName,
        c.clientUri,
        c.logoUri,
        JSON.stringify(c.redirectUris),
        JSON.stringify(c.grantTypes),
        c.tokenEndpointAuthMethod,
        c.secretHash,
        c.scope,
        JSON.stringify(c.metadata),
      ],
    );
  }

  async updateSecretHash(tenantId: string, clientId: string, secretHash: string): Promise<void> {
    await this.ds.query(
      `UPDATE auth.oauth_clients SET secret_hash = $3, updated_at = now() WHERE tenant_id = $1 AND client_id = $2`,
      [tenantId, clientId, secretHash],
    );
  }

  /** The AI client of (OAuth client, owner), created on first consent. */
  async findOrCreateAiClient(
    tenantId: string,
    c: {
      oauthClientId: string;
      ownerUserId: string | null;
      ownerLabel: string | null;
      name: string;
      type: ClientType;
      groups?: string[];
    },
  ): Promise<AiClientRecord> {
    const existing = await this.ds.query(
      `SELECT * FROM auth.ai_clients WHERE tenant_id = $1 AND oauth_client_id = $2 AND COALESCE(owner_user_id::text, '') = COALESCE($3::text, '')`,
      [tenantId, c.oauthClientId, c.ownerUserId],
    );
    if (existing[0]) return toAiClient(existing[0]);
    const rows = await this.ds.query(
      `INSERT INTO auth.ai_clients (id, tenant_id, oauth_client_id, owner_user_id, owner_label, name, type, state, groups)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8::jsonb)
       ON CONFLICT (tenant_id, oauth_client_id, (COALESCE(owner_user_id::text, ''))) DO UPDATE SET updated_at = auth.ai_clients.updated_at
       RETURNING *`,
      [
        `aic_${randomUUID().replace(/-/g, '')}`,
        tenantId,
        c.oauthClientId,
        c.ownerUserId,
        c.ownerLabel,
        c.name.slice(0, 200),
        c.type,
        JSON.stringify(c.groups ?? []),
      ],
    );
    return toAiClient(rows[0]);
  }

  async findAiClient(tenantId: string, id: string): Promise<AiClientRecord | null> {
    const rows = await this.ds.query(
      `SELECT a.*, o.registration, u.email AS owner_email
         FROM auth.ai_clients a
         JOIN auth.oauth_clients o ON o.tenant_id = a.tenant_id AND o.client_id = a.oauth_client_id
         LEFT JOIN auth.users u ON u.id = a.owner_user_id
        WHERE a.tenant_id = $1 AND a.id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toAiClient(rows[0]) : null;
  }

  async findAiClientByOAuthClient(tenantId: string, oauthClientId: string): Promise<AiClientRecord[]> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.ai_clients WHERE tenant_id = $1 AND oauth_client_id = $2`,
      [tenantId, oauthClientId],
    );
    return rows.map(toAiClient);
  }

  async listAiClients(
    tenantId: string,
    f: { state?: ClientState; type?: ClientType; ownerUserId?: string; limit: number; offset: number },
  ): Promise<AiClientRecord[]> {
    const where = ['a.tenant_id = $1'];
    const params: unknown[] = [tenantId];
    if (f.state) where.push(`a.state = $${params.push(f.state)}`);
    if (f.type) where.push(`a.type = $${params.push(f.type)}`);
    if (f.ownerUserId) where.push(`a.owner_user_id = $${params.push(f.ownerUserId)}`);
    params.push(f.limit, f.offset);
    const rows = await this.ds.query(
      `SELECT a.*, o.registration, u.email AS owner_email
         FROM auth.ai_clients a
         JOIN auth.oauth_clients o ON o.tenant_id = a.tenant_id AND o.client_id = a.oauth_client_id
         LEFT JOIN auth.users u ON u.id = a.owner_user_id
        WHERE ${where.join(' AND ')}
        ORDER BY a.created_at DESC, a.id
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toAiClient);
  }

  async updateAiClient(
    tenantId: string,
    id: string,
    patch: { name?: string; type?: ClientType; state?: ClientState; groups?: string[] },
  ): Promise<AiClientRecord | null> {
    const sets: string[] = ['updated_at = now()'];
    const params: unknown[] = [tenantId, id];
    if (patch.name !== undefined) sets.push(`name = $${params.push(patch.name)}`);
    if (patch.type !== undefined) sets.push(`type = $${params.push(patch.type)}`);
    if (patch.groups !== undefined)
      sets.push(`groups = $${params.push(JSON.stringify(patch.groups))}::jsonb`);
    if (patch.state !== undefined) {
      sets.push(`state = $${params.push(patch.state)}`);
      sets.push(patch.state === 'closed' ? 'closed_at = now()' : 'closed_at = NULL');
    }
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE auth.ai_clients SET ${sets.join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        params,
      ),
    );
    return rows[0] ? toAiClient(rows[0]) : null;
  }

  async touch(id: string): Promise<void> {
    await this.ds.query(`UPDATE auth.ai_clients SET last_used_at = now() WHERE id = $1`, [id]);
  }
}

export function newDcrClientId(): string {
  return `dcr_${randomUUID().replace(/-/g, '')}`;
}
