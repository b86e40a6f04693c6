import { Inject, Injectable } from '@nestjs/common';
import { AdminActionAudited, AdminTokenRevoked, ClientChanged, ConnectionChanged } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { z } from 'zod';

export type AuditActor = z.input<typeof AdminActionAudited.payload>['actor'];
export type ClientChange = z.input<typeof ClientChanged.payload>;
export type ConnectionChange = z.input<typeof ConnectionChanged.payload>;

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: 'auth' };

/**
 * Everything auth tells the rest of Portcullis. Audit records are best-effort from here (a bus
 * outage must not lock users out; the failure is logged loudly). Client and connection changes are
 * awaited and their failures propagate: gateways rely on them to drop revoked credentials at once.
 */
@Injectable()
export class AuthEvents {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async audit(
    action: string,
    actor: AuditActor,
    resource: { type: string; id: string },
    summary: string,
    details?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.bus.publish(
        AdminActionAudited,
        {
          action,
          actor: {
            ...actor,
            id: actor.id.slice(0, 200),
            ...(actor.email ? { email: actor.email.slice(0, 320) } : {}),
          },
          resourceType: resource.type,
          resourceId: resource.id.slice(0, 200),
          summary: summary.slice(0, 2000),
          ...(details ? { details } : {}),
        },
        { tenantId: this.platform.tenantId },
      );
    } catch (err) {
      this.platform.logger.error(
        { err, action, resource },
        'could not publish an audit record for an auth action',
      );
    }
  }

  /**
   * Tells governance and audit to forget what they remember about a revoked admin API token. The
   * revocation itself is already stored; if the bus is down, their answers age out within the
   * introspection cache's lifetime instead.
   */
  async adminTokenRevoked(tokenId: string): Promise<void> {
    try {
      await this.bus.publish(AdminTokenRevoked, { tokenId }, { tenantId: this.platform.tenantId });
    } catch (err) {
      this.platform.logger.error({ err: (err as Error).message, tokenId }, 'could not announce an admin API token revocation; other services forget it when their cached answer expires');
    }
  }

  async clientChanged(change: ClientChange): Promise<void> {
    await this.bus.publish(ClientChanged, change, { tenantId: this.platform.tenantId });
  }

  async connectionChanged(changes: ConnectionChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.bus.publishMany(
      ConnectionChanged,
      changes.map((payload) => ({ payload, opts: { tenantId: this.platform.tenantId } })),
    );
  }

  /** For changes whose loss is harmless (e.g. "refreshed"): never fails the caller. */
  async connectionChangedBestEffort(changes: ConnectionChange[]): Promise<void> {
    await this.connectionChanged(changes).catch((err: unknown) =>
      this.platform.logger.warn({ err }, 'could not publish a connection change'),
    );
  }
}
