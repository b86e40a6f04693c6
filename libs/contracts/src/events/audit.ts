import { z } from 'zod';
import { defineEvent } from '../envelope';
import { actor, classification, clientType, id } from './common';

export const toolCallOutcome = z.enum(['intent', 'allowed_success', 'allowed_error', 'denied']);

/**
 * gateway → audit. The gateway publishes an `intent` record (acknowledged before the upstream call)
 * and then the outcome record for the same `callId`.
 */
export const ToolCallAudited = defineEvent({
  type: 'audit.tool-call',
  version: 1,
  keyOf: (p) => p.callId,
  payload: z.object({
    callId: id,
    phase: z.enum(['intent', 'outcome']),
    outcome: toolCallOutcome,
    user: z.object({ id, email: z.string().max(320).optional() }),
    client: z.object({ id: z.string().max(200), name: z.string().max(200).optional(), type: clientType.optional() }),
    serverId: z.string().max(200).optional(),
    tool: z.string().max(200),
    classification: classification.optional(),
    denialReason: z.string().max(200).optional(),
    errorMessage: z.string().max(2000).optional(),
    upstreamIdentity: z.string().max(320).optional(),
    credentialMode: z.string().max(40).optional(),
    latencyMs: z.number().min(0).optional(),
    protocolVersion: z.string().max(20).optional(),
    traceId: z.string().max(64).optional(),
    arguments: z.unknown().optional(),
    resultSummary: z.string().max(4000).optional(),
  }),
});

/** governance, auth → audit: an administrative or security-relevant action. */
export const AdminActionAudited = defineEvent({
  type: 'audit.admin-action',
  version: 1,
  keyOf: (p) => `${p.resourceType}:${p.resourceId}`,
  payload: z.object({
    action: z.string().min(1).max(100),
    actor,
    resourceType: z.string().min(1).max(64),
    resourceId: z.string().max(200),
    summary: z.string().max(2000).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
