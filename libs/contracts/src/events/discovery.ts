import { z } from 'zod';
import { defineEvent } from '../envelope';
import { id, toolName } from './common';

export const toolDefinition = z.object({
  name: toolName,
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
  /** sha256 of the canonical JSON of the definition (name, title, description, schemas, annotations). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ToolDefinition = z.infer<typeof toolDefinition>;

/** Why a discovery run happened. */
export const discoveryTrigger = z.enum([
  'registration',
  'change',
  'schedule',
  'list_changed',
  'manual',
  'resync',
]);
export type DiscoveryTrigger = z.infer<typeof discoveryTrigger>;

/** discovery → governance: the result of one discovery run against one server. */
export const ToolsDiscovered = defineEvent({
  type: 'discovery.tools-discovered',
  version: 1,
  keyOf: (p) => p.serverId,
  payload: z.object({
    serverId: id,
    runId: z.string().max(100),
    ok: z.boolean(),
    error: z.string().max(2000).optional(),
    added: z.array(toolDefinition).max(5000),
    changed: z.array(toolDefinition).max(5000),
    removed: z.array(toolName).max(5000),
    unchanged: z.number().int().min(0),
    total: z.number().int().min(0),
    // Additive fields:
    trigger: discoveryTrigger.optional(),
    /** Echoes DiscoveryRequested.requestId when the run answered a request. */
    requestId: z.string().max(100).optional(),
    startedAt: z.string().max(40).optional(),
    durationMs: z.number().int().min(0).optional(),
    /** Tools the upstream listed that could not be taken over (bad name, too large), with why. */
    warnings: z.array(z.string().max(500)).max(100).optional(),
    /** The upstream's self-reported identity and whether it announces tools/list_changed. */
    serverInfo: z.object({ name: z.string().max(200), version: z.string().max(100).optional() }).optional(),
    listChanged: z.boolean().optional(),
  }),
});
export type ToolsDiscoveredPayload = z.infer<typeof ToolsDiscovered.payload>;

/**
 * governance → discovery: run discovery for one server now (an admin pressed "discover", or asked
 * for a full resync that re-announces every tool as added).
 */
export const DiscoveryRequested = defineEvent({
  type: 'discovery.run-requested',
  version: 1,
  keyOf: (p) => p.serverId,
  payload: z.object({
    serverId: id,
    requestId: z.string().min(1).max(100),
    full: z.boolean().default(false),
    requestedBy: z.string().max(320).optional(),
  }),
});
