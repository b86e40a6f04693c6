import { Inject, Injectable } from '@nestjs/common';
import { AdminActionAudited, type EventDefinition } from '@portcullis/contracts';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { z } from 'zod';
import { PolicyPublisher } from '../policy/policy-publisher.service';
import { PolicyStateRepository } from '../policy/policy-state.repository';
import type { Actor } from './actor';
import { Database, type Sql } from '@portcullis/runtime';
import { Outbox, type PendingEvent, pendingEvent } from './outbox';

/** What one change does inside its transaction: SQL, events to publish, an audit record, a policy bump. */
export class ChangeContext {
  readonly events: PendingEvent[] = [];
  policyChanged = false;

  constructor(
    readonly sql: Sql,
    readonly tenantId: string,
    readonly actor: Actor,
  ) {}

  emit<S extends z.ZodType>(def: EventDefinition<S>, payload: z.input<S>): void {
    this.events.push(pendingEvent(def, payload));
  }

  /** Records the admin action for the audit log (published through the outbox, after commit). */
  audit(
    action: string,
    resourceType: string,
    resourceId: string,
    summary: string,
    details?: Record<string, unknown>,
  ): void {
    this.emit(AdminActionAudited, {
      action,
      actor: {
        type: this.actor.type,
        id: this.actor.id,
        ...(this.actor.email ? { email: this.actor.email } : {}),
      },
      resourceType,
      resourceId,
      summary: summary.slice(0, 2000),
      ...(details ? { details } : {}),
    });
  }

  /** The change alters what the gateways enforce: compile and publish a new snapshot after commit. */
  touchPolicy(): void {
    this.policyChanged = true;
  }
}

/**
 * The write path of every governance change: one transaction for the state, its outbox events and
 * the policy "dirty" mark; then, after commit, publish the events and a new policy snapshot. A
 * publish failure never undoes a committed change — the outbox timer and the republisher retry.
 */
@Injectable()
export class Changes {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly policyState: PolicyStateRepository,
    private readonly publisher: PolicyPublisher,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async run<T>(actor: Actor, fn: (ctx: ChangeContext) => Promise<T>): Promise<T> {
    let ctx!: ChangeContext;
    const result = await this.db.transaction(async (sql) => {
      ctx = new ChangeContext(sql, this.platform.tenantId, actor);
      const r = await fn(ctx);
      if (ctx.events.length) await this.outbox.add(sql, ctx.events);
      if (ctx.policyChanged) await this.policyState.markDirty(sql, this.platform.tenantId);
      return r;
    });
    // Snapshot first: kill switches and approvals must reach the gateways as fast as possible.
    if (ctx.policyChanged) {
      await this.publisher
        .publishLatest()
        .catch((err: unknown) =>
          this.platform.logger.warn(
            { err: (err as Error).message },
            'policy snapshot publish failed after commit; the republisher will retry',
          ),
        );
    }
    if (ctx.events.length) {
      await this.outbox
        .flush()
        .catch((err: unknown) =>
          this.platform.logger.warn(
            { err: (err as Error).message },
            'outbox flush failed after commit; will retry',
          ),
        );
    }
    return result;
  }
}
