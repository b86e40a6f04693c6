import { createHash } from 'node:crypto';
import { canonicalJson } from '@portcullis/crypto';
import type { AuditRow, ChainedRow } from './record';

/**
 * Tamper evidence: each tenant's records form one hash chain in `seq` order.
 *
 *   hash(n) = sha256( prev_hash(n) bytes || UTF-8 canonical content(n) )
 *   prev_hash(n) = hash(n-1);  prev_hash(1) = sha256("portcullis.audit.chain.v1.genesis:" + tenantId)
 *
 * The canonical content is the sorted-key JSON (`canonicalJson`) of every stored column except the
 * two hashes, plus `v` (format version). Editing any stored value breaks that record's hash; deleting
 * a record breaks its successor's link; recomputing one hash breaks the next link.
 */
export const CHAIN_FORMAT_VERSION = 1;

export function genesisHash(tenantId: string): string {
  return createHash('sha256').update(`portcullis.audit.chain.v1.genesis:${tenantId}`).digest('hex');
}

type ContentRow = Omit<ChainedRow, 'prevHash' | 'hash'>;

/** The hashed fields, by name. (`v` is the format version.) */
const CONTENT_FIELDS: Record<string, (r: ContentRow) => unknown> = {
  v: () => CHAIN_FORMAT_VERSION,
  tenantId: (r) => r.tenantId,
  seq: (r) => r.seq,
  eventId: (r) => r.eventId,
  eventType: (r) => r.eventType,
  eventVersion: (r) => r.eventVersion,
  kind: (r) => r.kind,
  occurredAt: (r) => r.occurredAt,
  occurredAtClaimed: (r) => r.occurredAtClaimed,
  recordedAt: (r) => r.recordedAt,
  traceId: (r) => r.traceId,
  callId: (r) => r.callId,
  phase: (r) => r.phase,
  outcome: (r) => r.outcome,
  userId: (r) => r.userId,
  userEmail: (r) => r.userEmail,
  clientId: (r) => r.clientId,
  clientName: (r) => r.clientName,
  clientType: (r) => r.clientType,
  serverId: (r) => r.serverId,
  tool: (r) => r.tool,
  classification: (r) => r.classification,
  denialReason: (r) => r.denialReason,
  errorMessage: (r) => r.errorMessage,
  upstreamIdentity: (r) => r.upstreamIdentity,
  credentialMode: (r) => r.credentialMode,
  latencyMs: (r) => r.latencyMs,
  protocolVersion: (r) => r.protocolVersion,
  arguments: (r) => r.arguments ?? null,
  resultSummary: (r) => r.resultSummary,
  verbosity: (r) => r.verbosity,
  action: (r) => r.action,
  actorType: (r) => r.actorType,
  resourceType: (r) => r.resourceType,
  resourceId: (r) => r.resourceId,
  summary: (r) => r.summary,
  details: (r) => r.details ?? null,
};

/**
 * The canonical content split around the chain-assigned fields: everything that does not depend on
 * the record's position is serialized before the tenant's chain is locked, so the critical section
 * only concatenates and hashes. `assemble(parts, recordedAt, seq)` is the canonical content.
 */
export interface ContentParts {
  /** Text up to and including `"recordedAt":`. */
  beforeRecordedAt: string;
  /** Text from after the recordedAt value up to and including `"seq":`. */
  beforeSeq: string;
  /** Text after the seq value, to the end. */
  rest: string;
}

/** JSON text of one value, objects with sorted keys (the same text as `canonicalJson`, without its temporaries). */
export function canonicalValue(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalValue(v[i]);
    return s + ']';
  }
  const o = v as Record<string, unknown>;
  // Default sort = UTF-16 code unit order, the same order as canonicalJson's `<` comparison.
  const keys = Object.keys(o).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalValue(x);
    first = false;
  }
  return s + '}';
}

const j = canonicalValue;

/**
 * The canonical content around the chain-assigned fields, written out field by field in sorted key
 * order (the hot path of ingest and verification; `canonicalContentReference` is the generic
 * definition and the tests hold the two equal, so a field added to CONTENT_FIELDS and not here fails).
 */
// prettier-ignore
export function contentParts(r: Omit<ContentRow, 'seq' | 'recordedAt'>): ContentParts {
  return {
    beforeRecordedAt:
      '{"action":' + j(r.action) +
      ',"actorType":' + j(r.actorType) +
      ',"arguments":' + j(r.arguments ?? null) +
      ',"callId":' + j(r.callId) +
      ',"classification":' + j(r.classification) +
      ',"clientId":' + j(r.clientId) +
      ',"clientName":' + j(r.clientName) +
      ',"clientType":' + j(r.clientType) +
      ',"credentialMode":' + j(r.credentialMode) +
      ',"denialReason":' + j(r.denialReason) +
      ',"details":' + j(r.details ?? null) +
      ',"errorMessage":' + j(r.errorMessage) +
      ',"eventId":' + j(r.eventId) +
      ',"eventType":' + j(r.eventType) +
      ',"eventVersion":' + j(r.eventVersion) +
      ',"kind":' + j(r.kind) +
      ',"latencyMs":' + j(r.latencyMs) +
      ',"occurredAt":' + j(r.occurredAt) +
      ',"occurredAtClaimed":' + j(r.occurredAtClaimed) +
      ',"outcome":' + j(r.outcome) +
      ',"phase":' + j(r.phase) +
      ',"protocolVersion":' + j(r.protocolVersion) +
      ',"recordedAt":',
    beforeSeq:
      ',"resourceId":' + j(r.resourceId) +
      ',"resourceType":' + j(r.resourceType) +
      ',"resultSummary":' + j(r.resultSummary) +
      ',"seq":',
    rest:
      ',"serverId":' + j(r.serverId) +
      ',"summary":' + j(r.summary) +
      ',"tenantId":' + j(r.tenantId) +
      ',"tool":' + j(r.tool) +
      ',"traceId":' + j(r.traceId) +
      ',"upstreamIdentity":' + j(r.upstreamIdentity) +
      ',"userEmail":' + j(r.userEmail) +
      ',"userId":' + j(r.userId) +
      ',"v":' + CHAIN_FORMAT_VERSION +
      ',"verbosity":' + j(r.verbosity) +
      '}',
  };
}

export function assembleContent(parts: ContentParts, recordedAt: string, seq: number): string {
  return (
    parts.beforeRecordedAt + JSON.stringify(recordedAt) + parts.beforeSeq + JSON.stringify(seq) + parts.rest
  );
}

/** The canonical content of a record: exactly `canonicalJson` (sorted keys) of its hashed fields. */
export function canonicalContent(r: ContentRow): string {
  return assembleContent(contentParts(r), r.recordedAt, r.seq);
}

/** The same content through the generic canonicalJson (reference implementation, for tests). */
export function canonicalContentReference(r: ContentRow): string {
  return canonicalJson(Object.fromEntries(Object.entries(CONTENT_FIELDS).map(([k, get]) => [k, get(r)])));
}

export function chainHash(prevHashHex: string, content: string): string {
  return createHash('sha256').update(Buffer.from(prevHashHex, 'hex')).update(content, 'utf8').digest('hex');
}

function chainHashBytes(prev: Buffer, content: string): Buffer {
  return createHash('sha256').update(prev).update(content, 'utf8').digest();
}

export function recordHash(r: Omit<ChainedRow, 'hash'>): string {
  return chainHash(r.prevHash, canonicalContent(r));
}

/**
 * The hashes (hex) of records placed in the given order after `head`, all recorded at `recordedAt`:
 * record i gets seq head.seq + 1 + i and prev_hash `i ? hashes[i - 1] : head.hash`.
 */
export function chainHashes(
  parts: readonly ContentParts[],
  head: { seq: number; hash: string },
  recordedAt: string,
): string[] {
  let prev: Buffer = Buffer.from(head.hash, 'hex');
  const out: string[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    prev = chainHashBytes(prev, assembleContent(parts[i]!, recordedAt, head.seq + 1 + i));
    out[i] = prev.toString('hex');
  }
  return out;
}

/** Places rows (in the given order) after `head` on the chain; `parts` may be precomputed (contentParts). */
export function appendToChain(
  rows: AuditRow[],
  head: { seq: number; hash: string },
  recordedAt: string,
  parts: readonly ContentParts[] = rows.map(contentParts),
): ChainedRow[] {
  const hashes = chainHashes(parts, head, recordedAt);
  return rows.map((row, i) => ({
    ...row,
    seq: head.seq + 1 + i,
    recordedAt,
    prevHash: i ? hashes[i - 1]! : head.hash,
    hash: hashes[i]!,
  }));
}
