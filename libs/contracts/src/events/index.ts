export * from './common';
export * from './registry';
export * from './discovery';
export * from './policy';
export * from './auth';
export * from './audit';
export * from './system';
import { ServerChanged } from './registry';
import { DiscoveryRequested, ToolsDiscovered } from './discovery';
import { PolicySnapshotPublished } from './policy';
import { AdminTokenRevoked, ClientChanged, ConnectionChanged } from './auth';
import { AdminActionAudited, ToolCallAudited } from './audit';
import { ServiceStarted } from './system';

/** Every event Portcullis knows; the Kafka bus creates these topics (and their dead-letter topics) on start. */
export const ALL_EVENTS = [
  ServerChanged,
  ToolsDiscovered,
  DiscoveryRequested,
  PolicySnapshotPublished,
  ConnectionChanged,
  ClientChanged,
  AdminTokenRevoked,
  ToolCallAudited,
  AdminActionAudited,
  ServiceStarted,
] as const;
