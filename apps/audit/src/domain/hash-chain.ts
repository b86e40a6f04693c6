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
const SORTED_FIELDS = Object.keys(CONTENT_FIELDS)
  .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  .map((k) => [JSON.stringify(k) + ':', CONTENT_FIELDS[k]!] as const);

/** Fields only known when a record is placed on the chain (under the tenant's lock). */
const CHAIN_ASSIGNED = new Set(['"recordedAt":', '"seq":']);

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

export function contentParts(r: Omit<ContentRow, 'seq' | 'recordedAt'>): ContentParts {
  const segments: string[] = [];
  let out = '{';
  for (let i = 0; i < SORTED_FIELDS.length; i++) {
    const [key, get] = SORTED_FIELDS[i]!;
    out += (i ? ',' : '') + key;
    if (CHAIN_ASSIGNED.has(key)) {
      segments.push(out);
      out = '';
      continue;
    }
    const v = get(r as ContentRow);
    out += v !== null && typeof v === 'object' ? canonicalJson(v) : (JSON.stringify(v) ?? 'null');
  }
  return { beforeRecordedAt: segments[0]!, beforeSeq: segments[1]!, rest: out + '}' };
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

export function recordHash(r: Omit<ChainedRow, 'hash'>): string {
  return chainHash(r.prevHash, canonicalContent(r));
}

/** Places rows (in the given order) after `head` on the chain; `parts` may be precomputed (contentParts). */
export function appendToChain(
  rows: AuditRow[],
  head: { seq: number; hash: string },
  recordedAt: string,
  parts: readonly ContentParts[] = rows.map(contentParts),
): ChainedRow[] {
  let seq = head.seq;
  let prev = head.hash;
  return rows.map((row, i) => {
    const chained = Object.assign({}, row, {
      seq: ++seq,
      recordedAt,
      prevHash: prev,
      hash: '',
    }) as ChainedRow;
    chained.hash = chainHash(prev, assembleContent(parts[i]!, recordedAt, seq));
    prev = chained.hash;
    return chained;
  });
}
