import { ConfigError, type Env, loadConfig, secret, url } from '@portcullis/config';
import { type AuditVerbosity, auditVerbosity } from '@portcullis/contracts';
import { z } from 'zod';

/**
 * The audit service's configuration: ONE schema, loaded from the `ENV` injection token (or, for the
 * CLI commands, from the process environment passed in by main.ts).
 */
export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');

export const verbosityLevels = auditVerbosity.options;
export type Verbosity = AuditVerbosity;

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** "tenant=value,tenant=value" → Map, validating tenant ids and each value. */
function tenantMap<T>(example: string, parseValue: (raw: string) => T | undefined, what: string) {
  return z
    .string()
    .default('')
    .transform((raw, ctx) => {
      const out = new Map<string, T>();
      for (const part of raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const eq = part.indexOf('=');
        const tenant = eq > 0 ? part.slice(0, eq).trim() : '';
        const value = eq > 0 ? parseValue(part.slice(eq + 1).trim()) : undefined;
        if (!TENANT.test(tenant) || value === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `"${part}" is not "<tenant>=<${what}>" (e.g. ${example})`,
          });
          return z.NEVER;
        }
        out.set(tenant, value);
      }
      return out;
    });
}

const retentionDays = (raw: string) => {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 36_500 ? n : undefined;
};
const verbosity = (raw: string) =>
  (verbosityLevels as readonly string[]).includes(raw) ? (raw as Verbosity) : undefined;

export const auditConfigSchema = z.object({
  PORTCULLIS_MODE: z.enum(['embedded', 'distributed']).default('distributed'),
  /** Base URL of auth's internal API (introspection of admin credentials). Embedded mode defaults to PUBLIC_URL. */
  AUTH_INTERNAL_URL: url(['http:', 'https:'], 'http://auth:8081').optional(),
  PUBLIC_URL: url(['http:', 'https:'], 'https://portcullis.example.com').optional(),
  INTERNAL_SERVICE_SECRET: secret(32),
  /** What a tool-call record keeps of arguments and results: minimal | standard | full. */
  AUDIT_VERBOSITY: z
    .enum(verbosityLevels, { error: 'must be one of minimal, standard, full' })
    .default('standard'),
  AUDIT_VERBOSITY_BY_TENANT: tenantMap('acme=full,globex=minimal', verbosity, 'minimal|standard|full'),
  /** Extra payload field paths to redact before storing, e.g. "arguments.profile.mobilePhone,details.answer,ssn". */
  AUDIT_REDACT_FIELDS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (paths) => paths.every((p) => /^(\*\*|\*|[A-Za-z0-9_$@:-]+)(\.(\*\*|\*|[A-Za-z0-9_$@:-]+))*$/.test(p)),
      {
        error:
          'must be a comma-separated list of dotted field paths (segments of letters, digits, _ - $ @ :, or * / **)',
      },
    ),
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: 'must be at least 1 day' })
    .max(36_500, { error: 'must be at most 36500 days' })
    .default(365),
  AUDIT_RETENTION_DAYS_BY_TENANT: tenantMap('acme=90,globex=730', retentionDays, 'days'),
  /** Width of one time partition of audit.events. */
  AUDIT_PARTITION_INTERVAL: z.enum(['month', 'day'], { error: 'must be "month" or "day"' }).default('month'),
  /** Partitions created ahead of the current one. */
  AUDIT_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(90).default(2),
  /** How often partition upkeep and retention run (minutes; 0 = only on start and via `main.js maintain`). */
  AUDIT_MAINTENANCE_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(60),
  /** Events per ingest transaction (one COPY per tenant per batch). */
  AUDIT_INGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(2000),
  /** Kafka bytes fetched per partition per request: bounds how many events one fetch hands to ingest. */
  AUDIT_INGEST_FETCH_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(64 * 1024 * 1024)
    .default(2 * 1024 * 1024),
  /** An intent with no outcome is "in_flight" for this long, then "unknown". */
  AUDIT_INFLIGHT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Rows read per keyset batch while streaming an export. */
  AUDIT_EXPORT_BATCH_SIZE: z.coerce.number().int().min(10).max(20_000).default(1000),
});

export interface AuditConfig {
  mode: 'embedded' | 'distributed';
  authInternalUrl: string;
  internalServiceSecret: string;
  verbosity: Verbosity;
  verbosityByTenant: Map<string, Verbosity>;
  redactFields: string[];
  retentionDays: number;
  retentionDaysByTenant: Map<string, number>;
  partitionInterval: 'month' | 'day';
  partitionsAhead: number;
  maintenanceIntervalMinutes: number;
  ingestBatchSize: number;
  ingestFetchBytes: number;
  inflightTimeoutSeconds: number;
  exportBatchSize: number;
}

export function loadAuditConfig(env: Env): AuditConfig {
  const c = loadConfig('audit', auditConfigSchema, env);
  const authInternalUrl =
    c.AUTH_INTERNAL_URL ?? (c.PORTCULLIS_MODE === 'embedded' ? c.PUBLIC_URL : undefined);
  if (!authInternalUrl) {
    throw new ConfigError('audit', [
      {
        variable: 'AUTH_INTERNAL_URL',
        problem:
          "is required (the base URL of auth's internal API, e.g. http://auth:8081); admin API calls are verified there",
      },
    ]);
  }
  return {
    mode: c.PORTCULLIS_MODE,
    authInternalUrl,
    internalServiceSecret: c.INTERNAL_SERVICE_SECRET,
    verbosity: c.AUDIT_VERBOSITY,
    verbosityByTenant: c.AUDIT_VERBOSITY_BY_TENANT,
    redactFields: c.AUDIT_REDACT_FIELDS,
    retentionDays: c.AUDIT_RETENTION_DAYS,
    retentionDaysByTenant: c.AUDIT_RETENTION_DAYS_BY_TENANT,
    partitionInterval: c.AUDIT_PARTITION_INTERVAL,
    partitionsAhead: c.AUDIT_PARTITIONS_AHEAD,
    maintenanceIntervalMinutes: c.AUDIT_MAINTENANCE_INTERVAL_MINUTES,
    ingestBatchSize: c.AUDIT_INGEST_BATCH_SIZE,
    ingestFetchBytes: c.AUDIT_INGEST_FETCH_BYTES,
    inflightTimeoutSeconds: c.AUDIT_INFLIGHT_TIMEOUT_SECONDS,
    exportBatchSize: c.AUDIT_EXPORT_BATCH_SIZE,
  };
}

/** Operator pin (AUDIT_VERBOSITY_BY_TENANT) > the tenant's setting from governance > AUDIT_VERBOSITY. */
export function verbosityFor(
  cfg: Pick<AuditConfig, 'verbosity' | 'verbosityByTenant'>,
  tenantId: string,
  tenantSetting?: Verbosity,
): Verbosity {
  return cfg.verbosityByTenant.get(tenantId) ?? tenantSetting ?? cfg.verbosity;
}

export function retentionDaysFor(
  cfg: Pick<AuditConfig, 'retentionDays' | 'retentionDaysByTenant'>,
  tenantId: string,
): number {
  return cfg.retentionDaysByTenant.get(tenantId) ?? cfg.retentionDays;
}

/** Partitions are shared by tenants, so they are dropped only when EVERY tenant's retention allows it. */
export function physicalRetentionDays(
  cfg: Pick<AuditConfig, 'retentionDays' | 'retentionDaysByTenant'>,
): number {
  return Math.max(cfg.retentionDays, ...cfg.retentionDaysByTenant.values());
}
