import { z } from 'zod';
import { defineEvent } from '../envelope';
import { classification, clientType, credentialMode, id, toolName, toolState } from './common';

/** How much of each tool call goes into the audit record: minimal (who/what/outcome), standard (+ summaries), full (+ arguments). */
export const auditVerbosity = z.enum(['minimal', 'standard', 'full']);
export type AuditVerbosity = z.infer<typeof auditVerbosity>;

/**
 * governance → gateways: the compiled decision table. Compacted per tenant; gateways apply a
 * snapshot atomically and only when its version is newer than what they hold.
 */
export const policySnapshotBody = z.object({
  version: z.number().int().min(1),
  compiledAt: z.string(),
  killSwitches: z.object({
    tenant: z.boolean(),
    servers: z.array(id),
    tools: z.array(id),
    clients: z.array(id),
  }),
  allowedClientTypes: z.array(clientType),
  servers: z.array(
    z.object({
      id,
      kind: z.string(),
      displayName: z.string(),
      toolPrefix: z.string(),
      upstreamUrl: z.string().optional(),
      oktaOrgUrl: z.string().optional(),
      credentialMode,
      paused: z.boolean(),
      // Additive, optional:
      catalogId: z.string().optional(),
      transport: z.enum(['streamable_http', 'sse']).optional(),
      upstreamAuth: z.enum(['none', 'oauth', 'static']).optional(),
    }),
  ),
  tools: z.array(
    z.object({
      id,
      serverId: id,
      name: toolName,
      state: toolState,
      classification,
      allowedClientTypes: z.array(clientType).optional(),
      definitionHash: z.string(),
      definition: z.record(z.string(), z.unknown()),
    }),
  ),
  toolsets: z.array(z.object({ id, name: z.string(), toolIds: z.array(id) })),
  profiles: z.array(
    z.object({
      id,
      name: z.string(),
      toolsetIds: z.array(id),
      subjects: z.array(
        z.object({
          type: z.enum(['user', 'group']),
          value: z.string().min(1).max(320),
          expiresAt: z.string().optional(),
        }),
      ),
    }),
  ),
  /**
   * Tenant settings the data plane needs (additive, optional: gateways built before it ignore it).
   * `auditVerbosity` tells the gateway how much of each call to put in the audit record.
   */
  settings: z
    .object({
      auditVerbosity: auditVerbosity,
      requireToolApproval: z.boolean(),
      defaultClassification: classification,
      pinApprovedDefinitions: z.boolean(),
      discoveryIntervalSeconds: z.number().int().min(0),
    })
    .optional(),
});
export type PolicySnapshotBody = z.infer<typeof policySnapshotBody>;

export const PolicySnapshotPublished = defineEvent({
  type: 'policy.snapshot',
  version: 1,
  compacted: true,
  keyOf: (_p, tenantId) => tenantId,
  payload: policySnapshotBody,
});
