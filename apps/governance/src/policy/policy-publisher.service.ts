import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type PolicySnapshotBody, PolicySnapshotPublished } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { GOVERNANCE_CONFIG, type GovernanceConfig } from '../config';
import { Database, type Sql } from '@portcullis/runtime';
import { SettingsRepository } from '../settings/settings.repository';
import { compileSnapshot, type CompileInput } from './policy-compiler';
import { PolicyStateRepository } from './policy-state.repository';
import { PolicyRepository } from './policy.repository';

/**
 * Compiles the tenant's governance state into a versioned policy snapshot and publishes it for the
 * gateways, right after each change commits. The version only grows (assigned under a row lock, so
 * two replicas never compile out of order). If publishing fails the change stays committed; a timer
 * notices the tenant is dirty (change_seq > published_seq) and publishes the latest state.
 */
@Injectable()
export class PolicyPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private running?: Promise<PolicySnapshotBody>;
  private queued?: Promise<PolicySnapshotBody>;
  private timer?: NodeJS.Timeout;
  private latest?: PolicySnapshotBody;
  private readonly versionGauge;
  private readonly publishes;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(GOVERNANCE_CONFIG) private readonly config: GovernanceConfig,
    private readonly db: Database,
    private readonly state: PolicyStateRepository,
    private readonly policy: PolicyRepository,
    private readonly settings: SettingsRepository,
  ) {
    this.versionGauge = platform.metrics.gauge(
      'portcullis_policy_published_version',
      'Newest policy snapshot version governance published.',
      ['tenant'],
    );
    this.publishes = platform.metrics.counter(
      'portcullis_policy_publishes_total',
      'Policy snapshot publications by outcome.',
      ['outcome'],
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      const stored = await this.state.latestSnapshot(this.db.sql, this.platform.tenantId);
      const st = await this.state.get(this.db.sql, this.platform.tenantId);
      if (stored && st && st.changeSeq <= st.publishedSeq) {
        // Nothing changed since: re-announce the stored version (gateways ignore equal versions).
        await this.bus.publish(PolicySnapshotPublished, stored, { tenantId: this.platform.tenantId });
        this.latest = stored;
        this.versionGauge.set({ tenant: this.platform.tenantId }, stored.version);
      } else {
        await this.publishLatest();
      }
    } catch (err) {
      this.platform.logger.warn(
        { err: (err as Error).message },
        'initial policy publication failed; the republisher will retry',
      );
    }
    this.timer = setInterval(() => void this.republishIfDirty(), this.config.republishIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }

  /** The newest compiled snapshot (what the gateways enforce once they receive it). */
  async current(): Promise<PolicySnapshotBody | undefined> {
    const stored = await this.state.latestSnapshot(this.db.sql, this.platform.tenantId);
    if (stored && (!this.latest || stored.version >= this.latest.version)) this.latest = stored;
    return this.latest;
  }

  /**
   * Compiles and publishes a new version reflecting everything committed before the call. Calls
   * that arrive while one is running share the next compilation instead of queueing one each.
   */
  publishLatest(): Promise<PolicySnapshotBody> {
    if (this.queued) return this.queued;
    const after = this.running ?? Promise.resolve(undefined as unknown as PolicySnapshotBody);
    const next: Promise<PolicySnapshotBody> = after
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        this.running = next;
        return this.compileAndPublish();
      })
      .finally(() => {
        if (this.running === next) this.running = undefined;
      });
    this.queued = next;
    return next;
  }

  private async republishIfDirty(): Promise<void> {
    // A compilation in flight (here) will publish the latest state anyway.
    if (this.running || this.queued) return;
    try {
      const st = await this.state.get(this.db.sql, this.platform.tenantId);
      if (!st || st.changeSeq > st.publishedSeq || st.publishedVersion < st.version)
        await this.publishLatest();
    } catch (err) {
      this.platform.logger.warn({ err: (err as Error).message }, 'policy republish attempt failed');
    }
  }

  private async compileAndPublish(): Promise<PolicySnapshotBody> {
    const tenantId = this.platform.tenantId;
    const { body, changeSeq } = await this.db.transaction(async (sql) => {
      const { version, changeSeq } = await this.state.nextVersion(sql, tenantId);
      const body = compileSnapshot(await this.load(sql, tenantId), version);
      await this.state.storeSnapshot(sql, tenantId, body);
      return { body, changeSeq };
    });
    try {
      await this.bus.publish(PolicySnapshotPublished, body, { tenantId });
    } catch (err) {
      this.publishes.inc({ outcome: 'error' });
      await this.state.recordError(this.db.sql, tenantId, (err as Error).message).catch(() => undefined);
      throw err;
    }
    await this.state.markPublished(this.db.sql, tenantId, body.version, changeSeq);
    this.latest = body;
    this.publishes.inc({ outcome: 'ok' });
    this.versionGauge.set({ tenant: tenantId }, body.version);
    this.platform.logger.info(
      { version: body.version, tools: body.tools.length, profiles: body.profiles.length },
      'policy snapshot published',
    );
    return body;
  }

  async load(sql: Sql, tenantId: string): Promise<CompileInput> {
    const s = await this.settings.get(sql, tenantId);
    return {
      settings: {
        requireToolApproval: s.requireToolApproval,
        defaultClassification: s.defaultClassification,
        allowedClientTypes: s.allowedClientTypes,
        discoveryIntervalSeconds: s.discoveryIntervalSeconds,
        pinApprovedDefinitions: s.pinApprovedDefinitions,
        auditVerbosity: s.auditVerbosity,
      },
      servers: await this.policy.servers(sql, tenantId),
      tools: await this.policy.tools(sql, tenantId),
      toolsets: await this.policy.toolsets(sql, tenantId),
      profiles: await this.policy.profiles(sql, tenantId),
      killSwitches: await this.policy.killSwitches(sql, tenantId),
    };
  }
}
