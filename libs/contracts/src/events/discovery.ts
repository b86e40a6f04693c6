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
  /** sha256 of the canonical JSON of the definition (name, description, schemas, annotations). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ToolDefinition = z.infer<typeof toolDefinition>;

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
  }),
});
