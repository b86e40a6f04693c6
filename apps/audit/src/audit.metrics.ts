import { Inject, Injectable } from '@nestjs/common';
import type { Metrics } from '@portcullis/observability';
import { PLATFORM, type Platform } from '@portcullis/runtime';

/** The audit service's own Prometheus metrics (registered once per process registry). */
export function auditMetrics(metrics: Metrics) {
  return {
    ingested: metrics.counter(
      'portcullis_audit_records_ingested_total',
      'Audit records written by the audit service, by type.',
      ['type'],
    ),
    duplicates: metrics.counter(
      'portcullis_audit_duplicates_total',
      'Redelivered audit events skipped (already stored).',
      [],
    ),
    retries: metrics.counter(
      'portcullis_audit_store_retries_total',
      'Ingest batches held and retried because the database was unavailable.',
      [],
    ),
    ingestBatchSeconds: metrics.histogram(
      'portcullis_audit_ingest_batch_seconds',
      'Time to append one batch (one transaction).',
      [],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
    exportRows: metrics.counter(
      'portcullis_audit_export_rows_total',
      'Rows read from the store by streaming exports.',
      ['format'],
    ),
    verifications: metrics.counter(
      'portcullis_audit_verifications_total',
      'Hash-chain verifications, by result.',
      ['result'],
    ),
    partitionsDropped: metrics.counter(
      'portcullis_audit_partitions_dropped_total',
      'Time partitions dropped by retention.',
      [],
    ),
  };
}

@Injectable()
export class AuditMetrics {
  readonly ingested;
  readonly duplicates;
  readonly retries;
  readonly ingestBatchSeconds;
  readonly exportRows;
  readonly verifications;
  readonly partitionsDropped;

  constructor(@Inject(PLATFORM) platform: Platform) {
    const m = auditMetrics(platform.metrics);
    this.ingested = m.ingested;
    for (const type of ['tool_call', 'admin', 'system']) this.ingested.inc({ type }, 0);
    this.duplicates = m.duplicates;
    this.retries = m.retries;
    this.ingestBatchSeconds = m.ingestBatchSeconds;
    this.exportRows = m.exportRows;
    this.verifications = m.verifications;
    this.partitionsDropped = m.partitionsDropped;
  }
}
