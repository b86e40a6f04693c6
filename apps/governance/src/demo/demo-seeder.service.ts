import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { GOVERNANCE_CONFIG, type GovernanceConfig } from '../config';
import type { Actor } from '../common/actor';
import { Database } from '@portcullis/runtime';
import { ProfilesRepository } from '../profiles/profiles.repository';
import { ProfilesService } from '../profiles/profiles.service';
import { ServersRepository } from '../servers/servers.repository';
import { ServersService } from '../servers/servers.service';
import { ToolsRepository } from '../tools/tools.repository';
import { ToolsService } from '../tools/tools.service';
import { ToolsetsRepository } from '../toolsets/toolsets.repository';
import { ToolsetsService } from '../toolsets/toolsets.service';

const DEMO_ACTOR: Actor = { type: 'system', id: 'demo-seeder' };
export const DEMO_TOOLSET = 'Okta read-only';
export const DEMO_PROFILE = 'Portcullis demo';
/** Only for the local simulator, whose demo OIDC app accepts any secret configured here. */
const DEMO_FALLBACK_SECRET = 'portcullis-demo-secret';

/**
 * "Demo in a minute": with PORTCULLIS_DEMO=true, registers the Okta server (per-user mode) on the
 * first start, waits for discovery, approves the read-only tools, creates the "Okta read-only"
 * toolset and a profile binding it to the demo IdP group. Runs in the background (never delays
 * start-up), each step is idempotent, and a completion marker keeps it from recreating anything
 * an admin later deletes.
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;
  private run?: Promise<void>;

  constructor(
    @Inject(GOVERNANCE_CONFIG) private readonly config: GovernanceConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly db: Database,
    private readonly servers: ServersService,
    private readonly serversRepo: ServersRepository,
    private readonly tools: ToolsService,
    private readonly toolsRepo: ToolsRepository,
    private readonly toolsets: ToolsetsService,
    private readonly toolsetsRepo: ToolsetsRepository,
    private readonly profiles: ProfilesService,
    private readonly profilesRepo: ProfilesRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.demo.enabled) return;
    this.run = this.seedWithRetries();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.run?.catch(() => undefined);
  }

  /** Resolves when seeding finished (or was not enabled); for tests. */
  done(): Promise<void> {
    return this.run ?? Promise.resolve();
  }

  private async seedWithRetries(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.seed();
        return;
      } catch (err) {
        // The first attempts usually race the HTTP listener (auth is not answering yet): not alarming.
        const level = attempt < 5 ? 'info' : 'warn';
        this.platform.logger[level](
          { err: (err as Error).message, attempt },
          'demo seeding did not finish; retrying',
        );
        await this.sleep(Math.min(10_000, 500 * attempt));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms).unref());
  }

  async seed(): Promise<void> {
    const tenant = this.platform.tenantId;
    const marker = await this.db.sql.one<{ server_id: string | null; completed_at: Date | null }>(
      `SELECT server_id, completed_at FROM governance.demo_seed WHERE tenant_id = $1`,
      [tenant],
    );
    if (marker?.completed_at) return;

    // 1. The Okta server (per-user OAuth), registered once.
    let serverId = marker?.server_id ?? undefined;
    if (!serverId || !(await this.serversRepo.get(this.db.sql, tenant, serverId))) {
      const existing = (await this.serversRepo.all(this.db.sql, tenant)).find(
        (s) => s.catalogId === 'okta' && s.oktaOrgUrl === new URL(this.config.demo.oktaOrgUrl!).origin,
      );
      serverId =
        existing?.id ??
        (
          await this.servers.create(
            {
              catalogId: 'okta',
              displayName: 'Okta',
              oktaOrgUrl: this.config.demo.oktaOrgUrl,
              credentialMode: 'per_user',
              clientId: this.config.demo.clientId,
              clientSecret: this.config.demo.clientSecret ?? DEMO_FALLBACK_SECRET,
            },
            DEMO_ACTOR,
          )
        ).id;
      await this.db.sql.exec(
        `INSERT INTO governance.demo_seed (tenant_id, server_id) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET server_id = EXCLUDED.server_id`,
        [tenant, serverId],
      );
      this.platform.logger.info({ serverId }, 'demo: Okta server registered');
    }

    // 2. Wait for discovery to report the tools.
    const deadline = Date.now() + this.config.demo.discoveryWaitSeconds * 1000;
    let tools = await this.toolsRepo.byServer(this.db.sql, tenant, serverId);
    while (tools.length === 0) {
      if (this.stopped) return;
      if (Date.now() > deadline)
        throw new Error(
          `discovery reported no tools for the demo Okta server within ${this.config.demo.discoveryWaitSeconds}s`,
        );
      await this.sleep(500);
      tools = await this.toolsRepo.byServer(this.db.sql, tenant, serverId);
    }

    // 3. Approve the read-only tools.
    const readTools = tools.filter((t) => t.classification === 'read' && t.state !== 'removed');
    const toApprove = readTools.filter((t) => t.state !== 'approved').map((t) => t.id);
    if (toApprove.length) await this.tools.bulk({ action: 'approve', toolIds: toApprove }, DEMO_ACTOR);

    // 4. The "Okta read-only" toolset.
    let toolset = (await this.toolsetsRepo.all(this.db.sql, tenant)).find(
      (t) => t.kind === 'custom' && t.name.toLowerCase() === DEMO_TOOLSET.toLowerCase(),
    );
    if (!toolset) {
      const created = await this.toolsets.create(
        {
          name: DEMO_TOOLSET,
          description: 'Read-only Okta tools (demo).',
          toolIds: readTools.map((t) => t.id),
          includedToolsetIds: [],
        },
        DEMO_ACTOR,
      );
      toolset = (await this.toolsetsRepo.get(this.db.sql, tenant, created.id))!;
    }

    // 5. A profile binding it to the demo group.
    if (!(await this.profilesRepo.byName(this.db.sql, tenant, DEMO_PROFILE))) {
      await this.profiles.create(
        {
          name: DEMO_PROFILE,
          description: `Members of the IdP group "${this.config.demo.group}" may use the read-only Okta tools.`,
          toolsetIds: [toolset.id],
          subjects: [{ type: 'group', value: this.config.demo.group }],
        },
        DEMO_ACTOR,
      );
    }
    await this.db.sql.exec(`UPDATE governance.demo_seed SET completed_at = now() WHERE tenant_id = $1`, [
      tenant,
    ]);
    this.platform.logger.info(
      { serverId, approved: readTools.length, group: this.config.demo.group },
      'demo: Okta read-only access ready',
    );
  }
}
