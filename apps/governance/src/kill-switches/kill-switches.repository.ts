import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { PageRequest } from '../common/pagination';
import type { KillSwitchScope } from '../common/vocabulary';

export interface KillSwitchRecord {
  id: string;
  scope: KillSwitchScope;
  targetId: string | null;
  reason: string | null;
  engagedBy: string;
  engagedAt: string;
}

interface Row {
  id: string;
  scope: KillSwitchScope;
  target_id: string;
  reason: string | null;
  engaged_by: string;
  engaged_at: Date;
}

function toRecord(r: Row): KillSwitchRecord {
  return {
    id: r.id,
    scope: r.scope,
    targetId: r.scope === 'tenant' ? null : r.target_id,
    reason: r.reason,
    engagedBy: r.engaged_by,
    engagedAt: r.engaged_at.toISOString(),
  };
}

@Injectable()
export class KillSwitchesRepository {
  async find(
    sql: Sql,
    tenantId: string,
    scope: KillSwitchScope,
    targetId: string,
  ): Promise<KillSwitchRecord | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM governance.kill_switches WHERE tenant_id = $1 AND scope = $2 AND target_id = $3`,
      [tenantId, scope, targetId],
    );
    return row ? toRecord(row) : undefined;
  }

  async get(sql: Sql, tenantId: string, id: string): Promise<KillSwitchRecord | undefined> {
    const row = await sql.one<Row>(
      `SELECT * FROM governance.kill_switches WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return row ? toRecord(row) : undefined;
  }

  /** Engages a switch; returns the existing one (created: false) when it is already engaged. */
  async engage(
    sql: Sql,
    tenantId: string,
    k: { id: string; scope: KillSwitchScope; targetId: string; reason: string | null; engagedBy: string },
  ): Promise<{ record: KillSwitchRecord; created: boolean }> {
    const row = await sql.one<Row>(
      `INSERT INTO governance.kill_switches (id, tenant_id, scope, target_id, reason, engaged_by) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (tenant_id, scope, target_id) DO NOTHING RETURNING *`,
      [k.id, tenantId, k.scope, k.targetId, k.reason, k.engagedBy],
    );
    if (row) return { record: toRecord(row), created: true };
    return { record: (await this.find(sql, tenantId, k.scope, k.targetId))!, created: false };
  }

  async release(sql: Sql, tenantId: string, id: string): Promise<boolean> {
    return (
      (await sql.exec(`DELETE FROM governance.kill_switches WHERE tenant_id = $1 AND id = $2`, [
        tenantId,
        id,
      ])) > 0
    );
  }

  async releaseTarget(sql: Sql, tenantId: string, scope: KillSwitchScope, targetId: string): Promise<void> {
    await sql.exec(
      `DELETE FROM governance.kill_switches WHERE tenant_id = $1 AND scope = $2 AND target_id = $3`,
      [tenantId, scope, targetId],
    );
  }

  async page(
    sql: Sql,
    tenantId: string,
    page: PageRequest,
    scope?: KillSwitchScope,
  ): Promise<KillSwitchRecord[]> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = $1';
    if (scope) {
      params.push(scope);
      where += ` AND scope = $${params.length}`;
    }
    if (page.after) {
      params.push(page.after.id);
      where += ` AND id > $${params.length}::uuid`;
    }
    params.push(page.limit + 1);
    const rows = await sql.many<Row>(
      `SELECT * FROM governance.kill_switches WHERE ${where} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  async engagedTargets(sql: Sql, tenantId: string, scope: KillSwitchScope): Promise<Set<string>> {
    const rows = await sql.many<{ target_id: string }>(
      `SELECT target_id FROM governance.kill_switches WHERE tenant_id = $1 AND scope = $2`,
      [tenantId, scope],
    );
    return new Set(rows.map((r) => r.target_id));
  }
}
