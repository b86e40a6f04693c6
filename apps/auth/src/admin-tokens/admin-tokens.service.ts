import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual, randomToken, sha256Hex } from '@portcullis/crypto';
import type { Principal } from '@portcullis/admin-auth';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { NotFoundError, ValidationError } from '../common/errors';
import { AdminTokenRepository, type AdminTokenRecord } from './admin-token.repository';

export const ADMIN_TOKEN_PREFIX = 'pcat_';
/** Scopes an admin API token may carry. `admin` = full admin (what AdminGuard accepts); `admin:read` = read-only, for APIs that check scopes. */
export const ADMIN_TOKEN_SCOPES = ['admin', 'admin:read'] as const;

export type IntrospectedAdminToken =
  | { active: true; principal: Principal }
  | { active: false; reason: string };

@Injectable()
export class AdminTokensService {
  constructor(
    private readonly repo: AdminTokenRepository,
    private readonly events: AuthEvents,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async create(
    input: { name: string; scopes?: string[]; expiresInDays?: number },
    actor: AuditActor,
  ): Promise<{ token: string; record: AdminTokenRecord }> {
    const name = input.name?.trim();
    if (!name || name.length > 100)
      throw new ValidationError('name is required (1-100 characters), e.g. "terraform".');
    const scopes = input.scopes ?? ['admin'];
    const bad = scopes.filter((s) => !(ADMIN_TOKEN_SCOPES as readonly string[]).includes(s));
    if (bad.length || scopes.length === 0)
      throw new ValidationError(
        `scopes must be a non-empty subset of ${ADMIN_TOKEN_SCOPES.join(', ')}; got ${JSON.stringify(scopes)}.`,
      );
    if (
      input.expiresInDays !== undefined &&
      (!Number.isInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 3650)
    ) {
      throw new ValidationError('expiresInDays must be a whole number of days between 1 and 3650.');
    }
    const token = `${ADMIN_TOKEN_PREFIX}${randomToken(32)}`;
    const record = await this.repo.insert(this.platform.tenantId, {
      id: randomUUID(),
      name,
      tokenHash: sha256Hex(token),
      tokenHint: `${token.slice(0, 9)}…${token.slice(-4)}`,
      scopes,
      createdBy: actor.email ?? actor.id,
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
    });
    await this.events.audit(
      'auth.admin_token.created',
      actor,
      { type: 'admin_token', id: record.id },
      `Admin API token "${name}" created`,
      { scopes, expiresAt: record.expiresAt?.toISOString() ?? null },
    );
    return { token, record };
  }

  list(): Promise<AdminTokenRecord[]> {
    return this.repo.list(this.platform.tenantId);
  }

  async revoke(id: string, actor: AuditActor): Promise<AdminTokenRecord> {
    const rec = /^[0-9a-f-]{36}$/i.test(id) ? await this.repo.revoke(this.platform.tenantId, id) : null;
    if (!rec) throw new NotFoundError(`Admin API token "${id}" does not exist.`);
    await this.events.adminTokenRevoked(rec.id);
    await this.events.audit(
      'auth.admin_token.revoked',
      actor,
      { type: 'admin_token', id },
      `Admin API token "${rec.name}" revoked`,
    );
    return rec;
  }

  isBootstrap(token: string): boolean {
    const b = this.cfg.PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN;
    return !!b && constantTimeEqual(token, b);
  }

  /** Admin API token or the bootstrap token → who it is; null when the token is neither. */
  async introspect(token: string): Promise<IntrospectedAdminToken | null> {
    if (this.isBootstrap(token)) {
      return {
        active: true,
        principal: {
          kind: 'admin_api_token',
          sub: 'bootstrap',
          name: 'bootstrap admin token',
          groups: [],
          scopes: ['admin'],
          admin: true,
        },
      };
    }
    if (!token.startsWith(ADMIN_TOKEN_PREFIX)) return null;
    const rec = await this.repo.findByHash(this.platform.tenantId, sha256Hex(token));
    if (!rec) return { active: false, reason: 'unknown admin API token' };
    if (rec.revokedAt) return { active: false, reason: 'the admin API token has been revoked' };
    if (rec.expiresAt && rec.expiresAt.getTime() <= Date.now())
      return { active: false, reason: 'the admin API token has expired' };
    await this.repo.touch(rec.id).catch(() => undefined);
    return {
      active: true,
      principal: {
        kind: 'admin_api_token',
        sub: rec.id,
        name: rec.name,
        groups: [],
        scopes: rec.scopes,
        admin: rec.scopes.includes('admin'),
      },
    };
  }
}

export function toAdminTokenView(r: AdminTokenRecord) {
  return {
    id: r.id,
    name: r.name,
    tokenHint: r.tokenHint,
    scopes: r.scopes,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    state: r.revokedAt
      ? 'revoked'
      : r.expiresAt && r.expiresAt.getTime() <= Date.now()
        ? 'expired'
        : 'active',
  };
}
