import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PolicySnapshotPublished } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Verbosity } from '../audit.config';

/**
 * Follows each tenant's `settings.auditVerbosity` from governance's policy snapshots (compacted topic,
 * read from the beginning by every replica). Until a tenant's snapshot has been seen — e.g. in the
 * first moments after start — AUDIT_VERBOSITY applies. AUDIT_VERBOSITY_BY_TENANT pins a tenant's level
 * regardless of the setting (an operator override, e.g. for data-residency rules).
 */
@Injectable()
export class TenantSettingsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly verbosity = new Map<string, Verbosity>();
  private subscription?: Subscription;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe(
      PolicySnapshotPublished,
      { group: 'portcullis-audit-settings', broadcast: true, fromBeginning: true },
      async (env) => {
        const level = env.payload.settings?.auditVerbosity;
        if (level && this.verbosity.get(env.tenantId) !== level) {
          this.verbosity.set(env.tenantId, level);
          this.platform.logger.info(
            { tenantId: env.tenantId, auditVerbosity: level },
            'tenant audit verbosity',
          );
        }
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  verbosityOf(tenantId: string): Verbosity | undefined {
    return this.verbosity.get(tenantId);
  }
}
