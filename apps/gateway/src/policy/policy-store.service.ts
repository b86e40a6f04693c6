import { readFileSync } from 'node:fs';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type PolicySnapshotBody, policySnapshotBody, PolicySnapshotPublished } from '@portcullis/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
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
  private readonly listeners = new Set<(snapshot: PolicySnapshotBody) => void>();
  private readonly versionGauge;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
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
    if (this.config.POLICY_SEED_FILE) this.applySeed(this.config.POLICY_SEED_FILE);
    this.sub = await this.bus.subscribe(
      PolicySnapshotPublished,
      { group: 'portcullis-gateway-policy', broadcast: true, fromBeginning: true },
      async (e) => {
        if (e.tenantId !== this.platform.tenantId) return;
        this.apply(e.payload);
      },
    );
  }

  /**
   * A policy from a file, for set-ups without governance (benchmarks, a single gateway in front of
   * fixed upstreams). Any snapshot governance publishes later with a higher version replaces it.
   */
  private applySeed(path: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`POLICY_SEED_FILE ${path} cannot be read as JSON: ${(err as Error).message}`);
    }
    const parsed = policySnapshotBody.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`POLICY_SEED_FILE ${path} is not a valid policy snapshot: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.apply(parsed.data);
  }

  /** Called after each newly applied snapshot (e.g. to tell listening MCP clients their tool list changed). */
  onApplied(listener: (snapshot: PolicySnapshotBody) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  apply(snapshot: PolicySnapshotBody): boolean {
    if (this.current && snapshot.version <= this.current.version) return false;
    // Compile first, then swap both references: a decision never sees half a snapshot.
    const compiled = compilePolicy(snapshot);
    this.current = snapshot;
    this.compiledPolicy = compiled;
    this.versionGauge.set({ instance: this.platform.instanceId }, snapshot.version);
    this.platform.logger.info({ version: snapshot.version }, 'policy snapshot applied');
    for (const l of this.listeners) {
      try {
        l(snapshot);
      } catch (err) {
        this.platform.logger.warn({ err: (err as Error).message }, 'policy listener failed');
      }
    }
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }
}
