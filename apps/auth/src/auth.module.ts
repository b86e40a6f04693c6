import { Module } from '@nestjs/common';
import type { PersistenceFeature } from '@portcullis/persistence';
import type { ServiceDefinition } from '@portcullis/runtime';
import { AuthInitial1764500000200 } from './migrations/1764500000200-auth-initial';

export const authPersistence: PersistenceFeature = {
  service: 'auth',
  schema: 'auth',
  entities: [],
  migrations: [AuthInitial1764500000200],
};

@Module({})
export class AuthModule {}

export const authService: ServiceDefinition = {
  name: 'auth',
  module: AuthModule,
  features: [authPersistence],
  needs: { database: true, cache: true },
  defaultPort: 8081,
};
