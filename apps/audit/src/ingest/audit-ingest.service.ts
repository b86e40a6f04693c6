import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  AdminActionAudited,
  type EventDefinition,
  type EventEnvelope,
  ServiceStarted,
  ToolCallAudited,
} from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, sleep, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AUDIT_CONFIG, type AuditConfig, verbosityFor } from '../audit.config';
import { createRedactor } from '../domain/redaction';
import { type AuditRow, type IngestPolicy, toAuditRow } from '../domain/record';
import { AUDIT_STORE, type AuditStore } from '../store/audit-store';
import { isTransientDatabaseError } from '../store/sql';
import { AuditMetrics } from '../audit.metrics';
import { TenantSettingsService } from './tenant-settings.service';

export const AUDIT_CONSUMER_GROUP = 'portcullis-audit';
export const AUDITED_EVENTS: EventDefinition[] = [ToolCallAudited, AdminActionAudited, ServiceStarted];

/**
 * Consumes audit events in batches (`subscribeBatch`) and appends them to the store. The bus commits
 * a batch's positions only after this handler resolves, i.e. after the batch's transaction has
 * committed; a crash in between redelivers, and the event_ids ledger makes redelivery a no-op.
 *
 * While the database is unreachable the handler waits and retries (it never gives up on an
 * acknowledged audit event because PostgreSQL restarted); only data errors reach the bus's bounded
 * retries and dead-letter topic, and then only for the offending event: a failing batch is retried
 * one event at a time so one bad event cannot take its batch-mates with it.
 */
@Injectable()
export class AuditIngestService implements OnApplicationBootstrap, OnModuleDestroy {
  private subscriptions: Subscription[] = [];
  private closing = false;
  private readonly policy: IngestPolicy;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(AUDIT_CONFIG) private readonly cfg: AuditConfig,
    private readonly metrics: AuditMetrics,
    settings: TenantSettingsService,
  ) {
    this.policy = {
      verbosityFor: (t) => verbosityFor(cfg, t, settings.verbosityOf(t)),
      redactor: createRedactor(cfg.redactFields),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const def of AUDITED_EVENTS) {
      this.subscriptions.push(
        await this.bus.subscribeBatch(
          def,
          {
            group: AUDIT_CONSUMER_GROUP,
            fromBeginning: true,
            maxBatchSize: this.cfg.ingestBatchSize,
            maxBytesPerPartition: this.cfg.ingestFetchBytes,
            maxAttempts: 5,
            retryDelayMs: 200,
          },
          (envelopes) => this.handle(envelopes),
        ),
      );
    }
    this.platform.logger.info(
      { topics: AUDITED_EVENTS.map((d) => d.topic), group: AUDIT_CONSUMER_GROUP },
      'audit ingest consuming',
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.close()));
  }

  /** Stores one batch durably; resolves only once it is committed (or was already stored). */
  async handle(envelopes: EventEnvelope[]): Promise<void> {
    const now = new Date();
    // An event that cannot be mapped must not keep its batch-mates out: store the others, then fail
    // (the bus retries the batch — a no-op for the stored events — and dead-letters it).
    const rows: AuditRow[] = [];
    let unmappable: unknown;
    for (const e of envelopes) {
      try {
        rows.push(toAuditRow(e, this.policy, now));
      } catch (err) {
        unmappable ??= err;
        this.platform.logger.error({ err, eventId: e.eventId, type: e.type }, 'audit event cannot be stored');
      }
    }
    if (rows.length) await this.storeRows(rows);
    if (unmappable) throw unmappable;
  }

  private async storeRows(rows: AuditRow[]): Promise<void> {
    try {
      await this.appendDurably(rows);
    } catch (err) {
      if (this.closing || rows.length === 1 || isTransientDatabaseError(err)) throw err;
      this.platform.logger.warn(
        { err, batch: rows.length },
        'audit batch failed; storing its events one by one',
      );
      let first: unknown;
      for (const row of rows) {
        try {
          await this.appendDurably([row]);
        } catch (e) {
          first ??= e;
          this.platform.logger.error(
            { err: e, eventId: row.eventId, type: row.eventType },
            'audit event cannot be stored',
          );
        }
      }
      if (first) throw first;
    }
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.store.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  private async appendDurably(rows: AuditRow[]): Promise<void> {
    let delay = 200;
    let failures = 0;
    for (;;) {
      const timer = this.metrics.ingestBatchSeconds.startTimer();
      try {
        const r = await this.store.records.append(rows);
        timer();
        for (const [type, n] of Object.entries(r.byKind)) this.metrics.ingested.inc({ type }, n);
        if (r.duplicates) this.metrics.duplicates.inc(r.duplicates);
        if (failures) this.platform.logger.info({ failures }, 'audit store reachable again; ingest resumed');
        return;
      } catch (err) {
        if (this.closing) throw err;
        // An error that looks permanent while the database is unreachable is still an outage.
        if (!isTransientDatabaseError(err) && (await this.databaseAnswers())) throw err;
        failures += 1;
        this.metrics.retries.inc();
        if (failures === 1 || failures % 20 === 0) {
          this.platform.logger.warn(
            { err: (err as Error).message, failures },
            'audit store unavailable; holding the batch and retrying',
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
}
