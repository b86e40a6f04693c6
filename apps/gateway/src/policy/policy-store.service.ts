import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type PolicySnapshotBody, PolicySnapshotPublished } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';

/**
 * The gateway's in-memory policy: the newest snapshot governance published. Every replica reads the
 * whole (compacted) topic in its own group, applies a snapshot atomically by swapping the reference,
 * and ignores older versions. With no snapshot the gateway fails closed.
 */
@Injectable()
export class PolicyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private current: PolicySnapshotBody | null = null;
  private sub?: Subscription;
  private readonly versionGauge;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.versionGauge = platform.metrics.gauge('portcullis_policy_snapshot_version', 'Version of the policy snapshot this gateway enforces (0 = none: failing closed).', ['instance']);
    this.versionGauge.set({ instance: platform.instanceId }, 0);
    platform.health.register('policy', async () =>
      this.current ? { ok: true, detail: `version ${this.current.version}` } : { ok: true, detail: 'no snapshot yet: failing closed' },
    );
  }

  get snapshot(): PolicySnapshotBody | null {
    return this.current;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await this.bus.subscribe(
      PolicySnapshotPublished,
      { group: 'portcullis-gateway-policy', broadcast: true, fromBeginning: true },
      async (e) => {
        if (e.tenantId !== this.platform.tenantId) return;
        this.apply(e.payload);
      },
    );
  }

  apply(snapshot: PolicySnapshotBody): boolean {
    if (this.current && snapshot.version <= this.current.version) return false;
    this.current = snapshot;
    this.versionGauge.set({ instance: this.platform.instanceId }, snapshot.version);
    this.platform.logger.info({ version: snapshot.version }, 'policy snapshot applied');
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }
}
