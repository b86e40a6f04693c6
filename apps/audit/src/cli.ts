import { databaseSchema, type Env, loadConfig } from '@portcullis/config';
import { openDataSource } from '@portcullis/persistence';
import { z } from 'zod';
import { auditConfigSchema } from './audit.config';
import { auditPersistence } from './audit.module';
import type { VerifyReport } from './domain/chain-verifier';
import { AuditStore } from './store/audit-store';
import { runMaintenance } from './store/maintenance';

/**
 * Operator commands (no Kafka, no HTTP; just the database):
 *   node dist/apps/audit/src/main.js verify [--from ISO] [--to ISO] [--tenant ID]
 *     recomputes each tenant's hash chain; prints a JSON report on stdout and one line per tenant on
 *     stderr; exit 0 = intact, 2 = broken (the first broken record is named), 1 = could not run.
 *   node dist/apps/audit/src/main.js maintain
 *     one pass of partition upkeep and retention (what the service does every interval), e.g. from cron.
 */
export const AUDIT_COMMANDS = ['verify', 'maintain'] as const;

const cliSchema = auditConfigSchema
  .pick({
    AUDIT_RETENTION_DAYS: true,
    AUDIT_RETENTION_DAYS_BY_TENANT: true,
    AUDIT_PARTITION_INTERVAL: true,
    AUDIT_PARTITIONS_AHEAD: true,
  })
  .extend(databaseSchema);

export class UsageError extends Error {}

export function parseArgs(args: string[]): { from?: Date; to?: Date; tenant?: string } {
  const out: { from?: Date; to?: Date; tenant?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const [name, inline] = flag.includes('=')
      ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
      : [flag, undefined];
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (name === '--from' || name === '--to') {
      const d = new Date(value);
      if (!Number.isFinite(d.getTime()))
        throw new UsageError(`${name} must be an ISO 8601 time (got "${value}")`);
      out[name === '--from' ? 'from' : 'to'] = d;
    } else if (name === '--tenant') {
      out.tenant = value;
    } else {
      throw new UsageError(`unknown option ${name} (use --from ISO, --to ISO, --tenant ID)`);
    }
  }
  if (out.from && out.to && out.from >= out.to) throw new UsageError('--from must be earlier than --to');
  return out;
}

function describe(r: VerifyReport): string {
  const range = r.from || r.to ? ` [${r.from ?? '…'}, ${r.to ?? '…'})` : '';
  if (r.ok) {
    return (
      `audit chain OK: tenant ${r.tenantId}${range}: ${r.checked} records verified` +
      (r.firstSeq !== null ? ` (seq ${r.firstSeq}..${r.lastSeq})` : '') +
      (r.retentionBoundaries ? `, ${r.retentionBoundaries} retention boundary(ies)` : '') +
      (r.head ? `; head ${r.head.seq} ${r.head.hash}` : '')
    );
  }
  const b = r.broken!;
  return (
    `audit chain BROKEN: tenant ${r.tenantId}${range} at record ${b.seq}${b.eventId ? ` (event ${b.eventId})` : ''}: ${b.problem}; ` +
    `expected ${b.expected ?? '-'}, stored ${b.stored ?? '-'}. ${b.message}`
  );
}

export async function runAuditCommand(
  argv: string[],
  env: Env,
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
): Promise<number> {
  const [command, ...rest] = argv;
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = command === 'verify' ? parseArgs(rest) : {};
    if (command === 'maintain' && rest.length) throw new UsageError('maintain takes no options');
  } catch (err) {
    io.err(
      `usage: main.js verify [--from ISO] [--to ISO] [--tenant ID] | main.js maintain\n${(err as Error).message}\n`,
    );
    return 1;
  }
  let cfg: z.output<typeof cliSchema>;
  try {
    cfg = loadConfig('audit', cliSchema, env);
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return 1;
  }
  const ds = await openDataSource(
    {
      url: cfg.DATABASE_URL,
      features: [auditPersistence],
      poolSize: 2,
      migrationsSchema: 'audit',
      applicationName: `portcullis-audit-${command}`,
    },
    { migrate: false },
  ).catch((err: Error) => {
    io.err(`${err.message}\n`);
    return undefined;
  });
  if (!ds) return 1;
  try {
    const store = new AuditStore(ds, { partitionInterval: cfg.AUDIT_PARTITION_INTERVAL });
    if (command === 'maintain') {
      const report = await runMaintenance(store, {
        partitionsAhead: cfg.AUDIT_PARTITIONS_AHEAD,
        retentionDays: cfg.AUDIT_RETENTION_DAYS,
        retentionDaysByTenant: cfg.AUDIT_RETENTION_DAYS_BY_TENANT,
      });
      io.out(JSON.stringify(report, null, 2) + '\n');
      io.err(
        `audit maintenance: ${report.partitionsCreated.length} partition(s) created, ${report.dropped.length} dropped (retention ${report.retentionDays} days), ${report.ledgerPruned} ledger entries pruned\n`,
      );
      return 0;
    }
    const tenants = opts.tenant ? [opts.tenant] : await store.records.tenants();
    const reports: VerifyReport[] = [];
    for (const t of tenants) {
      const r = await store.verify(t, {
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.to ? { to: opts.to } : {}),
      });
      reports.push(r);
      io.err(describe(r) + '\n');
    }
    const ok = reports.every((r) => r.ok);
    io.out(JSON.stringify({ ok, reports }, null, 2) + '\n');
    if (tenants.length === 0) io.err('audit chain: no records stored yet\n');
    return ok ? 0 : 2;
  } catch (err) {
    io.err(`audit ${command} failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await ds.destroy().catch(() => undefined);
  }
}
