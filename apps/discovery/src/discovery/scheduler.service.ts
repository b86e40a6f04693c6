import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from '../config';
import { Database } from '@portcullis/runtime';
import { DiscoveryRepository } from './registry.repository';
import { DiscoveryRunner } from './runner.service';

/**
 * The periodic side of discovery: every tick, runs what is due — requested runs that no replica has
 * picked up yet, and scheduled re-discovery per the tenant's `discoveryIntervalSeconds` — and makes
 * sure every server that announces list changes is watched by some replica.
 */
@Injectable()
export class DiscoveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(DISCOVERY_CONFIG) private readonly config: DiscoveryConfig,
    private readonly db: Database,
    private readonly repo: DiscoveryRepository,
    private readonly runner: DiscoveryRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.tickMs);
    this.timer.unref();
    void this.tick();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async intervalSeconds(): Promise<number> {
    return (
      (await this.repo.intervalSeconds(this.db.sql, this.platform.tenantId)) ??
      this.config.defaultIntervalSeconds
    );
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const due = await this.repo.due(
        this.db.sql,
        this.platform.tenantId,
        await this.intervalSeconds(),
        this.config.concurrency * 4,
      );
      for (const id of due) this.runner.kick(id);
      await this.runner.reconcileWatches();
    } catch (err) {
      this.platform.logger.warn({ err: (err as Error).message }, 'discovery scheduler tick failed');
    } finally {
      this.ticking = false;
    }
  }
}
