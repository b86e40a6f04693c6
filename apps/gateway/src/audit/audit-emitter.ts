import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InvalidEventError, ToolCallAudited } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { z } from 'zod';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { redactSecrets } from './redact';

export type ToolCallRecord = z.input<typeof ToolCallAudited.payload>;

/** Intent batches published concurrently, and the most intents one batch carries. */
const INTENT_BATCHES_IN_FLIGHT = 2;
const INTENT_BATCH_MAX = 500;

export class AuditUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditUnavailableError';
  }
}

/**
 * The gateway's audit trail. Before any upstream call the call's *intent* must be acknowledged by
 * the bus (bounded wait; otherwise the call is refused — no upstream call without an audit record).
 * Outcomes are published at-least-once from a bounded in-memory buffer; when the buffer is full
 * (the bus has been away too long) new calls fail closed instead of running unaudited.
 */
@Injectable()
export class AuditEmitter implements OnModuleDestroy {
  private readonly pending: { record: ToolCallRecord; eventId: string; traceparent?: string }[] = [];
  /** Intents waiting for the next publish; each call waits for its own batch's acknowledgement. */
  private readonly intents: { record: ToolCallRecord; traceparent?: string; done: (err?: unknown) => void }[] = [];
  private intentBatchesInFlight = 0;
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    platform.health.register('audit-buffer', async () => ({
      ok: this.pending.length < config.AUDIT_BUFFER_LIMIT,
      detail: `${this.pending.length} outcome records waiting for the bus`,
    }));
  }

  /** Arguments as the tenant's audit verbosity allows, secrets redacted (nothing at `minimal`). */
  detail(args: unknown): Pick<ToolCallRecord, 'arguments'> {
    return this.config.AUDIT_VERBOSITY === 'minimal' ? {} : { arguments: redactSecrets(args) };
  }

  /** The result summary, truncated per verbosity (nothing at `minimal`). */
  summaryDetail(summary: string): Pick<ToolCallRecord, 'resultSummary'> {
    const v = this.config.AUDIT_VERBOSITY;
    if (v === 'minimal' || !summary) return {};
    const limit = v === 'full' ? 4000 : 300;
    return { resultSummary: summary.length > limit ? `${summary.slice(0, limit)}…` : summary };
  }

  /**
   * Waits for the bus to acknowledge the intent record; throws AuditUnavailableError otherwise.
   * Intents that arrive while earlier ones are being published go out together in the next
   * batch, so under load one acknowledgement covers many calls; alone, an intent is published at
   * once (no added linger). Either way no call proceeds before its own record is acknowledged.
   */
  async recordIntent(record: ToolCallRecord, traceparent?: string): Promise<void> {
    if (this.pending.length >= this.config.AUDIT_BUFFER_LIMIT) {
      throw new AuditUnavailableError('The audit log is not accepting records (backlog full), so Portcullis refuses to call tools unaudited. Retry shortly.');
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no acknowledgement within ${this.config.AUDIT_INTENT_TIMEOUT_MS} ms`)), this.config.AUDIT_INTENT_TIMEOUT_MS);
        this.intents.push({ record, ...(traceparent ? { traceparent } : {}), done: (err) => (err === undefined ? resolve() : reject(err)) });
        this.publishIntents();
      });
    } catch (err) {
      this.platform.logger.error({ err: (err as Error).message, callId: record.callId }, 'audit intent not acknowledged: refusing the call');
      throw new AuditUnavailableError('The audit log is unavailable, so Portcullis refuses to call tools unaudited. Retry shortly.', { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private publishIntents(): void {
    while (this.intentBatchesInFlight < INTENT_BATCHES_IN_FLIGHT && this.intents.length) {
      const batch = this.intents.splice(0, INTENT_BATCH_MAX);
      this.intentBatchesInFlight++;
      const publish = async (items: typeof batch) =>
        this.bus.publishMany(
          ToolCallAudited,
          items.map((b) => ({ payload: b.record, opts: { tenantId: this.platform.tenantId, ...(b.traceparent ? { traceparent: b.traceparent } : {}) } })),
        );
      publish(batch)
        .then(
          () => batch.forEach((b) => b.done()),
          async (err: unknown) => {
            // One record the contract rejects must not fail the calls batched with it: publish each alone.
            if (!(err instanceof InvalidEventError) || batch.length === 1) return batch.forEach((b) => b.done(err ?? new Error('publish failed')));
            await Promise.all(batch.map((b) => publish([b]).then(() => b.done(), (e: unknown) => b.done(e ?? new Error('publish failed')))));
          },
        )
        .finally(() => {
          this.intentBatchesInFlight--;
          this.publishIntents();
        });
    }
  }

  /** Queues an outcome (or denial) record; published in the background with retries. */
  recordOutcome(record: ToolCallRecord, traceparent?: string): void {
    // The event id is fixed when the record is queued: a retried publish whose first attempt did
    // land is then a duplicate the audit store drops, not a second record.
    this.pending.push({ record, eventId: randomUUID(), ...(traceparent ? { traceparent } : {}) });
    this.schedule(0);
  }

  get backlog(): number {
    return this.pending.length;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.flushing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().then((ok) => {
        this.flushing = undefined;
        if (this.pending.length) this.schedule(ok ? 0 : this.retryDelay);
      });
    }, delayMs);
  }

  private retryDelay = 100;

  /** Publishes the backlog in batches; false when the bus refused (the caller backs off). */
  private async flush(): Promise<boolean> {
    while (this.pending.length) {
      const batch = this.pending.slice(0, 500);
      try {
        await this.bus.publishMany(
          ToolCallAudited,
          batch.map((b) => ({ payload: b.record, opts: { tenantId: this.platform.tenantId, eventId: b.eventId, ...(b.traceparent ? { traceparent: b.traceparent } : {}) } })),
        );
        this.pending.splice(0, batch.length);
        this.retryDelay = 100;
      } catch (err) {
        this.platform.logger.warn({ err: (err as Error).message, backlog: this.pending.length }, 'audit outcome publish failed; will retry');
        this.retryDelay = Math.min(this.retryDelay * 2, 5000);
        return false;
      }
    }
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    // Drain what we can before the bus closes.
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushing;
    if (this.pending.length) await this.flush();
    this.closed = true;
    if (this.pending.length) this.platform.logger.error({ lost: this.pending.length }, 'audit outcomes still unpublished at shutdown');
  }
}
