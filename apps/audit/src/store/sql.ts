import type { AuditKind, AuditRow, ChainedRow } from '../domain/record';
import { sqlCanonicalTime } from '../domain/time';

/** Column list shared by every read of audit.events (alias `e`). */
export const SELECT_RECORD = `
  e.tenant_id, e.seq, ${sqlCanonicalTime('e.occurred_at')} AS occurred_at_c, ${sqlCanonicalTime('e.recorded_at')} AS recorded_at_c,
  e.occurred_at_claimed, e.event_id, e.event_type, e.event_version, e.kind, e.trace_id, e.call_id, e.phase, e.outcome,
  e.user_id, e.user_email, e.client_id, e.client_name, e.client_type, e.server_id, e.tool, e.classification,
  e.denial_reason, e.error_message, e.upstream_identity, e.credential_mode, e.latency_ms, e.protocol_version,
  e.arguments, e.result_summary, e.verbosity, e.action, e.actor_type, e.resource_type, e.resource_id, e.summary,
  e.details, encode(e.prev_hash, 'hex') AS prev_hash, encode(e.hash, 'hex') AS hash`;

export type RawRecord = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function mapRecord(r: RawRecord): ChainedRow {
  return {
    tenantId: String(r['tenant_id']),
    seq: Number(r['seq']),
    occurredAt: String(r['occurred_at_c']),
    recordedAt: String(r['recorded_at_c']),
    occurredAtClaimed: str(r['occurred_at_claimed']),
    eventId: String(r['event_id']),
    eventType: String(r['event_type']),
    eventVersion: Number(r['event_version']),
    kind: String(r['kind']) as AuditKind,
    traceId: str(r['trace_id']),
    callId: str(r['call_id']),
    phase: str(r['phase']),
    outcome: str(r['outcome']),
    userId: str(r['user_id']),
    userEmail: str(r['user_email']),
    clientId: str(r['client_id']),
    clientName: str(r['client_name']),
    clientType: str(r['client_type']),
    serverId: str(r['server_id']),
    tool: str(r['tool']),
    classification: str(r['classification']),
    denialReason: str(r['denial_reason']),
    errorMessage: str(r['error_message']),
    upstreamIdentity: str(r['upstream_identity']),
    credentialMode: str(r['credential_mode']),
    latencyMs: r['latency_ms'] === null || r['latency_ms'] === undefined ? null : Number(r['latency_ms']),
    protocolVersion: str(r['protocol_version']),
    arguments: r['arguments'] ?? null,
    resultSummary: str(r['result_summary']),
    verbosity: str(r['verbosity']),
    action: str(r['action']),
    actorType: str(r['actor_type']),
    resourceType: str(r['resource_type']),
    resourceId: str(r['resource_id']),
    summary: str(r['summary']),
    details: r['details'] ?? null,
    prevHash: String(r['prev_hash']),
    hash: String(r['hash']),
  };
}

/**
 * Columns written by ingest, with their SQL types for jsonb_to_recordset (the embedded database's
 * insert path; on PostgreSQL ingest uses COPY, below, with the same columns).
 */
export const INSERT_COLUMNS: readonly [column: string, type: string, get: (r: ChainedRow) => unknown][] = [
  ['tenant_id', 'text', (r) => r.tenantId],
  ['seq', 'bigint', (r) => r.seq],
  ['occurred_at', 'timestamptz', (r) => r.occurredAt],
  ['recorded_at', 'timestamptz', (r) => r.recordedAt],
  ['occurred_at_claimed', 'text', (r) => r.occurredAtClaimed],
  ['event_id', 'uuid', (r) => r.eventId],
  ['event_type', 'text', (r) => r.eventType],
  ['event_version', 'integer', (r) => r.eventVersion],
  ['kind', 'text', (r) => r.kind],
  ['trace_id', 'text', (r) => r.traceId],
  ['call_id', 'text', (r) => r.callId],
  ['phase', 'text', (r) => r.phase],
  ['outcome', 'text', (r) => r.outcome],
  ['user_id', 'text', (r) => r.userId],
  ['user_email', 'text', (r) => r.userEmail],
  ['client_id', 'text', (r) => r.clientId],
  ['client_name', 'text', (r) => r.clientName],
  ['client_type', 'text', (r) => r.clientType],
  ['server_id', 'text', (r) => r.serverId],
  ['tool', 'text', (r) => r.tool],
  ['classification', 'text', (r) => r.classification],
  ['denial_reason', 'text', (r) => r.denialReason],
  ['error_message', 'text', (r) => r.errorMessage],
  ['upstream_identity', 'text', (r) => r.upstreamIdentity],
  ['credential_mode', 'text', (r) => r.credentialMode],
  ['latency_ms', 'double precision', (r) => r.latencyMs],
  ['protocol_version', 'text', (r) => r.protocolVersion],
  ['arguments', 'jsonb', (r) => r.arguments ?? null],
  ['result_summary', 'text', (r) => r.resultSummary],
  ['verbosity', 'text', (r) => r.verbosity],
  ['action', 'text', (r) => r.action],
  ['actor_type', 'text', (r) => r.actorType],
  ['resource_type', 'text', (r) => r.resourceType],
  ['resource_id', 'text', (r) => r.resourceId],
  ['summary', 'text', (r) => r.summary],
  ['details', 'jsonb', (r) => r.details ?? null],
  ['prev_hash', 'text', (r) => r.prevHash],
  ['hash', 'text', (r) => r.hash],
];

export const INSERT_SQL = `
  INSERT INTO audit.events (${INSERT_COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${INSERT_COLUMNS.map(([c]) => (c === 'prev_hash' || c === 'hash' ? `decode(r.${c}, 'hex')` : `r.${c}`)).join(', ')}
    FROM jsonb_to_recordset($1::jsonb) AS r(${INSERT_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`;

export function insertPayload(rows: ChainedRow[]): string {
  return JSON.stringify(
    rows.map((row) => {
      const o: Record<string, unknown> = {};
      for (const [c, , get] of INSERT_COLUMNS) o[c] = get(row);
      return o;
    }),
  );
}

/** The columns fixed by the chain position, written last in each COPY line. */
const CHAIN_COLUMNS = new Set(['seq', 'recorded_at', 'prev_hash', 'hash']);

/** The other columns (known before the tenant's chain is locked), in COPY order. */
const COPY_STATIC_COLUMNS = INSERT_COLUMNS.filter(([c]) => !CHAIN_COLUMNS.has(c)) as unknown as readonly [
  column: string,
  type: string,
  get: (r: AuditRow) => unknown,
][];

/** COPY in text format: the static columns, then seq, recorded_at, prev_hash, hash. */
export const COPY_SQL = `COPY audit.events (${COPY_STATIC_COLUMNS.map(([c]) => c).join(', ')}, seq, recorded_at, prev_hash, hash) FROM STDIN`;

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value as COPY text: backslash, newline, carriage return and tab escaped (NUL never reaches here: sanitize). */
function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : s;
}

function copyField(v: unknown, type: string): string {
  if (v === null || v === undefined) return '\\N';
  if (type === 'jsonb') return copyText(JSON.stringify(v));
  return typeof v === 'string' ? copyText(v) : String(v);
}

/**
 * The COPY text of a row's static columns, with the trailing tab: prepared before the chain lock, so
 * the critical section only appends the chain columns (`copyLine`).
 */
export function copyStatic(r: AuditRow): string {
  let out = '';
  for (const [, type, get] of COPY_STATIC_COLUMNS) out += copyField(get(r), type) + '\t';
  return out;
}

/** One COPY line: the static text, then seq, recorded_at, prev_hash and hash (hex → bytea). */
export function copyLine(
  staticText: string,
  seq: number,
  recordedAt: string,
  prevHash: string,
  hash: string,
): string {
  return `${staticText}${seq}\t${recordedAt}\t\\\\x${prevHash}\t\\\\x${hash}\n`;
}

/** Escapes LIKE metacharacters so user text is matched literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * SQLSTATE classes after which the same statement can succeed later: connection exceptions (08),
 * transaction rollback incl. deadlock / serialization (40), insufficient resources (53), operator
 * intervention incl. admin shutdown and "cannot connect now" (57), system errors (58), lock not
 * available (55P03). Errors without a SQLSTATE are driver/network failures (refused, reset, pool
 * timeouts) and are transient too; programming errors (TypeError & co.) are not.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;

/** The SQLSTATE of a PostgreSQL error (pg's DatabaseError carries `severity`; TypeORM wraps it as `driverError`). */
function sqlState(err: unknown): string | undefined {
  const e = err as {
    code?: unknown;
    severity?: unknown;
    driverError?: { code?: unknown; severity?: unknown };
  };
  const db =
    e?.driverError && typeof e.driverError.severity === 'string'
      ? e.driverError
      : typeof e?.severity === 'string'
        ? e
        : undefined;
  return db && typeof db.code === 'string' && /^[0-9A-Z]{5}$/.test(db.code) ? db.code : undefined;
}

/** True when retrying later can succeed (database unreachable, restarting, deadlock); false for data/logic errors. */
export function isTransientDatabaseError(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  const state = sqlState(err);
  return state ? TRANSIENT_SQLSTATE.test(state) : true;
}

export function isNoPartitionError(err: unknown): boolean {
  return sqlState(err) === '23514' && /no partition of relation/i.test(String((err as Error)?.message ?? ''));
}

/** A narrower test for the HTTP edge: the database cannot be reached right now (→ 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return /^(08|53|57)/.test(state);
  const e = err as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND)$/.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Connection ended unexpectedly/i.test(
      String(e?.message ?? ''),
    )
  );
}
