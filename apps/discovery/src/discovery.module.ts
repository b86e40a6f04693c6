import { Module } from '@nestjs/common';
import type { Env } from '@portcullis/config';
import type { PersistenceFeature } from '@portcullis/persistence';
import { ENV, type ServiceDefinition } from '@portcullis/runtime';
import { DISCOVERY_CONFIG, loadDiscoveryConfig } from './config';
import { TokenBrokerClient, UpstreamAccess } from './discovery/credentials';
import { Database } from '@portcullis/runtime';
import { DiscoveryEventsConsumer } from './discovery/events.consumer';
import { DiscoveryRepository } from './discovery/registry.repository';
import { DiscoveryRunner } from './discovery/runner.service';
import { DiscoveryScheduler } from './discovery/scheduler.service';
import { DiscoveryInitial1764600000300 } from './migrations/1764600000300-discovery-initial';
import { DiscoveryCredentialMode1764700000300 } from './migrations/1764700000300-discovery-credential-mode';

export const discoveryPersistence: PersistenceFeature = {
  service: 'discovery',
  schema: 'discovery',
  entities: [],
  migrations: [DiscoveryInitial1764600000300, DiscoveryCredentialMode1764700000300],
};

@Module({
  providers: [
    { provide: DISCOVERY_CONFIG, useFactory: (env: Env) => loadDiscoveryConfig(env), inject: [ENV] },
    Database,
    DiscoveryRepository,
    TokenBrokerClient,
    UpstreamAccess,
    DiscoveryRunner,
    DiscoveryScheduler,
    DiscoveryEventsConsumer,
  ],
})
export class DiscoveryModule {}

export const discoveryService: ServiceDefinition = {
  name: 'discovery',
  module: DiscoveryModule,
  features: [discoveryPersistence],
  needs: { database: true, cache: false },
  defaultPort: 8083,
};
