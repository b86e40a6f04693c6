import { type AuditConfig, physicalRetentionDays } from '../audit.config';
import { daysBefore } from '../domain/time';
import type { AuditStore } from './audit-store';
import type { RetentionResult } from './partition.repository';

export interface MaintenanceReport {
  at: string;
  partitionsCreated: string[];
  retentionDays: number;
  cutoff: string;
  dropped: RetentionResult['dropped'];
  anchorsRecorded: number;
  ledgerPruned: number;
}

/**
 * Partition upkeep and retention, one pass:
 * 1. create the current partition and AUDIT_PARTITIONS_AHEAD more;
 * 2. drop every partition lying entirely before now − max(retention of all tenants), recording chain
 *    anchors for the dropped runs (see PartitionRepository.dropExpired);
 * 3. prune idempotency-ledger entries older than the oldest remaining partition.
 * Tenants with a shorter retention than the maximum never SEE older records (queries, exports and
 * the API filter them out); the rows disappear physically when their partition is dropped.
 */
export async function runMaintenance(
  store: AuditStore,
  cfg: Pick<AuditConfig, 'partitionsAhead' | 'retentionDays' | 'retentionDaysByTenant'>,
  now = new Date(),
): Promise<MaintenanceReport> {
  const partitionsCreated = await store.partitions.ensureAhead(now, cfg.partitionsAhead);
  const retentionDays = physicalRetentionDays(cfg);
  const cutoff = daysBefore(now, retentionDays);
  const retention = await store.partitions.dropExpired(cutoff);
  const oldest = await store.partitions.oldestRetained();
  const ledgerBefore = oldest && oldest.getTime() < cutoff.getTime() ? oldest : cutoff;
  const ledgerPruned = await store.partitions.pruneLedger(oldest ? ledgerBefore : cutoff);
  return {
    at: now.toISOString(),
    partitionsCreated,
    retentionDays,
    cutoff: cutoff.toISOString(),
    dropped: retention.dropped,
    anchorsRecorded: retention.anchors,
    ledgerPruned,
  };
}
