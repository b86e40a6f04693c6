import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';

/** A Portcullis user: an identity at the organization IdP, with the IdP groups seen at last sign-in. */
export interface PortcullisUser {
  id: string;
  tenantId: string;
  idpIssuer: string;
  idpSubject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  createdAt: Date;
  lastSignInAt: Date | null;
}

interface RawUser {
  id: string;
  tenant_id: string;
  idp_issuer: string;
  idp_subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
  created_at: Date;
  last_sign_in_at: Date | null;
}

export const toUser = (r: RawUser): PortcullisUser => ({
  id: r.id,
  tenantId: r.tenant_id,
  idpIssuer: r.idp_issuer,
  idpSubject: r.idp_subject,
  email: r.email,
  name: r.name,
  groups: Array.isArray(r.groups) ? r.groups : [],
  createdAt: new Date(r.created_at),
  lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at) : null,
});

@Injectable()
export class UserRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Creates or updates the user for an IdP identity (groups are replaced by what the IdP says now). */
  async upsertFromIdp(u: {
    tenantId: string;
    issuer: string;
    subject: string;
    email: string | null;
    name: string | null;
    groups: string[];
  }): Promise<PortcullisUser> {
    const rows: RawUser[] = await this.ds.query(
      `INSERT INTO auth.users (id, tenant_id, idp_issuer, idp_subject, email, name, groups, last_sign_in_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, now())
       ON CONFLICT (tenant_id, idp_issuer, idp_subject)
       DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, groups = EXCLUDED.groups, last_sign_in_at = now()
       RETURNING *`,
      [randomUUID(), u.tenantId, u.issuer, u.subject, u.email, u.name, JSON.stringify(u.groups)],
    );
    return toUser(rows[0]!);
  }

  async findById(tenantId: string, id: string): Promise<PortcullisUser | null> {
    if (!isUuid(id)) return null;
    const rows: RawUser[] = await this.ds.query(`SELECT * FROM auth.users WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findByIds(tenantId: string, ids: string[]): Promise<Map<string, PortcullisUser>> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return new Map();
    const rows: RawUser[] = await this.ds.query(
      `SELECT * FROM auth.users WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, valid],
    );
    return new Map(rows.map((r) => [r.id, toUser(r)]));
  }
}

export function isUuid(v: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);
}
