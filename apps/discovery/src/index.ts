export * from './discovery.module';
export { loadDiscoveryConfig, type DiscoveryConfig } from './config';
export { DiscoveryRunner } from './discovery/runner.service';
export { definitionHash, diffInventory, toDefinitions } from './discovery/hashing';
