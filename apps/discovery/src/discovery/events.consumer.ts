import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryRequested, PolicySnapshotPublished, ServerChanged } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { Database } from '@portcullis/runtime';
import { DiscoveryRepository, type PendingRun } from './registry.repository';
import { DiscoveryRunner } from './runner.service';

/**
 * Discovery's inputs, all from the bus: registrations (ServerChanged) rebuild its own view of the
 * servers and trigger a run on create/change/resume; DiscoveryRequested asks for a run now; policy
 * snapshots carry the tenant's discovery interval.
 */
@Injectable()
export class DiscoveryEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subs: Subscription[] = [];

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly db: Database,
    private readonly repo: DiscoveryRepository,
    private readonly runner: DiscoveryRunner,
  ) {}

  private get tenant() {
    return this.platform.tenantId;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subs.push(
      await this.bus.subscribe(
        ServerChanged,
        { group: 'portcullis-discovery', fromBeginning: true },
        async (e) => {
          if (e.tenantId !== this.tenant) return;
          const p = e.payload;
          const at = e.occurredAt;
          const pending: PendingRun | null =
            p.change === 'created'
              ? { trigger: 'registration', at }
              : p.change === 'updated' || p.change === 'resumed'
                ? { trigger: 'change', at }
                : null;
          const applied = await this.repo.applyServerChanged(this.db.sql, this.tenant, p, pending);
          this.platform.logger.info(
            { serverId: p.serverId, change: p.change, applied },
            'server registration changed',
          );
          if (!applied) return;
          if (p.change === 'deleted' || p.change === 'paused') await this.runner.stopWatch(p.serverId);
          if (pending) this.runner.kick(p.serverId);
        },
      ),
    );
    this.subs.push(
      await this.bus.subscribe(
        DiscoveryRequested,
        { group: 'portcullis-discovery', fromBeginning: true, maxAttempts: 8, retryDelayMs: 250 },
        async (e) => {
          if (e.tenantId !== this.tenant) return;
          const p = e.payload;
          const known = await this.runner.request(p.serverId, {
            trigger: p.full ? 'resync' : 'manual',
            ...(p.full ? { full: true } : {}),
            requestId: p.requestId,
            at: e.occurredAt,
          });
          if (!known) {
            const s = await this.repo.get(this.db.sql, this.tenant, p.serverId);
            // Not registered here yet (its ServerChanged is still on the way): retry; deleted: drop.
            if (!s) throw new Error(`server ${p.serverId} is not known to discovery yet`);
          }
        },
      ),
    );
    this.subs.push(
      await this.bus.subscribe(
        PolicySnapshotPublished,
        { group: 'portcullis-discovery-settings', fromBeginning: true },
        async (e) => {
          if (e.tenantId !== this.tenant || !e.payload.settings) return;
          await this.repo.setInterval(
            this.db.sql,
            this.tenant,
            e.payload.settings.discoveryIntervalSeconds,
            e.payload.version,
          );
        },
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.close()));
  }
}
