import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AUDIT_CONFIG, type AuditConfig } from '../audit.config';
import { AuditMetrics } from '../audit.metrics';
import { AUDIT_STORE, type AuditStore } from './audit-store';
import { type MaintenanceReport, runMaintenance } from './maintenance';

/** Runs partition upkeep and retention on start and every AUDIT_MAINTENANCE_INTERVAL_MINUTES. */
@Injectable()
export class AuditMaintenanceService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<MaintenanceReport | undefined>;

  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(AUDIT_CONFIG) private readonly cfg: AuditConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly metrics: AuditMetrics,
  ) {}

  onApplicationBootstrap(): void {
    void this.runOnce();
    if (this.cfg.maintenanceIntervalMinutes > 0) {
      this.timer = setInterval(() => void this.runOnce(), this.cfg.maintenanceIntervalMinutes * 60_000);
      this.timer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; concurrent calls share the pass in progress. Errors are logged, not thrown. */
  runOnce(now?: Date): Promise<MaintenanceReport | undefined> {
    this.running ??= runMaintenance(this.store, this.cfg, now)
      .then((report) => {
        if (report.dropped.length) this.metrics.partitionsDropped.inc(report.dropped.length);
        const level = report.dropped.length || report.partitionsCreated.length ? 'info' : 'debug';
        this.platform.logger[level]({ ...report }, 'audit maintenance done');
        return report;
      })
      .catch((err: unknown) => {
        this.platform.logger.error({ err }, 'audit maintenance failed; will retry on the next run');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
