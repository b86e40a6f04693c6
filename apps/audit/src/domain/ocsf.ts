import type { ChainedRow } from './record';

/**
 * OCSF export: every audit record as an OCSF 1.3 "API Activity" event (class_uid 6003, category 6
 * "Application Activity"), the class SIEMs use for API calls. Mapping:
 *
 * - tool call → api.operation = the tool name, api.service.name = the MCP server, api.request.uid =
 *   callId; actor.user = the end user, actor.app_uid/app_name = the AI client; activity from the tool
 *   classification (read → Read, write → Update, destructive → Delete, else Other); status Success /
 *   Failure (error or denial) / Unknown (intent); denials carry disposition Blocked (security_control
 *   profile) and the reason in status_detail.
 * - admin action → api.operation = the action, resources = the changed resource, actor.user = the
 *   admin; activity from the action verb (create/update/delete).
 * - Portcullis-specific fields (classification, upstream identity, protocol revision, arguments,
 *   result summary, hash-chain values) go under `unmapped`.
 */
export const OCSF_VERSION = '1.3.0';
export const OCSF_API_ACTIVITY = 6003;

const ACTIVITY = { unknown: 0, create: 1, read: 2, update: 3, delete: 4, other: 99 } as const;
const ACTIVITY_NAME: Record<number, string> = {
  0: 'Unknown',
  1: 'Create',
  2: 'Read',
  3: 'Update',
  4: 'Delete',
  99: 'Other',
};

export function ocsfActivityId(row: Pick<ChainedRow, 'kind' | 'classification' | 'action'>): number {
  if (row.kind === 'tool_call') {
    switch (row.classification) {
      case 'read':
        return ACTIVITY.read;
      case 'write':
        return ACTIVITY.update;
      case 'destructive':
        return ACTIVITY.delete;
      default:
        return ACTIVITY.other;
    }
  }
  const a = (row.action ?? '').toLowerCase();
  if (/(delet|remov|revok|disconnect|unregist|drop)/.test(a)) return ACTIVITY.delete;
  if (/(creat|regist|add|connect|issu)/.test(a)) return ACTIVITY.create;
  if (
    /(updat|chang|edit|set|rotat|classif|disabl|enabl|approv|reject|kill|switch|pause|resum|clos|state|grant|bind)/.test(
      a,
    )
  ) {
    return ACTIVITY.update;
  }
  return ACTIVITY.other;
}

function epochMs(canonical: string): number {
  return Date.parse(canonical);
}

function drop<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === null || o[k] === undefined) delete o[k];
  return o;
}

export function toOcsf(row: ChainedRow, product: { version: string }): Record<string, unknown> {
  const activityId = ocsfActivityId(row);
  const isCall = row.kind === 'tool_call';
  const status = isCall
    ? row.phase === 'intent'
      ? { id: 0, name: 'Unknown' }
      : row.outcome === 'allowed_success'
        ? { id: 1, name: 'Success' }
        : { id: 2, name: 'Failure' }
    : { id: 1, name: 'Success' };
  const denied = isCall && row.outcome === 'denied';
  const severityId = denied ? 3 : isCall && row.outcome === 'allowed_error' ? 2 : 1;
  const user = drop({ uid: row.userId, email_addr: row.userEmail, type: row.actorType ?? undefined });
  const operation = isCall ? (row.tool ?? 'tools/call') : (row.action ?? 'admin');
  const message = isCall
    ? `${row.userEmail ?? row.userId ?? 'unknown user'} ${row.phase === 'intent' ? 'is calling' : 'called'} ${row.tool}` +
      `${row.clientName || row.clientId ? ` via ${row.clientName ?? row.clientId}` : ''}: ${row.phase === 'intent' ? 'intent' : row.outcome}` +
      `${row.denialReason ? ` (${row.denialReason})` : ''}`
    : `${row.userEmail ?? row.userId ?? row.actorType ?? 'system'} ${row.action} ${row.resourceType ?? ''} ${row.resourceId ?? ''}`.trim();
  return drop({
    class_uid: OCSF_API_ACTIVITY,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: activityId,
    activity_name: ACTIVITY_NAME[activityId],
    type_uid: OCSF_API_ACTIVITY * 100 + activityId,
    type_name: `API Activity: ${ACTIVITY_NAME[activityId]}`,
    time: epochMs(row.occurredAt),
    severity_id: severityId,
    severity: severityId === 3 ? 'Medium' : severityId === 2 ? 'Low' : 'Informational',
    status_id: status.id,
    status: status.name,
    status_detail: row.denialReason ?? row.errorMessage ?? undefined,
    message,
    duration: row.latencyMs ?? undefined,
    ...(isCall
      ? {
          disposition_id: denied ? 2 : row.phase === 'intent' ? 0 : 1,
          disposition: denied ? 'Blocked' : row.phase === 'intent' ? 'Unknown' : 'Allowed',
        }
      : {}),
    metadata: drop({
      version: OCSF_VERSION,
      uid: row.eventId,
      correlation_uid: row.callId ?? undefined,
      sequence: row.seq,
      logged_time: epochMs(row.recordedAt),
      log_name: 'portcullis-audit',
      tenant_uid: row.tenantId,
      profiles: isCall ? ['security_control'] : undefined,
      product: { name: 'Portcullis', vendor_name: 'Portcullis', version: product.version },
    }),
    actor: drop({
      user: Object.keys(user).length ? user : undefined,
      app_uid: row.clientId ?? undefined,
      app_name: row.clientName ?? undefined,
    }),
    api: drop({
      operation,
      service: row.serverId ? { name: row.serverId, uid: row.serverId } : undefined,
      request: row.callId ? { uid: row.callId } : undefined,
      response: row.errorMessage
        ? { error: row.outcome ?? 'error', error_message: row.errorMessage }
        : undefined,
      version: row.protocolVersion ?? undefined,
    }),
    cloud: { provider: 'self-hosted' },
    src_endpoint: drop({
      uid: row.clientId ?? undefined,
      name: row.clientName ?? undefined,
      type: row.clientType ?? undefined,
    }),
    resources: isCall
      ? [
          drop({
            type: 'mcp_tool',
            name: row.tool ?? undefined,
            uid: row.serverId ? `${row.serverId}/${row.tool}` : undefined,
          }),
        ]
      : row.resourceType
        ? [drop({ type: row.resourceType, uid: row.resourceId ?? undefined })]
        : undefined,
    unmapped: drop({
      kind: row.kind,
      phase: row.phase ?? undefined,
      outcome: row.outcome ?? undefined,
      classification: row.classification ?? undefined,
      upstream_identity: row.upstreamIdentity ?? undefined,
      credential_mode: row.credentialMode ?? undefined,
      trace_id: row.traceId ?? undefined,
      arguments: row.arguments ?? undefined,
      result_summary: row.resultSummary ?? undefined,
      verbosity: row.verbosity ?? undefined,
      summary: row.summary ?? undefined,
      details: row.details ?? undefined,
      seq: row.seq,
      prev_hash: row.prevHash,
      hash: row.hash,
    }),
  });
}
