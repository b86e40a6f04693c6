import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AdminActionAudited, type EventDefinition, ServiceStarted, ToolCallAudited } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AuditRecordRepository } from './audit-record.repository';

/**
 * Consumes audit events in batches and stores them. Positions are committed by the bus only after
 * `insertBatch` resolves, so a crash between receive and insert re-delivers, and the unique
 * `event_id` makes re-delivery harmless.
 */
@Injectable()
export class AuditIngestService implements OnApplicationBootstrap, OnModuleDestroy {
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly records: AuditRecordRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const defs: EventDefinition[] = [ToolCallAudited, AdminActionAudited, ServiceStarted];
    for (const def of defs) {
      this.subscriptions.push(
        await this.bus.subscribeBatch(
          def,
          { group: 'portcullis-audit', fromBeginning: true, maxBatchSize: 500, maxAttempts: 8, retryDelayMs: 250 },
          async (envelopes) => {
            await this.records.insertBatch(envelopes);
          },
        ),
      );
    }
    this.platform.logger.info({ topics: defs.map((d) => d.topic) }, 'audit ingest consuming');
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.close()));
  }
}
