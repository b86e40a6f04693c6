import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';

export type UpstreamKind = 'okta' | 'oauth' | 'static';
export type UpstreamCredentialMode = 'per_user' | 'service' | 'client_credentials' | 'static';
export type UpstreamAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** How Portcullis obtains credentials for one registered upstream server (secrets sealed). */
export interface UpstreamClientRecord {
  serverId: string;
  kind: UpstreamKind;
  displayName: string;
  credentialMode: UpstreamCredentialMode;
  oktaOrgUrl: string | null;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  revocationEndpoint: string | null;
  clientId: string | null;
  tokenEndpointAuthMethod: UpstreamAuthMethod;
  clientSecretSealed: string | null;
  previousClientSecretSealed: string | null;
  previousSecretUntil: Date | null;
  privateKeySealed: string | null;
  privateKeyId: string | null;
  scopes: string[];
  staticHeadersSealed: string | null;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
const toRecord = (r: any): UpstreamClientRecord => ({
  serverId: r.server_id,
  kind: r.kind,
  displayName: r.display_name,
  credentialMode: r.credential_mode,
  oktaOrgUrl: r.okta_org_url,
  authorizationEndpoint: r.authorization_endpoint,
  tokenEndpoint: r.token_endpoint,
  revocationEndpoint: r.revocation_endpoint,
  clientId: r.client_id,
  tokenEndpointAuthMethod: r.token_endpoint_auth_method,
  clientSecretSealed: r.client_secret_sealed,
  previousClientSecretSealed: r.previous_client_secret_sealed,
  previousSecretUntil: r.previous_secret_until ? new Date(r.previous_secret_until) : null,
  privateKeySealed: r.private_key_sealed,
  privateKeyId: r.private_key_id,
  scopes: r.scopes ?? [],
  staticHeadersSealed: r.static_headers_sealed,
  revision: Number(r.revision),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

@Injectable()
export class UpstreamClientRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async find(tenantId: string, serverId: string): Promise<UpstreamClientRecord | null> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.upstream_clients WHERE tenant_id = $1 AND server_id = $2`,
      [tenantId, serverId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(tenantId: string): Promise<UpstreamClientRecord[]> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.upstream_clients WHERE tenant_id = $1 ORDER BY server_id`,
      [tenantId],
    );
    return rows.map(toRecord);
  }

  /** Insert or replace; the revision increases on every write (cache keys carry it). */
  async save(
    tenantId: string,
    r: Omit<UpstreamClientRecord, 'revision' | 'createdAt' | 'updatedAt'>,
  ): Promise<UpstreamClientRecord> {
    const rows = await this.ds.query(
      `INSERT INTO auth.upstream_clients (tenant_id, server_id, kind, display_name, credential_mode, okta_org_url, authorization_endpoint, token_endpoint,
          revocation_endpoint, client_id, token_endpoint_auth_method, client_secret_sealed, previous_client_secret_sealed, previous_secret_until,
          private_key_sealed, private_key_id, scopes, static_headers_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18)
       ON CONFLICT (tenant_id, server_id) DO UPDATE SET
          kind = EXCLUDED.kind, display_name = EXCLUDED.display_name, credential_mode = EXCLUDED.credential_mode,
          okta_org_url = EXCLUDED.okta_org_url, authorization_endpoint = EXCLUDED.authorization_endpoint, token_endpoint = EXCLUDED.token_endpoint,
          revocation_endpoint = EXCLUDED.revocation_endpoint, client_id = EXCLUDED.client_id,
          token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method, client_secret_sealed = EXCLUDED.client_secret_sealed,
          previous_client_secret_sealed = EXCLUDED.previous_client_secret_sealed, previous_secret_until = EXCLUDED.previous_secret_until,
          private_key_sealed = EXCLUDED.private_key_sealed, private_key_id = EXCLUDED.private_key_id, scopes = EXCLUDED.scopes,
          static_headers_sealed = EXCLUDED.static_headers_sealed, revision = auth.upstream_clients.revision + 1, updated_at = now()
       RETURNING *`,
      [
        tenantId,
        r.serverId,
        r.kind,
        r.displayName,
        r.credentialMode,
        r.oktaOrgUrl,
        r.authorizationEndpoint,
        r.tokenEndpoint,
        r.revocationEndpoint,
        r.clientId,
        r.tokenEndpointAuthMethod,
        r.clientSecretSealed,
        r.previousClientSecretSealed,
        r.previousSecretUntil,
        r.privateKeySealed,
        r.privateKeyId,
        JSON.stringify(r.scopes),
        r.staticHeadersSealed,
      ],
    );
    return toRecord(rows[0]);
  }

  async delete(tenantId: string, serverId: string): Promise<boolean> {
    return (
      rowsOf(
        await this.ds.query(
          `DELETE FROM auth.upstream_clients WHERE tenant_id = $1 AND server_id = $2 RETURNING 1`,
          [tenantId, serverId],
        ),
      ).length > 0
    );
  }

  async updateSealed(
    tenantId: string,
    serverId: string,
    s: Pick<
      UpstreamClientRecord,
      'clientSecretSealed' | 'previousClientSecretSealed' | 'privateKeySealed' | 'staticHeadersSealed'
    >,
  ): Promise<void> {
    await this.ds.query(
      `UPDATE auth.upstream_clients SET client_secret_sealed = $3, previous_client_secret_sealed = $4, private_key_sealed = $5, static_headers_sealed = $6
        WHERE tenant_id = $1 AND server_id = $2`,
      [
        tenantId,
        serverId,
        s.clientSecretSealed,
        s.previousClientSecretSealed,
        s.privateKeySealed,
        s.staticHeadersSealed,
      ],
    );
  }
}
