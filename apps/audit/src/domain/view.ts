import type { ChainedRow } from './record';

/**
 * The API / NDJSON shape of one audit record. Absent fields are omitted. Tool-call rows carry a
 * `status`: the final outcome (allowed_success / allowed_error / denied), or — for an intent whose
 * outcome has not arrived — `in_flight` (younger than the in-flight timeout) or `unknown`.
 */
export type ListView = 'calls' | 'records';
export type CallStatus = 'allowed_success' | 'allowed_error' | 'denied' | 'intent' | 'in_flight' | 'unknown';

export interface AuditRecordView {
  id: string;
  seq: number;
  eventId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  tenantId: string;
  traceId?: string;
  user?: { id?: string; email?: string };
  status?: CallStatus;
  toolCall?: {
    callId: string;
    phase: string;
    outcome: string;
    client: { id?: string; name?: string; type?: string };
    serverId?: string;
    tool?: string;
    classification?: string;
    denialReason?: string;
    errorMessage?: string;
    upstreamIdentity?: string;
    credentialMode?: string;
    latencyMs?: number;
    protocolVersion?: string;
    arguments?: unknown;
    resultSummary?: string;
    verbosity?: string;
  };
  admin?: {
    action: string;
    actor: { type?: string; id?: string; email?: string };
    resourceType?: string;
    resourceId?: string;
    summary?: string;
    details?: unknown;
  };
  occurredAtClaimed?: string;
  integrity: { prevHash: string; hash: string };
}

/** Canonical microsecond time → ISO with milliseconds when nothing is lost. */
export function isoTime(canonical: string): string {
  return canonical.replace(/\.(\d{3})000Z$/, '.$1Z');
}

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v === null || v === undefined) delete o[k];
    else if (typeof v === 'object' && !Array.isArray(v) && k !== 'arguments' && k !== 'details') {
      compact(v as object);
    }
  }
  return o;
}

export function callStatus(
  row: ChainedRow,
  view: ListView,
  now: number,
  inflightMs: number,
): CallStatus | undefined {
  if (row.kind !== 'tool_call') return undefined;
  if (row.phase !== 'intent') return (row.outcome ?? 'unknown') as CallStatus;
  if (view === 'records') return 'intent';
  return now - Date.parse(row.occurredAt) > inflightMs ? 'unknown' : 'in_flight';
}

export function toRecordView(
  row: ChainedRow,
  view: ListView,
  now: number,
  inflightMs: number,
): AuditRecordView {
  const v: AuditRecordView = {
    id: String(row.seq),
    seq: row.seq,
    eventId: row.eventId,
    type: row.kind,
    occurredAt: isoTime(row.occurredAt),
    recordedAt: isoTime(row.recordedAt),
    tenantId: row.tenantId,
    ...(row.traceId ? { traceId: row.traceId } : {}),
    ...(row.userId || row.userEmail
      ? { user: compact({ id: row.userId ?? undefined, email: row.userEmail ?? undefined }) }
      : {}),
    integrity: { prevHash: row.prevHash, hash: row.hash },
  };
  const status = callStatus(row, view, now, inflightMs);
  if (status) v.status = status;
  if (row.kind === 'tool_call') {
    v.toolCall = compact({
      callId: row.callId ?? '',
      phase: row.phase ?? '',
      outcome: row.outcome ?? '',
      client: compact({
        id: row.clientId ?? undefined,
        name: row.clientName ?? undefined,
        type: row.clientType ?? undefined,
      }),
      serverId: row.serverId ?? undefined,
      tool: row.tool ?? undefined,
      classification: row.classification ?? undefined,
      denialReason: row.denialReason ?? undefined,
      errorMessage: row.errorMessage ?? undefined,
      upstreamIdentity: row.upstreamIdentity ?? undefined,
      credentialMode: row.credentialMode ?? undefined,
      latencyMs: row.latencyMs ?? undefined,
      protocolVersion: row.protocolVersion ?? undefined,
      arguments: row.arguments ?? undefined,
      resultSummary: row.resultSummary ?? undefined,
      verbosity: row.verbosity ?? undefined,
    });
  } else {
    v.admin = compact({
      action: row.action ?? '',
      actor: compact({
        type: row.actorType ?? undefined,
        id: row.userId ?? undefined,
        email: row.userEmail ?? undefined,
      }),
      resourceType: row.resourceType ?? undefined,
      resourceId: row.resourceId ?? undefined,
      summary: row.summary ?? undefined,
      details: row.details ?? undefined,
    });
  }
  if (row.occurredAtClaimed) v.occurredAtClaimed = row.occurredAtClaimed;
  return v;
}
