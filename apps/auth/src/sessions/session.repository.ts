import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';
import { type PortcullisUser, toUser } from '../users/user.repository';

export interface BrowserSession {
  idHash: string;
  user: PortcullisUser;
  csrfSecret: string;
  expiresAt: Date;
}

/** Signed-in browser sessions (server side; the cookie holds only a random id, stored here hashed). */
@Injectable()
export class SessionRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async create(s: {
    idHash: string;
    tenantId: string;
    userId: string;
    csrfSecret: string;
    ttlSeconds: number;
  }): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth.browser_sessions (id_hash, tenant_id, user_id, csrf_secret, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [s.idHash, s.tenantId, s.userId, s.csrfSecret, s.ttlSeconds],
    );
  }

  async find(tenantId: string, idHash: string): Promise<BrowserSession | null> {
    const rows: (Record<string, unknown> & {
      s_id_hash: string;
      s_csrf_secret: string;
      s_expires_at: Date;
    })[] = await this.ds.query(
      `SELECT u.*, s.id_hash AS s_id_hash, s.csrf_secret AS s_csrf_secret, s.expires_at AS s_expires_at
         FROM auth.browser_sessions s JOIN auth.users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.tenant_id = $2 AND s.expires_at > now()`,
      [idHash, tenantId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      idHash: r.s_id_hash,
      csrfSecret: r.s_csrf_secret,
      expiresAt: new Date(r.s_expires_at),
      user: toUser(r as never),
    };
  }

  async delete(idHash: string): Promise<void> {
    await this.ds.query(`DELETE FROM auth.browser_sessions WHERE id_hash = $1`, [idHash]);
  }

  async deleteExpired(): Promise<number> {
    return rowsOf(
      await this.ds.query(`DELETE FROM auth.browser_sessions WHERE expires_at < now() RETURNING 1`),
    ).length;
  }
}
