import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import type { Actor } from '../common/actor';
import { actorLabel } from '../common/actor';
import { Changes } from '../common/changes';
import { Database } from '@portcullis/runtime';
import { assertRevision, etagOf } from '../common/etag';
import { AUDIT_VERBOSITIES, classificationSchema, clientTypeSchema, oneOf } from '../common/vocabulary';
import { SettingsRepository, type TenantSettings } from './settings.repository';

const fields = {
  requireToolApproval: z.boolean(),
  defaultClassification: classificationSchema,
  allowedClientTypes: z
    .array(clientTypeSchema)
    .min(1, {
      error:
        'must allow at least one client type (to stop all traffic, engage the tenant kill switch instead)',
    })
    .max(4),
  discoveryIntervalSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .refine((v) => v === 0 || (v >= 10 && v <= 604_800), {
      error: 'must be 0 (no scheduled discovery) or between 10 and 604800 seconds',
    }),
  pinApprovedDefinitions: z.boolean(),
  auditVerbosity: oneOf(AUDIT_VERBOSITIES, 'audit verbosity'),
};

export const settingsPutSchema = z.strictObject(fields);
export const settingsPatchSchema = z
  .strictObject({
    requireToolApproval: fields.requireToolApproval.optional(),
    defaultClassification: fields.defaultClassification.optional(),
    allowedClientTypes: fields.allowedClientTypes.optional(),
    discoveryIntervalSeconds: fields.discoveryIntervalSeconds.optional(),
    pinApprovedDefinitions: fields.pinApprovedDefinitions.optional(),
    auditVerbosity: fields.auditVerbosity.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one setting to change' });
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export type SettingsView = TenantSettings & { etag: string };

@Injectable()
export class SettingsService {
  constructor(
    private readonly db: Database,
    private readonly changes: Changes,
    private readonly settings: SettingsRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async get(): Promise<SettingsView> {
    const s = await this.settings.get(this.db.sql, this.platform.tenantId);
    return { ...s, etag: etagOf(s.revision) };
  }

  async update(expected: number | null, patch: SettingsPatch, actor: Actor): Promise<SettingsView> {
    const s = await this.changes.run(actor, async (ctx) => {
      const current = await this.settings.get(ctx.sql, this.platform.tenantId, true);
      assertRevision(expected, current.revision, 'settings');
      const next = {
        requireToolApproval: patch.requireToolApproval ?? current.requireToolApproval,
        defaultClassification: patch.defaultClassification ?? current.defaultClassification,
        allowedClientTypes: patch.allowedClientTypes
          ? [...new Set(patch.allowedClientTypes)]
          : current.allowedClientTypes,
        discoveryIntervalSeconds: patch.discoveryIntervalSeconds ?? current.discoveryIntervalSeconds,
        pinApprovedDefinitions: patch.pinApprovedDefinitions ?? current.pinApprovedDefinitions,
        auditVerbosity: patch.auditVerbosity ?? current.auditVerbosity,
      };
      const changed = (Object.keys(next) as (keyof typeof next)[]).filter(
        (k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]),
      );
      if (changed.length === 0) return current;
      const updated = await this.settings.update(ctx.sql, this.platform.tenantId, next, actorLabel(actor));
      ctx.audit(
        'settings.updated',
        'settings',
        this.platform.tenantId,
        `Changed settings: ${changed.map((k) => `${k} ${JSON.stringify(current[k])} → ${JSON.stringify(next[k])}`).join('; ')}`,
        {
          changed: Object.fromEntries(changed.map((k) => [k, { from: current[k], to: next[k] }])),
        },
      );
      ctx.touchPolicy();
      return updated;
    });
    return { ...s, etag: etagOf(s.revision) };
  }
}
