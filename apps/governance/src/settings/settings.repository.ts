import { Injectable } from '@nestjs/common';
import type { Sql } from '@portcullis/runtime';
import type { Classification, ClientType } from '../common/vocabulary';

export type AuditVerbosity = 'minimal' | 'standard' | 'full';

export interface TenantSettings {
  requireToolApproval: boolean;
  defaultClassification: Classification;
  allowedClientTypes: ClientType[];
  discoveryIntervalSeconds: number;
  pinApprovedDefinitions: boolean;
  auditVerbosity: AuditVerbosity;
  revision: number;
  updatedAt: string;
  updatedBy: string | null;
}

interface Row {
  require_tool_approval: boolean;
  default_classification: Classification;
  allowed_client_types: ClientType[];
  discovery_interval_seconds: number;
  pin_approved_definitions: boolean;
  audit_verbosity: AuditVerbosity;
  revision: number;
  updated_at: Date;
  updated_by: string | null;
}

function toSettings(r: Row): TenantSettings {
  return {
    requireToolApproval: r.require_tool_approval,
    defaultClassification: r.default_classification,
    allowedClientTypes: r.allowed_client_types,
    discoveryIntervalSeconds: r.discovery_interval_seconds,
    pinApprovedDefinitions: r.pin_approved_definitions,
    auditVerbosity: r.audit_verbosity,
    revision: r.revision,
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
  };
}

@Injectable()
export class SettingsRepository {
  /** The tenant's settings, created with defaults on first read. */
  async get(sql: Sql, tenantId: string, forUpdate = false): Promise<TenantSettings> {
    await sql.exec(
      `INSERT INTO governance.settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    );
    const row = await sql.one<Row>(
      `SELECT * FROM governance.settings WHERE tenant_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [tenantId],
    );
    return toSettings(row!);
  }

  async update(
    sql: Sql,
    tenantId: string,
    s: Omit<TenantSettings, 'revision' | 'updatedAt' | 'updatedBy'>,
    by: string,
  ): Promise<TenantSettings> {
    const row = await sql.one<Row>(
      `UPDATE governance.settings SET require_tool_approval = $2, default_classification = $3, allowed_client_types = $4,
         discovery_interval_seconds = $5, pin_approved_definitions = $6, audit_verbosity = $7,
         revision = revision + 1, updated_at = now(), updated_by = $8
       WHERE tenant_id = $1 RETURNING *`,
      [
        tenantId,
        s.requireToolApproval,
        s.defaultClassification,
        JSON.stringify(s.allowedClientTypes),
        s.discoveryIntervalSeconds,
        s.pinApprovedDefinitions,
        s.auditVerbosity,
        by,
      ],
    );
    return toSettings(row!);
  }
}
