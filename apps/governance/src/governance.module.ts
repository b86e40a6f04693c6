import { Module } from '@nestjs/common';
import type { PersistenceFeature } from '@portcullis/persistence';
import type { ServiceDefinition } from '@portcullis/runtime';
import { GovernanceInitial1764500000100 } from './migrations/1764500000100-governance-initial';
import { PolicyPublisherService } from './policy/policy-publisher.service';

export const governancePersistence: PersistenceFeature = {
  service: 'governance',
  schema: 'governance',
  entities: [],
  migrations: [GovernanceInitial1764500000100],
};

@Module({ providers: [PolicyPublisherService] })
export class GovernanceModule {}

export const governanceService: ServiceDefinition = {
  name: 'governance',
  module: GovernanceModule,
  features: [governancePersistence],
  needs: { database: true, cache: false },
  defaultPort: 8082,
};
