import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@portcullis/runtime';
import { PolicyStore } from './policy/policy-store.service';

@Module({ providers: [PolicyStore], exports: [PolicyStore] })
export class GatewayModule {}

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  features: [],
  needs: { database: false, cache: true },
  defaultPort: 8080,
};
