import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import type { JWK } from 'jose';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwkSealed: string;
  createdAt: Date;
  retiredAt: Date | null;
}

interface RawRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_jwk_sealed: string;
  created_at: Date;
  retired_at: Date | null;
}

const toRow = (r: RawRow): SigningKeyRow => ({
  kid: r.kid,
  alg: r.alg,
  publicJwk: r.public_jwk,
  privateJwkSealed: r.private_jwk_sealed,
  createdAt: new Date(r.created_at),
  retiredAt: r.retired_at ? new Date(r.retired_at) : null,
});

/** The only code that touches auth.signing_keys. */
@Injectable()
export class SigningKeyRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** The active key (newest, not retired) and retired keys still inside the verification window. */
  async usable(tenantId: string, retiredAfter: Date): Promise<SigningKeyRow[]> {
    const rows: RawRow[] = await this.ds.query(
      `SELECT * FROM auth.signing_keys
        WHERE tenant_id = $1 AND (retired_at IS NULL OR retired_at > $2)
        ORDER BY created_at DESC`,
      [tenantId, retiredAfter],
    );
    return rows.map(toRow);
  }

  async all(tenantId: string): Promise<SigningKeyRow[]> {
    const rows: RawRow[] = await this.ds.query(
      `SELECT * FROM auth.signing_keys WHERE tenant_id = $1 ORDER BY created_at DESC`,
      [tenantId],
    );
    return rows.map(toRow);
  }

  /**
   * Runs `fn` holding a per-tenant advisory lock, so two replicas booting (or rotating) at once
   * do not both create an active key.
   */
  async withKeyLock<T>(
    tenantId: string,
    fn: (tx: {
      active(): Promise<SigningKeyRow | null>;
      insertAndActivate(k: Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>): Promise<void>;
    }) => Promise<T>,
  ): Promise<T> {
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`auth.signing_keys:${tenantId}`]);
      return fn({
        active: async () => {
          const rows: RawRow[] = await em.query(
            `SELECT * FROM auth.signing_keys WHERE tenant_id = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1`,
            [tenantId],
          );
          return rows[0] ? toRow(rows[0]) : null;
        },
        insertAndActivate: async (k) => {
          await em.query(
            `UPDATE auth.signing_keys SET retired_at = now() WHERE tenant_id = $1 AND retired_at IS NULL`,
            [tenantId],
          );
          await em.query(
            `INSERT INTO auth.signing_keys (kid, tenant_id, alg, public_jwk, private_jwk_sealed, created_at) VALUES ($1, $2, $3, $4, $5, clock_timestamp())`,
            [k.kid, tenantId, k.alg, JSON.stringify(k.publicJwk), k.privateJwkSealed],
          );
        },
      });
    });
  }

  async updateSealed(kid: string, sealed: string): Promise<void> {
    await this.ds.query(`UPDATE auth.signing_keys SET private_jwk_sealed = $2 WHERE kid = $1`, [kid, sealed]);
  }
}
