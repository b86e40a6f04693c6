import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';

export interface AdminTokenRecord {
  id: string;
  name: string;
  tokenHint: string;
  scopes: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
const toRecord = (r: any): AdminTokenRecord => ({
  id: r.id,
  name: r.name,
  tokenHint: r.token_hint,
  scopes: r.scopes ?? [],
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  expiresAt: r.expires_at ? new Date(r.expires_at) : null,
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

/** Admin API tokens (automation). Stored as SHA-256 of the token; the token itself is shown once. */
@Injectable()
export class AdminTokenRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insert(
    tenantId: string,
    t: {
      id: string;
      name: string;
      tokenHash: string;
      tokenHint: string;
      scopes: string[];
      createdBy: string;
      expiresAt: Date | null;
    },
  ): Promise<AdminTokenRecord> {
    const rows = await this.ds.query(
      `INSERT INTO auth.admin_tokens (id, tenant_id, name, token_hash, token_hint, scopes, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING *`,
      [t.id, tenantId, t.name, t.tokenHash, t.tokenHint, JSON.stringify(t.scopes), t.createdBy, t.expiresAt],
    );
    return toRecord(rows[0]);
  }

  async findByHash(tenantId: string, tokenHash: string): Promise<AdminTokenRecord | null> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.admin_tokens WHERE tenant_id = $1 AND token_hash = $2`,
      [tenantId, tokenHash],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(tenantId: string): Promise<AdminTokenRecord[]> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.admin_tokens WHERE tenant_id = $1 ORDER BY created_at DESC`,
      [tenantId],
    );
    return rows.map(toRecord);
  }

  async revoke(tenantId: string, id: string): Promise<AdminTokenRecord | null> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE auth.admin_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [tenantId, id],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Throttled: at most one write per token per minute, so a busy automation does not write per call. */
  async touch(id: string): Promise<void> {
    await this.ds.query(
      `UPDATE auth.admin_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
