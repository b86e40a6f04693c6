import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@portcullis/runtime';
import { ServerWatcherService } from './discovery/server-watcher.service';

@Module({ providers: [ServerWatcherService] })
export class DiscoveryModule {}

export const discoveryService: ServiceDefinition = {
  name: 'discovery',
  module: DiscoveryModule,
  features: [],
  needs: { database: false, cache: false },
  defaultPort: 8083,
};
