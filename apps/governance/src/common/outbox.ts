import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  AdminActionAudited,
  DiscoveryRequested,
  type EventDefinition,
  ServerChanged,
} from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { z } from 'zod';
import { GOVERNANCE_CONFIG, type GovernanceConfig } from '../config';
import { Database, type Sql } from '@portcullis/runtime';

/** Events governance publishes through its transactional outbox. */
const OUTBOX_EVENTS: readonly EventDefinition[] = [ServerChanged, DiscoveryRequested, AdminActionAudited];
const byType = new Map(OUTBOX_EVENTS.map((d) => [d.type, d]));

export interface PendingEvent {
  type: string;
  eventId: string;
  payload: unknown;
}

export function pendingEvent<S extends z.ZodType>(
  def: EventDefinition<S>,
  payload: z.input<S>,
): PendingEvent {
  if (!byType.has(def.type)) throw new Error(`${def.type} is not an outbox event; add it to OUTBOX_EVENTS.`);
  // Validate now, inside the transaction: an invalid event must fail the change, not the flush.
  return { type: def.type, eventId: randomUUID(), payload: def.payload.parse(payload) };
}

interface OutboxRow {
  id: string;
  event_type: string;
  event_id: string;
  payload: unknown;
}

/**
 * Transactional outbox: events are written in the same transaction as the change they describe,
 * then published right after commit; whatever a crash or a bus outage leaves behind is retried by
 * a timer. Each row keeps its event id, so a retried publish is deduplicated by consumers.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private again = false;

  constructor(
    private readonly db: Database,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(GOVERNANCE_CONFIG) private readonly config: GovernanceConfig,
  ) {}

  async add(sql: Sql, events: PendingEvent[]): Promise<void> {
    for (const e of events) {
      await sql.exec(
        `INSERT INTO governance.outbox (tenant_id, event_type, event_id, payload) VALUES ($1, $2, $3, $4)`,
        [this.platform.tenantId, e.type, e.eventId, JSON.stringify(e.payload)],
      );
    }
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.config.republishIntervalMs);
    this.timer.unref();
    void this.flush().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing?.catch(() => undefined);
  }

  /** Publishes every pending row in order. Concurrent calls coalesce into one more pass. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          while (await this.flushBatch()) {
            // keep going while full batches come back
          }
        } while (this.again);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private async flushBatch(): Promise<boolean> {
    return this.db.transaction(async (sql) => {
      const rows = await sql.many<OutboxRow>(
        `SELECT id, event_type, event_id, payload FROM governance.outbox WHERE tenant_id = $1 ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [this.platform.tenantId],
      );
      for (const row of rows) {
        const def = byType.get(row.event_type);
        try {
          if (def)
            await this.bus.publish(def, row.payload as never, {
              tenantId: this.platform.tenantId,
              eventId: row.event_id,
            });
          else
            this.platform.logger.error(
              { type: row.event_type },
              'dropping outbox row of an unknown event type',
            );
        } catch (err) {
          // Stop at the first failure to keep per-key order; the timer retries.
          await sql.exec(
            `UPDATE governance.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
            [row.id, (err as Error).message.slice(0, 500)],
          );
          this.platform.logger.warn(
            { err: (err as Error).message, type: row.event_type },
            'outbox publish failed; will retry',
          );
          await sql.exec(`DELETE FROM governance.outbox WHERE id = ANY($1::bigint[])`, [
            rows.slice(0, rows.indexOf(row)).map((r) => r.id),
          ]);
          return false;
        }
      }
      if (rows.length)
        await sql.exec(`DELETE FROM governance.outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length === 100;
    });
  }

  async pendingCount(): Promise<number> {
    const r = await this.db.sql.one<{ n: string }>(
      `SELECT count(*)::text AS n FROM governance.outbox WHERE tenant_id = $1`,
      [this.platform.tenantId],
    );
    return Number(r?.n ?? 0);
  }
}
