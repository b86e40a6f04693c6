import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type PolicySnapshotBody, PolicySnapshotPublished } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { compilePolicy, type CompiledPolicy } from '@portcullis/policy';
import { PLATFORM, type Platform } from '@portcullis/runtime';

/**
 * The gateway's in-memory policy: the newest snapshot governance published. Every replica reads the
 * whole (compacted) topic in its own group, applies a snapshot atomically by swapping the reference,
 * and ignores older versions. With no snapshot the gateway fails closed.
 */
@Injectable()
export class PolicyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private current: PolicySnapshotBody | null = null;
  private compiledPolicy: CompiledPolicy | null = null;
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

  /** The compiled (indexed) policy every decision uses; null means fail closed. */
  get compiled(): CompiledPolicy | null {
    return this.compiledPolicy;
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
    // Compile first, then swap both references: a decision never sees half a snapshot.
    const compiled = compilePolicy(snapshot);
    this.current = snapshot;
    this.compiledPolicy = compiled;
    this.versionGauge.set({ instance: this.platform.instanceId }, snapshot.version);
    this.platform.logger.info({ version: snapshot.version }, 'policy snapshot applied');
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }
}
