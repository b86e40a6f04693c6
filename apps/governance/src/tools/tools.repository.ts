import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor';
import type { Sql } from '@portcullis/runtime';
import type { PageRequest } from '../common/pagination';
import type { Classification, ClientType, ToolState } from '../common/vocabulary';
import type { ClassificationSource } from './classification';

/** A tool definition as the upstream advertises it (what AI clients will see), without the hash. */
export interface McpToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  meta?: Record<string, unknown>;
}

export interface ToolRecord {
  id: string;
  tenantId: string;
  serverId: string;
  name: string;
  state: ToolState;
  classification: Classification;
  defaultClassification: Classification;
  classificationSource: ClassificationSource;
  allowedClientTypes: ClientType[] | null;
  definition: McpToolDefinition;
  definitionHash: string;
  approvedHash: string | null;
  revision: number;
  firstSeenAt: string;
  updatedAt: string;
  removedAt: string | null;
}

interface Row {
  id: string;
  tenant_id: string;
  server_id: string;
  name: string;
  state: ToolState;
  classification: Classification;
  default_classification: Classification;
  classification_source: ClassificationSource;
  allowed_client_types: ClientType[] | null;
  definition: McpToolDefinition;
  definition_hash: string;
  approved_hash: string | null;
  revision: number;
  first_seen_at: Date;
  updated_at: Date;
  removed_at: Date | null;
}

function toRecord(r: Row): ToolRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    serverId: r.server_id,
    name: r.name,
    state: r.state,
    classification: r.classification,
    defaultClassification: r.default_classification,
    classificationSource: r.classification_source,
    allowedClientTypes: r.allowed_client_types,
    definition: r.definition,
    definitionHash: r.definition_hash,
    approvedHash: r.approved_hash,
    revision: r.revision,
    firstSeenAt: r.first_seen_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    removedAt: r.removed_at ? r.removed_at.toISOString() : null,
  };
}

export type NewTool = Omit<ToolRecord, 'revision' | 'firstSeenAt' | 'updatedAt' | 'removedAt'>;
export type ToolChanges = Partial<
  Pick<
    ToolRecord,
    | 'state'
    | 'classification'
    | 'defaultClassification'
    | 'classificationSource'
    | 'allowedClientTypes'
    | 'definition'
    | 'definitionHash'
    | 'approvedHash'
    | 'removedAt'
  >
>;

const COLUMNS: Record<keyof ToolChanges, string> = {
  state: 'state',
  classification: 'classification',
  defaultClassification: 'default_classification',
  classificationSource: 'classification_source',
  allowedClientTypes: 'allowed_client_types',
  definition: 'definition',
  definitionHash: 'definition_hash',
  approvedHash: 'approved_hash',
  removedAt: 'removed_at',
};
const JSON_COLUMNS = new Set<keyof ToolChanges>(['allowedClientTypes', 'definition']);

export interface ToolFilter {
  serverId?: string;
  state?: ToolState;
  classification?: Classification;
  q?: string;
}

export interface HistoryEntry {
  id: string;
  toolId: string;
  serverId: string;
  toolName: string;
  at: string;
  actor: Actor;
  change: string;
  oldState: string | null;
  newState: string | null;
  oldClassification: string | null;
  newClassification: string | null;
  oldHash: string | null;
  newHash: string | null;
  details: Record<string, unknown> | null;
}

export type NewHistoryEntry = Omit<HistoryEntry, 'id' | 'at'>;

interface HistoryRow {
  id: string;
  tool_id: string;
  server_id: string;
  tool_name: string;
  at: Date;
  actor_type: Actor['type'];
  actor_id: string;
  actor_email: string | null;
  change: string;
  old_state: string | null;
  new_state: string | null;
  old_classification: string | null;
  new_classification: string | null;
  old_hash: string | null;
  new_hash: string | null;
  details: Record<string, unknown> | null;
}

@Injectable()
export class ToolsRepository {
  async insert(sql: Sql, t: NewTool): Promise<ToolRecord> {
    const row = await sql.one<Row>(
      `INSERT INTO governance.tools (id, tenant_id, server_id, name, state, classification, default_classification, classification_source,
         allowed_client_types, definition, definition_hash, approved_hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING *`,
      [
        t.id,
        t.tenantId,
        t.serverId,
        t.name,
        t.state,
        t.classification,
        t.defaultClassification,
        t.classificationSource,
        t.allowedClientTypes ? JSON.stringify(t.allowedClientTypes) : null,
        JSON.stringify(t.definition),
        t.definitionHash,
        t.approvedHash,
      ],
    );
    return toRecord(row!);
  }

  async get(sql: Sql, tenantId: string, id: string, forUpdate = false): Promise<ToolRecord | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM governance.tools WHERE tenant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return row ? toRecord(row) : undefined;
  }

  async getMany(sql: Sql, tenantId: string, ids: string[], forUpdate = false): Promise<ToolRecord[]> {
    if (!ids.length) return [];
    const rows = await sql.many<Row>(
      `SELECT * FROM governance.tools WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, ids],
    );
    return rows.map(toRecord);
  }

  async byServer(sql: Sql, tenantId: string, serverId: string, forUpdate = false): Promise<ToolRecord[]> {
    const rows = await sql.many<Row>(
      `SELECT * FROM governance.tools WHERE tenant_id = $1 AND server_id = $2 ORDER BY name${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId, serverId],
    );
    return rows.map(toRecord);
  }

  async update(sql: Sql, tenantId: string, id: string, changes: ToolChanges): Promise<ToolRecord> {
    const sets: string[] = [];
    const params: unknown[] = [tenantId, id];
    for (const [k, v] of Object.entries(changes) as [keyof ToolChanges, unknown][]) {
      if (v === undefined) continue;
      params.push(JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v);
      sets.push(`${COLUMNS[k]} = $${params.length}`);
    }
    const row = await sql.one<Row>(
      `UPDATE governance.tools SET ${[...sets, 'revision = revision + 1', 'updated_at = now()'].join(', ')} WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      params,
    );
    return toRecord(row!);
  }

  async page(sql: Sql, tenantId: string, page: PageRequest, f: ToolFilter): Promise<ToolRecord[]> {
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    const add = (clause: (n: number) => string, v: unknown) => {
      params.push(v);
      where.push(clause(params.length));
    };
    if (f.serverId) add((n) => `server_id = $${n}::uuid`, f.serverId);
    if (f.state) add((n) => `state = $${n}`, f.state);
    if (f.classification) add((n) => `classification = $${n}`, f.classification);
    if (f.q)
      add(
        (n) =>
          `(name ILIKE $${n} OR definition->>'description' ILIKE $${n} OR definition->>'title' ILIKE $${n})`,
        `%${f.q.replace(/[%_\\]/g, '\\$&')}%`,
      );
    if (page.after) {
      params.push(page.after.key, page.after.id);
      where.push(`(name, id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    const rows = await sql.many<Row>(
      `SELECT * FROM governance.tools WHERE ${where.join(' AND ')} ORDER BY name, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  async countsByServer(sql: Sql, tenantId: string, serverId: string): Promise<Record<ToolState, number>> {
    const rows = await sql.many<{ state: ToolState; n: string }>(
      `SELECT state, count(*)::text AS n FROM governance.tools WHERE tenant_id = $1 AND server_id = $2 GROUP BY state`,
      [tenantId, serverId],
    );
    const out: Record<ToolState, number> = { pending_review: 0, approved: 0, disabled: 0, removed: 0 };
    for (const r of rows) out[r.state] = Number(r.n);
    return out;
  }

  async addHistory(sql: Sql, tenantId: string, e: NewHistoryEntry): Promise<void> {
    await sql.exec(
      `INSERT INTO governance.tool_history (tenant_id, tool_id, server_id, tool_name, actor_type, actor_id, actor_email, change,
         old_state, new_state, old_classification, new_classification, old_hash, new_hash, details)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
      [
        tenantId,
        e.toolId,
        e.serverId,
        e.toolName,
        e.actor.type,
        e.actor.id,
        e.actor.email ?? null,
        e.change,
        e.oldState,
        e.newState,
        e.oldClassification,
        e.newClassification,
        e.oldHash,
        e.newHash,
        e.details ? JSON.stringify(e.details) : null,
      ],
    );
  }

  async history(sql: Sql, tenantId: string, toolId: string, page: PageRequest): Promise<HistoryEntry[]> {
    const params: unknown[] = [tenantId, toolId];
    let where = 'tenant_id = $1 AND tool_id = $2';
    if (page.after) {
      params.push(page.after.id);
      where += ` AND id < $${params.length}::bigint`;
    }
    params.push(page.limit + 1);
    const rows = await sql.many<HistoryRow>(
      `SELECT * FROM governance.tool_history WHERE ${where} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      toolId: r.tool_id,
      serverId: r.server_id,
      toolName: r.tool_name,
      at: r.at.toISOString(),
      actor: { type: r.actor_type, id: r.actor_id, ...(r.actor_email ? { email: r.actor_email } : {}) },
      change: r.change,
      oldState: r.old_state,
      newState: r.new_state,
      oldClassification: r.old_classification,
      newClassification: r.new_classification,
      oldHash: r.old_hash,
      newHash: r.new_hash,
      details: r.details,
    }));
  }
}
