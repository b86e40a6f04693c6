import { z } from 'zod';
import { defineEvent } from '../envelope';
import { actor, classification, clientType, id } from './common';

export const toolCallOutcome = z.enum(['intent', 'allowed_success', 'allowed_error', 'denied']);

/**
 * gateway → audit. The gateway publishes an `intent` record (acknowledged before the upstream call)
 * and then the outcome record for the same `callId`.
 *
 * - intent: `phase: 'intent'`, `outcome: 'intent'`; outcome: `phase: 'outcome'` with allowed_success /
 *   allowed_error / denied. Each record has its own eventId; `callId` links them. A denial decided
 *   before any upstream call may be published as an outcome without an intent.
 * - The audit store shows one row per call (the outcome, or the intent as "in_flight" / "unknown" while
 *   no outcome has arrived) and keeps both records.
 * - Put the tool's arguments in `arguments` as received; the audit service redacts secrets and applies
 *   the tenant's verbosity before storing. Re-publishing with the same eventId is deduplicated, so a
 *   producer that retries must fix the eventId once per record (`PublishOptions.eventId`): a retry
 *   under a new id is a second record.
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
    client: z.object({
      id: z.string().max(200),
      name: z.string().max(200).optional(),
      type: clientType.optional(),
    }),
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

/**
 * Suggested `action` names for AdminActionAudited, `<resource>.<verb>` (any string is accepted; these
 * keep the log filterable and drive the OCSF activity mapping: create / update / delete verbs).
 */
export const ADMIN_AUDIT_ACTIONS = [
  'server.registered',
  'server.updated',
  'server.removed',
  'server.credentials_changed',
  'tool.approved',
  'tool.disabled',
  'tool.classification_changed',
  'toolset.created',
  'toolset.updated',
  'toolset.deleted',
  'profile.created',
  'profile.updated',
  'profile.deleted',
  'settings.updated',
  'kill_switch.engaged',
  'kill_switch.released',
  'client.registered',
  'client.state_changed',
  'auth.signed_in',
  'auth.sign_in_failed',
  'connection.connected',
  'connection.revoked',
  'audit.exported',
] as const;

/**
 * governance, auth → audit: an administrative or security-relevant action. Put changed values in
 * `details` (never secrets in clear: the audit store redacts secret-looking keys, but producers should
 * send "rotated" rather than the value). Resource types `server` and `client` are linked to the
 * records' server / client filters.
 */
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
