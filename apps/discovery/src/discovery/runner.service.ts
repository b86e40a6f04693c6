import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type DiscoveryTrigger, ToolsDiscovered, type ToolsDiscoveredPayload } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from '../config';
import { UpstreamAccess } from './credentials';
import { Database } from '@portcullis/runtime';
import { diffInventory, toDefinitions } from './hashing';
import { DiscoveryRepository, type KnownServer, type PendingRun } from './registry.repository';
import { describeError, isAuthRefusal, listUpstreamTools, UpstreamWatch } from './upstream-client';

const WATCH_LEASE_MS = 30_000;
const WATCH_RENEW_MS = 10_000;

/**
 * Runs discovery for one server at a time per server: claims the run lease (so replicas never run
 * the same server concurrently), lists every tool page, hashes and diffs against the last known
 * inventory, publishes ToolsDiscovered, and only then stores the new inventory — so a failed
 * publish is retried with the same diff, and a repeated event is harmless to governance.
 */
@Injectable()
export class DiscoveryRunner implements OnModuleDestroy {
  private readonly owner: string;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private closed = false;
  private readonly watches = new Map<string, UpstreamWatch>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly runs;
  private readonly duration;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(DISCOVERY_CONFIG) private readonly config: DiscoveryConfig,
    private readonly db: Database,
    private readonly repo: DiscoveryRepository,
    private readonly access: UpstreamAccess,
  ) {
    this.owner = `${platform.instanceId}:${randomUUID().slice(0, 8)}`;
    this.runs = platform.metrics.counter(
      'portcullis_discovery_runs_total',
      'Discovery runs by trigger and outcome.',
      ['trigger', 'outcome'],
    );
    this.duration = platform.metrics.histogram(
      'portcullis_discovery_run_duration_seconds',
      'Duration of discovery runs (connect + all tools/list pages).',
      ['outcome'],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    );
    this.renewTimer = setInterval(() => void this.renewWatches(), WATCH_RENEW_MS);
    this.renewTimer.unref();
  }

  private get tenant() {
    return this.platform.tenantId;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.renewTimer);
    for (const id of [...this.watches.keys()]) await this.stopWatch(id);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Records a requested run durably, then starts it (or lets the running one pick it up). */
  async request(serverId: string, pending: PendingRun): Promise<boolean> {
    const known = await this.repo.requestRun(this.db.sql, this.tenant, serverId, pending);
    if (known) this.kick(serverId);
    return known;
  }

  /** Starts a run for the server unless one is in flight here, in which case it runs again afterwards. */
  kick(serverId: string): void {
    if (this.closed) return;
    if (this.inFlight.has(serverId)) {
      this.again.add(serverId);
      return;
    }
    const p = this.limited(() => this.runOnce(serverId))
      .catch((err: unknown) => this.platform.logger.error({ err, serverId }, 'discovery run crashed'))
      .finally(() => {
        this.inFlight.delete(serverId);
        if (this.again.delete(serverId)) this.kick(serverId);
      });
    this.inFlight.set(serverId, p);
  }

  /** Waits for the in-flight run of a server (tests, shutdown). */
  async settled(serverId?: string): Promise<void> {
    while (true) {
      const pending = serverId ? [this.inFlight.get(serverId)].filter(Boolean) : [...this.inFlight.values()];
      if (!pending.length) return;
      await Promise.allSettled(pending);
    }
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.config.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private async runOnce(serverId: string): Promise<void> {
    const server = await this.repo.claimRun(
      this.db.sql,
      this.tenant,
      serverId,
      this.owner,
      this.config.timeoutMs + 30_000,
    );
    if (!server) return; // deleted, or another replica is running it (it will see our pending request)
    const pending = server.pending;
    try {
      if (server.paused && !(pending && (pending.trigger === 'manual' || pending.trigger === 'resync'))) {
        await this.repo.releaseRun(this.db.sql, this.tenant, serverId, this.owner, pending);
        return;
      }
      const payload = await this.discover(server, pending);
      // Publish first: if it fails, the inventory is not advanced and the same diff is retried.
      await this.bus.publish(ToolsDiscovered, payload, { tenantId: this.tenant });
      await this.db.transaction(async (sql) => {
        if (payload.ok) {
          const previous = await this.repo.inventory(sql, this.tenant, serverId);
          const next = new Map(previous);
          for (const d of [...payload.added, ...payload.changed]) next.set(d.name, d.hash);
          for (const n of payload.removed) next.delete(n);
          await this.repo.replaceInventory(
            sql,
            this.tenant,
            serverId,
            [...next].map(([name, hash]) => ({ name, hash })),
          );
        }
        await this.repo.finishRun(sql, this.tenant, serverId, this.owner, {
          ok: payload.ok,
          error: payload.error ?? null,
          listChanged: payload.ok ? (payload.listChanged ?? false) : null,
          ranPending: pending,
        });
      });
      const outcome = payload.ok ? 'ok' : 'error';
      this.runs.inc({ trigger: payload.trigger ?? 'schedule', outcome });
      this.duration.observe({ outcome }, (payload.durationMs ?? 0) / 1000);
      this.platform.logger.info(
        {
          serverId,
          runId: payload.runId,
          trigger: payload.trigger,
          ok: payload.ok,
          error: payload.error,
          added: payload.added.length,
          changed: payload.changed.length,
          removed: payload.removed.length,
          total: payload.total,
        },
        'discovery run finished',
      );
      if (payload.ok && payload.listChanged && !server.paused) await this.ensureWatch(serverId);
      else if (payload.ok && !payload.listChanged) await this.stopWatch(serverId);
    } catch (err) {
      this.runs.inc({ trigger: pending?.trigger ?? 'schedule', outcome: 'not_published' });
      this.platform.logger.warn(
        { err: describeError(err), serverId },
        'discovery result could not be published; will retry',
      );
      await this.repo.releaseRun(this.db.sql, this.tenant, serverId, this.owner).catch(() => undefined);
    }
  }

  private async discover(server: KnownServer, pending: PendingRun | null): Promise<ToolsDiscoveredPayload> {
    const trigger: DiscoveryTrigger = pending?.trigger ?? 'schedule';
    const full = trigger === 'resync' || pending?.full === true;
    const runId = randomUUID();
    const startedAt = new Date();
    const base = {
      serverId: server.serverId,
      runId,
      trigger,
      ...(pending?.requestId ? { requestId: pending.requestId } : {}),
      startedAt: startedAt.toISOString(),
    };
    const target = this.access.target(server);
    const failed = (error: string): ToolsDiscoveredPayload => ({
      ...base,
      ok: false,
      error: error.slice(0, 2000),
      added: [],
      changed: [],
      removed: [],
      unchanged: 0,
      total: 0,
      durationMs: Date.now() - startedAt.getTime(),
    });
    if ('error' in target) return failed(target.error);
    // A credential failure (auth unreachable, nothing connected) fails the run like a connection
    // error: nothing is published as removed, the previous inventory is kept.
    const access = await this.access.prepare(server);
    if ('error' in access) return failed(`Could not list the tools of ${target.url}: ${access.error}`);
    let listing;
    try {
      listing = await listUpstreamTools(target, access.headers, {
        timeoutMs: this.config.timeoutMs,
        maxPages: this.config.maxPages,
      });
    } catch (err) {
      // Errors can quote the upstream's answer: whatever credential was sent is scrubbed from them.
      const reason = access.scrub(describeError(err));
      if (access.via === 'per_user' && isAuthRefusal(err))
        return failed(
          `${target.url} refused an anonymous tools/list (${reason}): it requires per-user sign-in, and discovery acts for no user. ` +
            'The server is registered with per-user OAuth, so its credentials belong to each signed-in user. To discover its tools, ' +
            'an administrator can give the registration a credential that works without a user — service OAuth (an administrator connects once), ' +
            'OAuth client credentials, or a static bearer token or header — or allow anonymous tools/list on the server.',
        );
      if (access.via === 'credential' && isAuthRefusal(err))
        return failed(
          `${target.url} refused the credential discovery got from auth for this server (${reason}). ` +
            "Check the server's credentials in its registration (or reconnect its service account), then run discovery again.",
        );
      return failed(`Could not list the tools of ${target.url}: ${reason}`);
    }
    const { definitions, warnings } = toDefinitions(listing.tools);
    const previous = await this.repo.inventory(this.db.sql, this.tenant, server.serverId);
    const diff = diffInventory(previous, definitions, full);
    return {
      ...base,
      ok: true,
      added: diff.added,
      changed: diff.changed,
      removed: diff.removed,
      unchanged: diff.unchanged,
      total: definitions.length,
      durationMs: Date.now() - startedAt.getTime(),
      ...(warnings.length ? { warnings } : {}),
      ...(listing.serverInfo ? { serverInfo: listing.serverInfo } : {}),
      listChanged: listing.listChanged,
    };
  }

  // ----- tools/list_changed watches -----

  /** Holds a watch connection for a server that announces list changes (one replica at a time). */
  async ensureWatch(serverId: string): Promise<void> {
    if (!this.config.watchListChanged || this.closed || this.watches.has(serverId)) return;
    const server = await this.repo.claimWatch(this.db.sql, this.tenant, serverId, this.owner, WATCH_LEASE_MS);
    if (!server || this.watches.has(serverId)) return;
    const target = this.access.target(server);
    const access = 'error' in target ? target : await this.access.prepare(server);
    if (this.watches.has(serverId)) return; // another call set it up meanwhile (it holds the lease)
    if ('error' in target || 'error' in access || this.closed) {
      await this.repo.releaseWatch(this.db.sql, this.tenant, serverId, this.owner);
      return;
    }
    const watch = new UpstreamWatch(target, access.headers, {
      timeoutMs: this.config.timeoutMs,
      recycleMs: this.config.watchRecycleMs,
      onChanged: () => {
        this.platform.logger.info({ serverId }, 'upstream announced tools/list_changed');
        void this.request(serverId, { trigger: 'list_changed', at: new Date().toISOString() }).catch(
          () => undefined,
        );
      },
      onError: (err) =>
        this.platform.logger.debug(
          { serverId, err: access.scrub(describeError(err)) },
          'list_changed watch connection problem',
        ),
    });
    this.watches.set(serverId, watch);
    watch.start();
  }

  async stopWatch(serverId: string): Promise<void> {
    const w = this.watches.get(serverId);
    this.watches.delete(serverId);
    await w?.close();
    if (w)
      await this.repo.releaseWatch(this.db.sql, this.tenant, serverId, this.owner).catch(() => undefined);
  }

  /** Picks up servers that announce list changes but nobody watches (e.g. after a replica died). */
  async reconcileWatches(): Promise<void> {
    if (!this.config.watchListChanged || this.closed) return;
    for (const id of await this.repo.watchCandidates(this.db.sql, this.tenant)) await this.ensureWatch(id);
  }

  private async renewWatches(): Promise<void> {
    for (const id of [...this.watches.keys()]) {
      const still = await this.repo
        .claimWatch(this.db.sql, this.tenant, id, this.owner, WATCH_LEASE_MS)
        .catch(() => undefined);
      if (!still) {
        const w = this.watches.get(id);
        this.watches.delete(id);
        await w?.close();
      }
    }
  }

  watching(): string[] {
    return [...this.watches.keys()];
  }
}
