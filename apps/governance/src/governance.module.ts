import { Module } from '@nestjs/common';
import { IntrospectionClient } from '@portcullis/admin-auth';
import type { Env } from '@portcullis/config';
import { ServiceTokenSigner } from '@portcullis/crypto';
import type { PersistenceFeature } from '@portcullis/persistence';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { ENV, PLATFORM, type Platform, type ServiceDefinition } from '@portcullis/runtime';
import { CatalogController } from './catalog/catalog.controller';
import { GOVERNANCE_INTROSPECTION, GovernanceAdminGuard } from './common/admin.guard';
import { adminBodyReader } from './common/body';
import { Changes } from './common/changes';
import { Database } from '@portcullis/runtime';
import { IdempotencyInterceptor, IdempotencyStore } from './common/idempotency';
import { Outbox } from './common/outbox';
import { ProblemDetailsFilter } from './common/problem.filter';
import { GOVERNANCE_CONFIG, type GovernanceConfig, loadGovernanceConfig } from './config';
import { DemoSeeder } from './demo/demo-seeder.service';
import { EffectiveAccessController } from './effective-access/effective-access.controller';
import { EffectiveAccessService } from './effective-access/effective-access.service';
import { KillSwitchesController } from './kill-switches/kill-switches.controller';
import { KillSwitchesRepository } from './kill-switches/kill-switches.repository';
import { KillSwitchesService } from './kill-switches/kill-switches.service';
import { GovernanceInitial1764500000100 } from './migrations/1764500000100-governance-initial';
import { GovernanceRegistry1764600000100 } from './migrations/1764600000100-governance-registry';
import { OpenApiController } from './openapi/openapi.controller';
import { PolicyPublisher } from './policy/policy-publisher.service';
import { PolicyStateRepository } from './policy/policy-state.repository';
import { PolicyController } from './policy/policy.controller';
import { PolicyRepository } from './policy/policy.repository';
import { ProfilesController } from './profiles/profiles.controller';
import { ProfilesRepository } from './profiles/profiles.repository';
import { ProfilesService } from './profiles/profiles.service';
import { ServersController } from './servers/servers.controller';
import { ServersRepository } from './servers/servers.repository';
import { ServersService } from './servers/servers.service';
import { HttpUpstreamClientRegistry, UPSTREAM_CLIENT_REGISTRY } from './servers/upstream-clients';
import { SettingsController } from './settings/settings.controller';
import { SettingsRepository } from './settings/settings.repository';
import { SettingsService } from './settings/settings.service';
import { ToolInventoryConsumer } from './tools/tool-inventory.consumer';
import { ToolsController } from './tools/tools.controller';
import { ToolsRepository } from './tools/tools.repository';
import { ToolsService } from './tools/tools.service';
import { ToolsetsController } from './toolsets/toolsets.controller';
import { ToolsetsRepository } from './toolsets/toolsets.repository';
import { ToolsetsService } from './toolsets/toolsets.service';

export const governancePersistence: PersistenceFeature = {
  service: 'governance',
  schema: 'governance',
  entities: [],
  migrations: [GovernanceInitial1764500000100, GovernanceRegistry1764600000100],
};

@Module({
  controllers: [
    CatalogController,
    ServersController,
    ToolsController,
    ToolsetsController,
    ProfilesController,
    SettingsController,
    KillSwitchesController,
    EffectiveAccessController,
    PolicyController,
    OpenApiController,
  ],
  providers: [
    { provide: GOVERNANCE_CONFIG, useFactory: (env: Env) => loadGovernanceConfig(env), inject: [ENV] },
    {
      provide: GOVERNANCE_INTROSPECTION,
      useFactory: async (c: GovernanceConfig, bus: EventBus, platform: Platform) => {
        const client = new IntrospectionClient(c.authInternalUrl, new ServiceTokenSigner(c.internalSecret, 'governance'));
        await client.watchRevocations(bus, platform.tenantId, 'portcullis-governance');
        return client;
      },
      inject: [GOVERNANCE_CONFIG, EVENT_BUS, PLATFORM],
    },
    {
      provide: UPSTREAM_CLIENT_REGISTRY,
      useFactory: (c: GovernanceConfig) =>
        new HttpUpstreamClientRegistry(
          c.authInternalUrl,
          new ServiceTokenSigner(c.internalSecret, 'governance'),
          c.httpTimeoutMs,
        ),
      inject: [GOVERNANCE_CONFIG],
    },
    GovernanceAdminGuard,
    ProblemDetailsFilter,
    Database,
    Outbox,
    Changes,
    IdempotencyStore,
    IdempotencyInterceptor,
    PolicyStateRepository,
    PolicyRepository,
    PolicyPublisher,
    SettingsRepository,
    SettingsService,
    ServersRepository,
    ServersService,
    ToolsRepository,
    ToolsService,
    ToolInventoryConsumer,
    ToolsetsRepository,
    ToolsetsService,
    ProfilesRepository,
    ProfilesService,
    KillSwitchesRepository,
    KillSwitchesService,
    EffectiveAccessService,
    DemoSeeder,
  ],
})
export class GovernanceModule {}

export const governanceService: ServiceDefinition = {
  name: 'governance',
  module: GovernanceModule,
  features: [governancePersistence],
  needs: { database: true, cache: false },
  defaultPort: 8082,
  configureHttp: (app) => {
    const config = app.get<symbol, GovernanceConfig>(GOVERNANCE_CONFIG);
    app.use(adminBodyReader(config.maxBodyBytes));
  },
};
