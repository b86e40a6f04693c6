import {
  AdminActionAudited,
  type EventEnvelope,
  type PayloadOf,
  ServiceStarted,
  ToolCallAudited,
} from '@portcullis/contracts';
import { traceIdOf } from '@portcullis/observability';
import type { Verbosity } from '../audit.config';
import type { Redactor } from './redaction';
import { cleanJson, cleanOptionalString, cleanString } from './sanitize';
import { canonicalTime } from './time';
import { shapeArguments, shapeResultSummary } from './verbosity';

export const auditKinds = ['tool_call', 'admin', 'system'] as const;
export type AuditKind = (typeof auditKinds)[number];

/**
 * One audit record as stored (before it is placed on its tenant's hash chain). Every field is
 * present (null when absent) so the canonical form hashed at ingest and recomputed by `verify` is
 * the same. Admin records use the user columns for the actor, so "everything alice did" is one filter.
 */
export interface AuditRow {
  tenantId: string;
  eventId: string;
  eventType: string;
  eventVersion: number;
  kind: AuditKind;
  /** Canonical UTC time with microseconds, e.g. 2025-06-01T12:00:00.123000Z. */
  occurredAt: string;
  /** The producer's time when it was implausible and replaced by the ingest time (clock-skew guard). */
  occurredAtClaimed: string | null;
  traceId: string | null;
  callId: string | null;
  phase: string | null;
  outcome: string | null;
  userId: string | null;
  userEmail: string | null;
  clientId: string | null;
  clientName: string | null;
  clientType: string | null;
  serverId: string | null;
  tool: string | null;
  classification: string | null;
  denialReason: string | null;
  errorMessage: string | null;
  upstreamIdentity: string | null;
  credentialMode: string | null;
  latencyMs: number | null;
  protocolVersion: string | null;
  arguments: unknown;
  resultSummary: string | null;
  verbosity: string | null;
  action: string | null;
  actorType: string | null;
  resourceType: string | null;
  resourceId: string | null;
  summary: string | null;
  details: unknown;
}

/** A record on its tenant's chain, as stored in audit.events. */
export interface ChainedRow extends AuditRow {
  seq: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface IngestPolicy {
  verbosityFor(tenantId: string): Verbosity;
  redactor: Redactor;
}

/** A row with every field present (one object shape for all rows: fast to build and to serialize). */
function newRow(
  head: Pick<
    AuditRow,
    | 'tenantId'
    | 'eventId'
    | 'eventType'
    | 'eventVersion'
    | 'kind'
    | 'occurredAt'
    | 'occurredAtClaimed'
    | 'traceId'
  >,
): AuditRow {
  return {
    tenantId: head.tenantId,
    eventId: head.eventId,
    eventType: head.eventType,
    eventVersion: head.eventVersion,
    kind: head.kind,
    occurredAt: head.occurredAt,
    occurredAtClaimed: head.occurredAtClaimed,
    traceId: head.traceId,
    callId: null,
    phase: null,
    outcome: null,
    userId: null,
    userEmail: null,
    clientId: null,
    clientName: null,
    clientType: null,
    serverId: null,
    tool: null,
    classification: null,
    denialReason: null,
    errorMessage: null,
    upstreamIdentity: null,
    credentialMode: null,
    latencyMs: null,
    protocolVersion: null,
    arguments: null,
    resultSummary: null,
    verbosity: null,
    action: null,
    actorType: null,
    resourceType: null,
    resourceId: null,
    summary: null,
    details: null,
  };
}

/** Earliest plausible event time; anything before, or more than a day ahead of ingest, is clock skew. */
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_AHEAD_MS = 24 * 3600 * 1000;

const SERVER_RESOURCES = new Set(['server', 'mcp_server', 'mcp-server', 'registration']);
const CLIENT_RESOURCES = new Set(['client', 'ai_client', 'ai-client', 'oauth_client']);

/**
 * Maps a received envelope to the row to store: sanitizes, redacts, applies the tenant's verbosity.
 * Pure (the ingest time is passed in), so the same event always maps to the same content.
 */
export function toAuditRow(env: EventEnvelope, policy: IngestPolicy, now: Date): AuditRow {
  // Stored and hashed as is (it names the chain), so it is refused rather than cleaned.
  if (cleanString(env.tenantId) !== env.tenantId) {
    throw new Error(`The tenant id of event ${env.eventId} holds a NUL or an unpaired surrogate`);
  }
  const claimed = Date.parse(env.occurredAt);
  const plausible =
    Number.isFinite(claimed) && claimed >= EARLIEST && claimed <= now.getTime() + MAX_AHEAD_MS;
  const row = newRow({
    tenantId: env.tenantId,
    eventId: env.eventId.toLowerCase(),
    eventType: env.type,
    eventVersion: env.version,
    kind: 'system',
    occurredAt: canonicalTime(new Date(plausible ? claimed : now.getTime())),
    occurredAtClaimed: plausible ? null : cleanString(env.occurredAt),
    traceId: traceIdOf(env.traceparent) ?? null,
  });
  if (env.type === ToolCallAudited.type) {
    const p = policy.redactor.redactPayload(
      cleanJson(env.payload) as PayloadOf<typeof ToolCallAudited>,
      ['arguments'],
      ['resultSummary', 'errorMessage'],
    );
    const level = policy.verbosityFor(env.tenantId);
    row.kind = 'tool_call';
    row.traceId = cleanOptionalString(p.traceId) ?? row.traceId;
    row.callId = p.callId;
    row.phase = p.phase;
    row.outcome = p.phase === 'intent' ? 'intent' : p.outcome;
    row.userId = p.user?.id ?? null;
    row.userEmail = p.user?.email ?? null;
    row.clientId = p.client?.id ?? null;
    row.clientName = p.client?.name ?? null;
    row.clientType = p.client?.type ?? null;
    row.serverId = p.serverId ?? null;
    row.tool = p.tool;
    row.classification = p.classification ?? null;
    row.denialReason = p.denialReason ?? null;
    row.errorMessage = p.errorMessage ?? null;
    row.upstreamIdentity = p.upstreamIdentity ?? null;
    row.credentialMode = p.credentialMode ?? null;
    row.latencyMs = typeof p.latencyMs === 'number' ? p.latencyMs : null;
    row.protocolVersion = p.protocolVersion ?? null;
    row.arguments = shapeArguments(p.arguments, level);
    row.resultSummary = shapeResultSummary(p.resultSummary ?? null, level);
    row.verbosity = level;
    return row;
  }
  if (env.type === AdminActionAudited.type) {
    const p = policy.redactor.redactPayload(
      cleanJson(env.payload) as PayloadOf<typeof AdminActionAudited>,
      ['details'],
      ['summary'],
    );
    row.kind = 'admin';
    row.action = p.action;
    row.actorType = p.actor.type;
    row.userId = p.actor.id;
    row.userEmail = p.actor.email ?? null;
    row.resourceType = p.resourceType;
    row.resourceId = p.resourceId;
    row.serverId = SERVER_RESOURCES.has(p.resourceType) ? p.resourceId : null;
    row.clientId = CLIENT_RESOURCES.has(p.resourceType) ? p.resourceId : null;
    row.summary = p.summary ?? null;
    row.details = p.details ?? null;
    return row;
  }
  if (env.type === ServiceStarted.type) {
    const p = cleanJson(env.payload) as PayloadOf<typeof ServiceStarted>;
    row.action = 'service.started';
    row.actorType = 'service';
    row.resourceType = 'service';
    row.resourceId = p.service;
    row.summary = `${p.service} instance ${p.instanceId} (version ${p.version}) started`;
    row.details = p;
    return row;
  }
  throw new Error(`The audit store does not know event type ${env.type}`);
}
