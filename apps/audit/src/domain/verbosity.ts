import type { Verbosity } from '../audit.config';
import { REDACTED } from './redaction';
import { setOwn } from './sanitize';

/**
 * What a tool-call record keeps of the call's content, per the tenant's audit verbosity (the levels
 * governance publishes as `settings.auditVerbosity`: minimal = who/what/outcome, standard = +
 * summaries, full = + arguments):
 *
 * | level    | arguments                                                          | result summary  |
 * |----------|--------------------------------------------------------------------|-----------------|
 * | minimal  | not stored                                                         | not stored      |
 * | standard | a summary: the argument names and structure (depth 4, 20 items per | first 500 chars |
 * |          | array, 50 keys per object) with every value replaced by its type,  |                 |
 * |          | e.g. {"search":"<string:42>","limit":"<number>"}                   |                 |
 * | full     | redacted, complete up to 256 KiB (else a `_truncated` marker)      | complete        |
 *
 * Identity, client, server, tool, outcome, denial reason, error message (redacted), latency and trace
 * id are kept at every level. Redaction always runs first (so "[REDACTED]" markers survive).
 */
export const STANDARD_LIMITS = { depth: 4, array: 20, keys: 50, summary: 500 };
export const FULL_LIMITS = { bytes: 256 * 1024 };
const TRUNCATED = '…[truncated]';

function truncateString(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max) + TRUNCATED;
}

function describe(value: unknown, depth: number): unknown {
  if (value === null) return null;
  if (value === REDACTED) return value;
  if (typeof value === 'string') return `<string:${value.length}>`;
  if (typeof value !== 'object') return `<${typeof value}>`;
  if (depth >= STANDARD_LIMITS.depth) return Array.isArray(value) ? `<array:${value.length}>` : '<object>';
  if (Array.isArray(value)) {
    const items = value.slice(0, STANDARD_LIMITS.array).map((v) => describe(v, depth + 1));
    if (value.length > STANDARD_LIMITS.array) items.push(`<${value.length - STANDARD_LIMITS.array} more>`);
    return items;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, STANDARD_LIMITS.keys)) setOwn(out, k, describe(v, depth + 1));
  if (entries.length > STANDARD_LIMITS.keys)
    setOwn(out, '<more keys>', entries.length - STANDARD_LIMITS.keys);
  return out;
}

export function shapeArguments(args: unknown, level: Verbosity): unknown {
  if (args === undefined || args === null || level === 'minimal') return null;
  if (level === 'standard') return describe(args, 0);
  const json = JSON.stringify(args);
  const size = Buffer.byteLength(json);
  return size <= FULL_LIMITS.bytes ? args : { _truncated: true, _bytes: size, _preview: json.slice(0, 4096) };
}

export function shapeResultSummary(summary: string | null, level: Verbosity): string | null {
  if (summary === null || level === 'minimal') return null;
  return level === 'standard' ? truncateString(summary, STANDARD_LIMITS.summary) : summary;
}
