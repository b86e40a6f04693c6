import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../common/sql';

export type ConnectionMode = 'per_user' | 'service' | 'client_credentials';

/** A user's (or the service identity's) credential at one upstream, sealed. */
export interface ConnectionRecord {
  id: string;
  serverId: string;
  /** `user:<id>` for per-user connections, `service` for the shared identity. */
  subject: string;
  userId: string | null;
  mode: ConnectionMode;
  status: 'connected' | 'needs_reconnect';
  reconnectReason: string | null;
  authorizedAs: string | null;
  authorizedBy: string | null;
  scopes: string[];
  tokenType: string;
  accessTokenSealed: string | null;
  accessTokenExpiresAt: Date | null;
  refreshTokenSealed: string | null;
  version: number;
  connectedAt: Date;
  updatedAt: Date;
  lastRefreshedAt: Date | null;
}

/* eslint-disable-next-line @typescript-eslint/no-explicit-any */
const toRecord = (r: any): ConnectionRecord => ({
  id: r.id,
  serverId: r.server_id,
  subject: r.subject,
  userId: r.user_id,
  mode: r.mode,
  status: r.status,
  reconnectReason: r.reconnect_reason,
  authorizedAs: r.authorized_as,
  authorizedBy: r.authorized_by,
  scopes: r.scopes ?? [],
  tokenType: r.token_type,
  accessTokenSealed: r.access_token_sealed,
  accessTokenExpiresAt: r.access_token_expires_at ? new Date(r.access_token_expires_at) : null,
  refreshTokenSealed: r.refresh_token_sealed,
  version: Number(r.version),
  connectedAt: new Date(r.connected_at),
  updatedAt: new Date(r.updated_at),
  lastRefreshedAt: r.last_refreshed_at ? new Date(r.last_refreshed_at) : null,
});

export interface NewTokens {
  accessTokenSealed: string;
  accessTokenExpiresAt: Date;
  refreshTokenSealed: string | null;
  scopes: string[];
  tokenType: string;
}

/** Writes that can run on the pool or inside a locked transaction (the Redis-less refresh path). */
export interface ConnectionWriter {
  upsertConnected(
    tenantId: string,
    c: {
      serverId: string;
      subject: string;
      userId: string | null;
      mode: ConnectionMode;
      authorizedAs: string | null;
      authorizedBy: string | null;
    } & NewTokens,
  ): Promise<ConnectionRecord>;
  /** Optimistic: succeeds only if nobody changed the row since `version` was read. */
  updateTokens(tenantId: string, id: string, version: number, t: NewTokens): Promise<ConnectionRecord | null>;
  markNeedsReconnect(tenantId: string, id: string, reason: string): Promise<void>;
}

@Injectable()
export class ConnectionRepository implements ConnectionWriter {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private run(em: EntityManager | undefined, sql: string, params: unknown[]): Promise<unknown> {
    return em ? em.query(sql, params) : this.ds.query(sql, params);
  }

  async find(
    tenantId: string,
    serverId: string,
    subject: string,
    em?: EntityManager,
  ): Promise<ConnectionRecord | null> {
    const rows = rowsOf(
      await this.run(
        em,
        `SELECT * FROM auth.connections WHERE tenant_id = $1 AND server_id = $2 AND subject = $3`,
        [tenantId, serverId, subject],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findById(tenantId: string, id: string): Promise<ConnectionRecord | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.ds.query(`SELECT * FROM auth.connections WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listForUser(tenantId: string, userId: string): Promise<ConnectionRecord[]> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.connections WHERE tenant_id = $1 AND user_id = $2 ORDER BY server_id`,
      [tenantId, userId],
    );
    return rows.map(toRecord);
  }

  async list(tenantId: string, f: { serverId?: string } = {}): Promise<ConnectionRecord[]> {
    const rows = f.serverId
      ? await this.ds.query(
          `SELECT * FROM auth.connections WHERE tenant_id = $1 AND server_id = $2 ORDER BY subject`,
          [tenantId, f.serverId],
        )
      : await this.ds.query(
          `SELECT * FROM auth.connections WHERE tenant_id = $1 ORDER BY server_id, subject`,
          [tenantId],
        );
    return rows.map(toRecord);
  }

  async all(tenantId: string): Promise<ConnectionRecord[]> {
    return this.list(tenantId);
  }

  /**
   * Runs `fn` holding a transaction-scoped advisory lock on (server, subject): the single-flight
   * guarantee when Redis is not there to hold the lock. Works whether or not the row exists.
   */
  async withSubjectLock<T>(
    tenantId: string,
    serverId: string,
    subject: string,
    fn: (conn: ConnectionRecord | null, writer: ConnectionWriter) => Promise<T>,
  ): Promise<T> {
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `auth.connection:${tenantId}:${serverId}:${subject}`,
      ]);
      const conn = await this.find(tenantId, serverId, subject, em);
      return fn(conn, this.writer(em));
    });
  }

  upsertConnected(...args: Parameters<ConnectionWriter['upsertConnected']>) {
    return this.writer().upsertConnected(...args);
  }

  updateTokens(...args: Parameters<ConnectionWriter['updateTokens']>) {
    return this.writer().updateTokens(...args);
  }

  markNeedsReconnect(...args: Parameters<ConnectionWriter['markNeedsReconnect']>) {
    return this.writer().markNeedsReconnect(...args);
  }

  private writer(em?: EntityManager): ConnectionWriter {
    return {
      upsertConnected: async (tenantId, c) => {
        const rows = rowsOf(
          await this.run(
            em,
            `INSERT INTO auth.connections (id, tenant_id, server_id, subject, user_id, mode, status, authorized_as, authorized_by, scopes, token_type,
                access_token_sealed, access_token_expires_at, refresh_token_sealed, last_refreshed_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'connected', $7, $8, $9::jsonb, $10, $11, $12, $13, now())
             ON CONFLICT (tenant_id, server_id, subject) DO UPDATE SET
                mode = EXCLUDED.mode, status = 'connected', reconnect_reason = NULL, authorized_as = EXCLUDED.authorized_as,
                authorized_by = EXCLUDED.authorized_by, scopes = EXCLUDED.scopes, token_type = EXCLUDED.token_type,
                access_token_sealed = EXCLUDED.access_token_sealed, access_token_expires_at = EXCLUDED.access_token_expires_at,
                refresh_token_sealed = EXCLUDED.refresh_token_sealed, version = auth.connections.version + 1,
                connected_at = now(), updated_at = now(), last_refreshed_at = now()
             RETURNING *`,
            [
              randomUUID(),
              tenantId,
              c.serverId,
              c.subject,
              c.userId,
              c.mode,
              c.authorizedAs,
              c.authorizedBy,
              JSON.stringify(c.scopes),
              c.tokenType,
              c.accessTokenSealed,
              c.accessTokenExpiresAt,
              c.refreshTokenSealed,
            ],
          ),
        );
        return toRecord(rows[0]);
      },
      updateTokens: async (tenantId, id, version, t) => {
        const rows = rowsOf(
          await this.run(
            em,
            `UPDATE auth.connections SET access_token_sealed = $4, access_token_expires_at = $5, refresh_token_sealed = $6, scopes = $7::jsonb,
                token_type = $8, version = version + 1, updated_at = now(), last_refreshed_at = now()
              WHERE tenant_id = $1 AND id = $2 AND version = $3 AND status = 'connected'
              RETURNING *`,
            [
              tenantId,
              id,
              version,
              t.accessTokenSealed,
              t.accessTokenExpiresAt,
              t.refreshTokenSealed,
              JSON.stringify(t.scopes),
              t.tokenType,
            ],
          ),
        );
        return rows[0] ? toRecord(rows[0]) : null;
      },
      markNeedsReconnect: async (tenantId, id, reason) => {
        await this.run(
          em,
          `UPDATE auth.connections SET status = 'needs_reconnect', reconnect_reason = $3, access_token_sealed = NULL, access_token_expires_at = NULL,
              refresh_token_sealed = NULL, version = version + 1, updated_at = now()
            WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id, reason.slice(0, 500)],
        );
      },
    };
  }

  /** After a scope or client change: every connection of the server must be re-authorized. */
  async markServerNeedsReconnect(
    tenantId: string,
    serverId: string,
    reason: string,
    modes: ConnectionMode[],
  ): Promise<ConnectionRecord[]> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE auth.connections SET status = 'needs_reconnect', reconnect_reason = $3, access_token_sealed = NULL, access_token_expires_at = NULL,
            refresh_token_sealed = NULL, version = version + 1, updated_at = now()
          WHERE tenant_id = $1 AND server_id = $2 AND status = 'connected' AND mode = ANY($4::text[])
          RETURNING *`,
        [tenantId, serverId, reason.slice(0, 500), modes],
      ),
    );
    return rows.map(toRecord);
  }

  async delete(tenantId: string, serverId: string, subject: string): Promise<ConnectionRecord | null> {
    const rows = rowsOf(
      await this.ds.query(
        `DELETE FROM auth.connections WHERE tenant_id = $1 AND server_id = $2 AND subject = $3 RETURNING *`,
        [tenantId, serverId, subject],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async deleteServer(
    tenantId: string,
    serverId: string,
    modes?: ConnectionMode[],
  ): Promise<ConnectionRecord[]> {
    const rows = modes
      ? rowsOf(
          await this.ds.query(
            `DELETE FROM auth.connections WHERE tenant_id = $1 AND server_id = $2 AND mode = ANY($3::text[]) RETURNING *`,
            [tenantId, serverId, modes],
          ),
        )
      : rowsOf(
          await this.ds.query(
            `DELETE FROM auth.connections WHERE tenant_id = $1 AND server_id = $2 RETURNING *`,
            [tenantId, serverId],
          ),
        );
    return rows.map(toRecord);
  }

  /** Re-sealed values (same plaintext) for a row not changed since `version` was read; false when it was. */
  async updateSealed(
    id: string,
    version: number,
    accessTokenSealed: string | null,
    refreshTokenSealed: string | null,
  ): Promise<boolean> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE auth.connections SET access_token_sealed = $3, refresh_token_sealed = $4 WHERE id = $1 AND version = $2 RETURNING 1`,
        [id, version, accessTokenSealed, refreshTokenSealed],
      ),
    );
    return rows.length > 0;
  }
}

export function userSubject(userId: string): string {
  return `user:${userId}`;
}
export const SERVICE_SUBJECT = 'service';
