import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { type PolicySnapshotBody, PolicySnapshotPublished } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { DATA_SOURCE, PLATFORM, type Platform } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';

/**
 * Compiles the tenant's governance state into a versioned policy snapshot and publishes it for the
 * gateways. The version only grows (stored per tenant), so gateways can ignore stale snapshots.
 */
@Injectable()
export class PolicyPublisherService implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.publish();
  }

  async publish(): Promise<PolicySnapshotBody> {
    const tenantId = this.platform.tenantId;
    const rows: { version: number }[] = await this.ds.query(
      `INSERT INTO governance.policy_versions (tenant_id, version) VALUES ($1, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET version = governance.policy_versions.version + 1, compiled_at = now()
       RETURNING version`,
      [tenantId],
    );
    const snapshot: PolicySnapshotBody = {
      version: rows[0]!.version,
      compiledAt: new Date().toISOString(),
      killSwitches: { tenant: false, servers: [], tools: [], clients: [] },
      allowedClientTypes: ['personal', 'shared', 'service', 'ephemeral'],
      servers: [],
      tools: [],
      toolsets: [],
      profiles: [],
    };
    await this.bus.publish(PolicySnapshotPublished, snapshot, { tenantId });
    this.platform.logger.info({ version: snapshot.version }, 'policy snapshot published');
    return snapshot;
  }
}
