import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { PageRequest } from '../common/pagination';
import type { ToolsetKind } from '../policy/policy-compiler';

export interface ToolsetRecord {
  id: string;
  kind: ToolsetKind;
  name: string;
  description: string | null;
  serverId: string | null;
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Custom toolsets: tools added by hand. */
  toolIds: string[];
  /** Custom toolsets: toolsets included whole. */
  includedToolsetIds: string[];
}

interface Row {
  id: string;
  kind: ToolsetKind;
  name: string;
  description: string | null;
  server_id: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
  tool_ids: string[] | null;
  include_ids: string[] | null;
}

const NAME = `COALESCE(t.name, CASE t.kind WHEN 'server_read' THEN 'Read tools — ' ELSE 'All approved tools — ' END || s.display_name)`;
const SELECT = `
  SELECT t.id, t.kind, ${NAME} AS name, t.description, t.server_id, t.revision, t.created_at, t.updated_at,
    ARRAY(SELECT tt.tool_id::text FROM governance.toolset_tools tt WHERE tt.toolset_id = t.id ORDER BY tt.tool_id) AS tool_ids,
    ARRAY(SELECT ti.included_id::text FROM governance.toolset_includes ti WHERE ti.toolset_id = t.id ORDER BY ti.included_id) AS include_ids
  FROM governance.toolsets t LEFT JOIN governance.servers s ON s.id = t.server_id`;

function toRecord(r: Row): ToolsetRecord {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    description: r.description,
    serverId: r.server_id,
    revision: r.revision,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    toolIds: r.tool_ids ?? [],
    includedToolsetIds: r.include_ids ?? [],
  };
}

@Injectable()
export class ToolsetsRepository {
  async insertMaintained(sql: Sql, tenantId: string, serverId: string): Promise<void> {
    for (const kind of ['server_all_approved', 'server_read'] as const) {
      await sql.exec(
        `INSERT INTO governance.toolsets (id, tenant_id, kind, server_id) VALUES ($1, $2, $3, $4)`,
        [randomUUID(), tenantId, kind, serverId],
      );
    }
  }

  async insertCustom(
    sql: Sql,
    tenantId: string,
    t: { id: string; name: string; description: string | null },
  ): Promise<void> {
    await sql.exec(
      `INSERT INTO governance.toolsets (id, tenant_id, kind, name, description) VALUES ($1, $2, 'custom', $3, $4)`,
      [t.id, tenantId, t.name, t.description],
    );
  }

  async update(
    sql: Sql,
    tenantId: string,
    id: string,
    changes: { name?: string; description?: string | null },
  ): Promise<void> {
    await sql.exec(
      `UPDATE governance.toolsets SET name = COALESCE($3, name), description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         revision = revision + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, changes.name ?? null, changes.description !== undefined, changes.description ?? null],
    );
  }

  async setTools(sql: Sql, id: string, toolIds: string[]): Promise<void> {
    await sql.exec(`DELETE FROM governance.toolset_tools WHERE toolset_id = $1`, [id]);
    if (toolIds.length) {
      await sql.exec(
        `INSERT INTO governance.toolset_tools (toolset_id, tool_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
        [id, toolIds],
      );
    }
  }

  async setIncludes(sql: Sql, id: string, includedIds: string[]): Promise<void> {
    await sql.exec(`DELETE FROM governance.toolset_includes WHERE toolset_id = $1`, [id]);
    if (includedIds.length) {
      await sql.exec(
        `INSERT INTO governance.toolset_includes (toolset_id, included_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
        [id, includedIds],
      );
    }
  }

  async get(sql: Sql, tenantId: string, id: string, forUpdate = false): Promise<ToolsetRecord | undefined> {
    if (forUpdate)
      await sql.exec(`SELECT 1 FROM governance.toolsets WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
        tenantId,
        id,
      ]);
    const row = await sql.one<Row>(`${SELECT} WHERE t.tenant_id = $1 AND t.id = $2`, [tenantId, id]);
    return row ? toRecord(row) : undefined;
  }

  async all(sql: Sql, tenantId: string): Promise<ToolsetRecord[]> {
    return (await sql.many<Row>(`${SELECT} WHERE t.tenant_id = $1 ORDER BY name, t.id`, [tenantId])).map(
      toRecord,
    );
  }

  async page(
    sql: Sql,
    tenantId: string,
    page: PageRequest,
    filter: { kind?: string; serverId?: string },
  ): Promise<ToolsetRecord[]> {
    const params: unknown[] = [tenantId];
    const where = ['t.tenant_id = $1'];
    if (filter.kind === 'custom') where.push(`t.kind = 'custom'`);
    if (filter.kind === 'maintained') where.push(`t.kind <> 'custom'`);
    if (filter.serverId) {
      params.push(filter.serverId);
      where.push(`t.server_id = $${params.length}::uuid`);
    }
    if (page.after) {
      params.push(page.after.key, page.after.id);
      where.push(`(${NAME}, t.id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    return (
      await sql.many<Row>(
        `${SELECT} WHERE ${where.join(' AND ')} ORDER BY ${NAME}, t.id LIMIT $${params.length}`,
        params,
      )
    ).map(toRecord);
  }

  async maintainedOf(sql: Sql, tenantId: string, serverId: string): Promise<ToolsetRecord[]> {
    return (
      await sql.many<Row>(`${SELECT} WHERE t.tenant_id = $1 AND t.server_id = $2 ORDER BY t.kind`, [
        tenantId,
        serverId,
      ])
    ).map(toRecord);
  }

  async delete(sql: Sql, tenantId: string, id: string): Promise<void> {
    await sql.exec(`DELETE FROM governance.toolsets WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  async existing(sql: Sql, tenantId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await sql.many<{ id: string }>(
      `SELECT id FROM governance.toolsets WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The inclusion graph: toolset id → ids it includes. */
  async includeGraph(sql: Sql, tenantId: string): Promise<Map<string, string[]>> {
    const rows = await sql.many<{ toolset_id: string; included_id: string }>(
      `SELECT ti.toolset_id, ti.included_id FROM governance.toolset_includes ti JOIN governance.toolsets t ON t.id = ti.toolset_id WHERE t.tenant_id = $1`,
      [tenantId],
    );
    const g = new Map<string, string[]>();
    for (const r of rows) g.set(r.toolset_id, [...(g.get(r.toolset_id) ?? []), r.included_id]);
    return g;
  }

  /** Who points at a toolset: profiles binding it and toolsets including it. */
  async referencedBy(
    sql: Sql,
    tenantId: string,
    id: string,
  ): Promise<{ profiles: { id: string; name: string }[]; toolsets: { id: string; name: string }[] }> {
    const profiles = await sql.many<{ id: string; name: string }>(
      `SELECT p.id, p.name FROM governance.profile_toolsets pt JOIN governance.profiles p ON p.id = pt.profile_id WHERE p.tenant_id = $1 AND pt.toolset_id = $2 ORDER BY p.name`,
      [tenantId, id],
    );
    const toolsets = await sql.many<{ id: string; name: string }>(
      `SELECT t.id, t.name FROM governance.toolset_includes ti JOIN governance.toolsets t ON t.id = ti.toolset_id WHERE t.tenant_id = $1 AND ti.included_id = $2 ORDER BY t.name`,
      [tenantId, id],
    );
    return { profiles, toolsets };
  }

  /** Custom toolsets that contain a tool directly. */
  async containing(sql: Sql, tenantId: string, toolId: string): Promise<string[]> {
    const rows = await sql.many<{ toolset_id: string }>(
      `SELECT tt.toolset_id FROM governance.toolset_tools tt JOIN governance.toolsets t ON t.id = tt.toolset_id WHERE t.tenant_id = $1 AND tt.tool_id = $2`,
      [tenantId, toolId],
    );
    return rows.map((r) => r.toolset_id);
  }
}
