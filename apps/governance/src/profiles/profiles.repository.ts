import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { PageRequest } from '../common/pagination';

export interface Subject {
  type: 'user' | 'group';
  value: string;
  expiresAt: string | null;
}

export interface ProfileRecord {
  id: string;
  name: string;
  description: string | null;
  toolsetIds: string[];
  subjects: Subject[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
  toolset_ids: string[] | null;
  subjects: { type: 'user' | 'group'; value: string; expires_at: string | null }[] | null;
}

const SELECT = `
  SELECT p.id, p.name, p.description, p.revision, p.created_at, p.updated_at,
    ARRAY(SELECT pt.toolset_id::text FROM governance.profile_toolsets pt WHERE pt.profile_id = p.id ORDER BY pt.toolset_id) AS toolset_ids,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('type', ps.subject_type, 'value', ps.value, 'expires_at', ps.expires_at) ORDER BY ps.subject_type, ps.value), '[]'::jsonb)
       FROM governance.profile_subjects ps WHERE ps.profile_id = p.id) AS subjects
  FROM governance.profiles p`;

function toRecord(r: Row): ProfileRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    toolsetIds: r.toolset_ids ?? [],
    subjects: (r.subjects ?? []).map((s) => ({
      type: s.type,
      value: s.value,
      expiresAt: s.expires_at ? new Date(s.expires_at).toISOString() : null,
    })),
    revision: r.revision,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

@Injectable()
export class ProfilesRepository {
  async insert(
    sql: Sql,
    tenantId: string,
    p: { id: string; name: string; description: string | null },
  ): Promise<void> {
    await sql.exec(
      `INSERT INTO governance.profiles (id, tenant_id, name, description) VALUES ($1, $2, $3, $4)`,
      [p.id, tenantId, p.name, p.description],
    );
  }

  async update(
    sql: Sql,
    tenantId: string,
    id: string,
    changes: { name?: string; description?: string | null },
  ): Promise<void> {
    await sql.exec(
      `UPDATE governance.profiles SET name = COALESCE($3, name), description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         revision = revision + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, changes.name ?? null, changes.description !== undefined, changes.description ?? null],
    );
  }

  async setToolsets(sql: Sql, id: string, toolsetIds: string[]): Promise<void> {
    await sql.exec(`DELETE FROM governance.profile_toolsets WHERE profile_id = $1`, [id]);
    if (toolsetIds.length) {
      await sql.exec(
        `INSERT INTO governance.profile_toolsets (profile_id, toolset_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
        [id, toolsetIds],
      );
    }
  }

  async setSubjects(sql: Sql, id: string, subjects: Subject[]): Promise<void> {
    await sql.exec(`DELETE FROM governance.profile_subjects WHERE profile_id = $1`, [id]);
    if (subjects.length) {
      await sql.exec(
        `INSERT INTO governance.profile_subjects (profile_id, subject_type, value, expires_at)
         SELECT $1, s->>'type', s->>'value', (s->>'expiresAt')::timestamptz FROM jsonb_array_elements($2::jsonb) AS s`,
        [id, JSON.stringify(subjects)],
      );
    }
  }

  async get(sql: Sql, tenantId: string, id: string, forUpdate = false): Promise<ProfileRecord | undefined> {
    if (forUpdate)
      await sql.exec(`SELECT 1 FROM governance.profiles WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
        tenantId,
        id,
      ]);
    const row = await sql.one<Row>(`${SELECT} WHERE p.tenant_id = $1 AND p.id = $2`, [tenantId, id]);
    return row ? toRecord(row) : undefined;
  }

  async page(
    sql: Sql,
    tenantId: string,
    page: PageRequest,
    filter: { subject?: string; toolsetId?: string },
  ): Promise<ProfileRecord[]> {
    const params: unknown[] = [tenantId];
    const where = ['p.tenant_id = $1'];
    if (filter.subject) {
      params.push(filter.subject.toLowerCase());
      where.push(
        `EXISTS (SELECT 1 FROM governance.profile_subjects ps WHERE ps.profile_id = p.id AND lower(ps.value) = $${params.length})`,
      );
    }
    if (filter.toolsetId) {
      params.push(filter.toolsetId);
      where.push(
        `EXISTS (SELECT 1 FROM governance.profile_toolsets pt WHERE pt.profile_id = p.id AND pt.toolset_id = $${params.length}::uuid)`,
      );
    }
    if (page.after) {
      params.push(page.after.key, page.after.id);
      where.push(`(p.name, p.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    return (
      await sql.many<Row>(
        `${SELECT} WHERE ${where.join(' AND ')} ORDER BY p.name, p.id LIMIT $${params.length}`,
        params,
      )
    ).map(toRecord);
  }

  async byName(sql: Sql, tenantId: string, name: string): Promise<ProfileRecord | undefined> {
    const row = await sql.one<Row>(`${SELECT} WHERE p.tenant_id = $1 AND lower(p.name) = lower($2)`, [
      tenantId,
      name,
    ]);
    return row ? toRecord(row) : undefined;
  }

  async delete(sql: Sql, tenantId: string, id: string): Promise<void> {
    await sql.exec(`DELETE FROM governance.profiles WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }
}
