import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';

/** Tenant setting: which ways an AI client may register itself. */
export interface RegistrationSettings {
  allowCimd: boolean;
  allowDcr: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

@Injectable()
export class RegistrationSettingsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async get(tenantId: string): Promise<RegistrationSettings> {
    const rows: { allow_cimd: boolean; allow_dcr: boolean; updated_at: Date; updated_by: string | null }[] =
      await this.ds.query(`SELECT * FROM auth.registration_settings WHERE tenant_id = $1`, [tenantId]);
    const r = rows[0];
    return r
      ? {
          allowCimd: r.allow_cimd,
          allowDcr: r.allow_dcr,
          updatedAt: new Date(r.updated_at).toISOString(),
          updatedBy: r.updated_by,
        }
      : { allowCimd: true, allowDcr: true, updatedAt: null, updatedBy: null };
  }

  async put(
    tenantId: string,
    s: { allowCimd: boolean; allowDcr: boolean },
    updatedBy: string,
  ): Promise<RegistrationSettings> {
    await this.ds.query(
      `INSERT INTO auth.registration_settings (tenant_id, allow_cimd, allow_dcr, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET allow_cimd = EXCLUDED.allow_cimd, allow_dcr = EXCLUDED.allow_dcr, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [tenantId, s.allowCimd, s.allowDcr, updatedBy],
    );
    return this.get(tenantId);
  }
}
