import type { ChainedRow } from './record';
import { callStatus, isoTime, type ListView } from './view';

/**
 * CSV export (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote, CR or LF quoted,
 * quotes doubled). A text cell starting with = + - @ TAB or CR is prefixed with a single quote so a
 * spreadsheet never evaluates audit content as a formula (CSV injection). JSON columns hold compact JSON.
 */
export const CSV_COLUMNS: readonly [string, (r: ChainedRow, ctx: CsvContext) => unknown][] = [
  ['seq', (r) => r.seq],
  ['event_id', (r) => r.eventId],
  ['type', (r) => r.kind],
  ['occurred_at', (r) => isoTime(r.occurredAt)],
  ['recorded_at', (r) => isoTime(r.recordedAt)],
  ['tenant_id', (r) => r.tenantId],
  ['status', (r, c) => callStatus(r, c.view, c.now, c.inflightMs)],
  ['user_id', (r) => r.userId],
  ['user_email', (r) => r.userEmail],
  ['client_id', (r) => r.clientId],
  ['client_name', (r) => r.clientName],
  ['client_type', (r) => r.clientType],
  ['server_id', (r) => r.serverId],
  ['tool', (r) => r.tool],
  ['classification', (r) => r.classification],
  ['call_id', (r) => r.callId],
  ['phase', (r) => r.phase],
  ['outcome', (r) => r.outcome],
  ['denial_reason', (r) => r.denialReason],
  ['error_message', (r) => r.errorMessage],
  ['upstream_identity', (r) => r.upstreamIdentity],
  ['credential_mode', (r) => r.credentialMode],
  ['latency_ms', (r) => r.latencyMs],
  ['protocol_version', (r) => r.protocolVersion],
  ['trace_id', (r) => r.traceId],
  ['action', (r) => r.action],
  ['actor_type', (r) => r.actorType],
  ['resource_type', (r) => r.resourceType],
  ['resource_id', (r) => r.resourceId],
  ['summary', (r) => r.summary],
  ['result_summary', (r) => r.resultSummary],
  [
    'arguments',
    (r) => (r.arguments === null || r.arguments === undefined ? null : JSON.stringify(r.arguments)),
  ],
  ['details', (r) => (r.details === null || r.details === undefined ? null : JSON.stringify(r.details))],
  ['verbosity', (r) => r.verbosity],
  ['prev_hash', (r) => r.prevHash],
  ['hash', (r) => r.hash],
];

export interface CsvContext {
  view: ListView;
  now: number;
  inflightMs: number;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n';
}

export function csvLine(row: ChainedRow, ctx: CsvContext): string {
  return CSV_COLUMNS.map(([, get]) => csvCell(get(row, ctx))).join(',') + '\r\n';
}
