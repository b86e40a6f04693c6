import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { rowsOf } from '../common/sql';

export interface AuthorizationCodeRow {
  codeHash: string;
  aiClientId: string;
  oauthClientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  resource: string;
  scope: string;
  familyId: string;
  expiresAt: Date;
}

export interface RefreshTokenRow {
  id: string;
  familyId: string;
  aiClientId: string;
  oauthClientId: string;
  userId: string;
  scope: string;
  resource: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const toCode = (r: any): AuthorizationCodeRow => ({
  codeHash: r.code_hash,
  aiClientId: r.ai_client_id,
  oauthClientId: r.oauth_client_id,
  userId: r.user_id,
  redirectUri: r.redirect_uri,
  codeChallenge: r.code_challenge,
  resource: r.resource,
  scope: r.scope,
  familyId: r.family_id,
  expiresAt: new Date(r.expires_at),
});

const toRefresh = (r: any): RefreshTokenRow => ({
  id: r.id,
  familyId: r.family_id,
  aiClientId: r.ai_client_id,
  oauthClientId: r.oauth_client_id,
  userId: r.user_id,
  scope: r.scope,
  resource: r.resource,
  expiresAt: new Date(r.expires_at),
  rotatedAt: r.rotated_at ? new Date(r.rotated_at) : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Authorization codes, refresh tokens (hashed) and the ledger of issued access tokens (by jti). */
@Injectable()
export class TokenRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async insertCode(
    tenantId: string,
    c: Omit<AuthorizationCodeRow, 'expiresAt'> & { ttlSeconds: number },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth.authorization_codes (code_hash, tenant_id, ai_client_id, oauth_client_id, user_id, redirect_uri, code_challenge, resource, scope, family_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
      [
        c.codeHash,
        tenantId,
        c.aiClientId,
        c.oauthClientId,
        c.userId,
        c.redirectUri,
        c.codeChallenge,
        c.resource,
        c.scope,
        c.familyId,
        c.ttlSeconds,
      ],
    );
  }

  /**
   * Marks a code used and returns it, atomically. `firstUse` is false when it had been redeemed
   * before: a replay, whose tokens the caller revokes.
   */
  async redeemCode(
    tenantId: string,
    codeHash: string,
  ): Promise<{ code: AuthorizationCodeRow; firstUse: boolean } | null> {
    const claimed = rowsOf(
      await this.ds.query(
        `UPDATE auth.authorization_codes SET used_at = now() WHERE code_hash = $1 AND tenant_id = $2 AND used_at IS NULL RETURNING *`,
        [codeHash, tenantId],
      ),
    );
    if (claimed[0]) return { code: toCode(claimed[0]), firstUse: true };
    const rows = await this.ds.query(
      `SELECT * FROM auth.authorization_codes WHERE code_hash = $1 AND tenant_id = $2`,
      [codeHash, tenantId],
    );
    return rows[0] ? { code: toCode(rows[0]), firstUse: false } : null;
  }

  async insertRefreshToken(
    tenantId: string,
    t: {
      id: string;
      tokenHash: string;
      familyId: string;
      aiClientId: string;
      oauthClientId: string;
      userId: string;
      scope: string;
      resource: string;
      ttlSeconds: number;
    },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth.refresh_tokens (id, token_hash, tenant_id, family_id, ai_client_id, oauth_client_id, user_id, scope, resource, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))`,
      [
        t.id,
        t.tokenHash,
        tenantId,
        t.familyId,
        t.aiClientId,
        t.oauthClientId,
        t.userId,
        t.scope,
        t.resource,
        t.ttlSeconds,
      ],
    );
  }

  /**
   * Claims a refresh token for rotation, atomically: only one presenter of a given token can
   * succeed. Otherwise says why not; `reused` means it had already been rotated away.
   */
  async claimRefreshToken(
    tenantId: string,
    tokenHash: string,
  ): Promise<
    | { ok: true; token: RefreshTokenRow }
    | { ok: false; why: 'unknown' | 'revoked' | 'reused' | 'expired'; token?: RefreshTokenRow }
  > {
    const claimed = rowsOf(
      await this.ds.query(
        `UPDATE auth.refresh_tokens SET rotated_at = now()
          WHERE token_hash = $1 AND tenant_id = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
          RETURNING *`,
        [tokenHash, tenantId],
      ),
    );
    if (claimed[0]) return { ok: true, token: toRefresh(claimed[0]) };
    const rows = await this.ds.query(
      `SELECT * FROM auth.refresh_tokens WHERE token_hash = $1 AND tenant_id = $2`,
      [tokenHash, tenantId],
    );
    if (!rows[0]) return { ok: false, why: 'unknown' };
    const t = toRefresh(rows[0]);
    if (t.revokedAt) return { ok: false, why: 'revoked', token: t };
    if (t.rotatedAt) return { ok: false, why: 'reused', token: t };
    return { ok: false, why: 'expired', token: t };
  }

  async findRefreshToken(tenantId: string, tokenHash: string): Promise<RefreshTokenRow | null> {
    const rows = await this.ds.query(
      `SELECT * FROM auth.refresh_tokens WHERE token_hash = $1 AND tenant_id = $2`,
      [tokenHash, tenantId],
    );
    return rows[0] ? toRefresh(rows[0]) : null;
  }

  async recordAccessToken(
    tenantId: string,
    t: { jti: string; aiClientId: string; userId: string | null; familyId: string | null; expiresAt: Date },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO auth.access_tokens (jti, tenant_id, ai_client_id, user_id, family_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [t.jti, tenantId, t.aiClientId, t.userId, t.familyId, t.expiresAt],
    );
  }

  async accessTokenStatus(
    tenantId: string,
    jti: string,
  ): Promise<{ revoked: boolean; aiClientId: string; clientState: string } | null> {
    const rows: { revoked_at: Date | null; ai_client_id: string; state: string }[] = await this.ds.query(
      `SELECT t.revoked_at, t.ai_client_id, c.state FROM auth.access_tokens t JOIN auth.ai_clients c ON c.id = t.ai_client_id
        WHERE t.jti = $1 AND t.tenant_id = $2`,
      [jti, tenantId],
    );
    const r = rows[0];
    return r ? { revoked: r.revoked_at !== null, aiClientId: r.ai_client_id, clientState: r.state } : null;
  }

  /** Revokes a token family (every refresh token and live access token descending from one authorization). */
  async revokeFamily(tenantId: string, familyId: string): Promise<string[]> {
    await this.ds.query(
      `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL`,
      [tenantId, familyId],
    );
    const jtis = rowsOf<{ jti: string }>(
      await this.ds.query(
        `UPDATE auth.access_tokens SET revoked_at = now() WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL AND expires_at > now() RETURNING jti`,
        [tenantId, familyId],
      ),
    );
    return jtis.map((r) => r.jti);
  }

  async revokeAccessToken(tenantId: string, jti: string): Promise<boolean> {
    const rows = rowsOf(
      await this.ds.query(
        `UPDATE auth.access_tokens SET revoked_at = now() WHERE tenant_id = $1 AND jti = $2 AND revoked_at IS NULL RETURNING jti`,
        [tenantId, jti],
      ),
    );
    return rows.length > 0;
  }

  /** Everything an AI client holds: used when it is closed. Returns the live access-token ids. */
  async revokeAllForClient(tenantId: string, aiClientId: string): Promise<string[]> {
    await this.ds.query(
      `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND ai_client_id = $2 AND revoked_at IS NULL`,
      [tenantId, aiClientId],
    );
    const jtis = rowsOf<{ jti: string }>(
      await this.ds.query(
        `UPDATE auth.access_tokens SET revoked_at = now() WHERE tenant_id = $1 AND ai_client_id = $2 AND revoked_at IS NULL AND expires_at > now() RETURNING jti`,
        [tenantId, aiClientId],
      ),
    );
    return jtis.map((r) => r.jti);
  }

  async deleteExpired(): Promise<number> {
    let n = 0;
    n += rowsOf(
      await this.ds.query(
        `DELETE FROM auth.authorization_codes WHERE expires_at < now() - interval '1 hour' RETURNING 1`,
      ),
    ).length;
    n += rowsOf(
      await this.ds.query(
        `DELETE FROM auth.refresh_tokens WHERE expires_at < now() - interval '1 day' RETURNING 1`,
      ),
    ).length;
    n += rowsOf(
      await this.ds.query(
        `DELETE FROM auth.access_tokens WHERE expires_at < now() - interval '1 day' RETURNING 1`,
      ),
    ).length;
    return n;
  }
}
