import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, ProtocolErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

/**
 * The gateway's fast path for the two calls AI clients make most — `tools/call` and `tools/list` —
 * from 2025-era clients (protocol revisions 2025-03-26 … 2025-11-25, served statelessly). The MCP
 * SDK builds a server, a transport and web streams per HTTP request and validates every message
 * with zod; for these two methods Portcullis answers the JSON-RPC request itself with the same
 * checks and the same answers, and leaves everything else (initialize, notifications, batches,
 * 2026-07-28 envelopes, anything unusual) to the SDK, which receives the already-parsed body.
 */

export type FastRequest =
  | { id: string | number; method: 'tools/list' }
  | { id: string | number; method: 'tools/call'; name: string; args: Record<string, unknown> };

const LEGACY_REVISIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026'));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The request, when the fast path may answer it exactly as the SDK would: a single JSON-RPC
 * request for tools/list (no cursor) or tools/call (string name, object arguments), no `_meta`, from
 * a 2025-era client naming a supported revision that accepts both JSON and SSE answers. Anything
 * else returns undefined and goes to the SDK. (The SDK's own classifier would agree, but costs
 * ~0.3 ms a request in failed schema checks: more than everything else the fast path does.)
 */
export function fastPathRequest(req: IncomingMessage, body: unknown): FastRequest | undefined {
  if (!isPlainObject(body) || body['jsonrpc'] !== '2.0') return undefined;
  const id = body['id'];
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id))) return undefined;
  const method = body['method'];
  if (method !== 'tools/call' && method !== 'tools/list') return undefined;
  const version = header(req, 'mcp-protocol-version');
  if (!version || !LEGACY_REVISIONS.has(version)) return undefined;
  const accept = header(req, 'accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  if (!isJsonContentType(header(req, 'content-type') ?? null)) return undefined;
  // 2026-07-28 requests are the SDK's: they carry a `_meta` envelope claim (any `_meta` goes to the
  // SDK), or name a modern revision or an Mcp-Method/Mcp-Name header (both leave the fast path
  // above and here). What remains is what the SDK's own classifier routes to its stateless 2025 leg.
  const params = body['params'];
  if (params !== undefined && !isPlainObject(params)) return undefined;
  if (params && '_meta' in params) return undefined;
  if (req.headers['mcp-method'] !== undefined || req.headers['mcp-name'] !== undefined) return undefined;
  if (method === 'tools/list') {
    if (params && Object.keys(params).length > 0) return undefined;
    return { id, method };
  }
  if (!params || typeof params['name'] !== 'string') return undefined;
  // Only name and arguments: anything else (e.g. a task-augmented call) is the SDK's to judge.
  for (const k in params) if (k !== 'name' && k !== 'arguments') return undefined;
  const args = params['arguments'];
  if (args !== undefined && !isPlainObject(args)) return undefined;
  return { id, method, name: params['name'], args: (args as Record<string, unknown> | undefined) ?? {} };
}

/** Writes one JSON-RPC response; `resultJson` is already-serialised JSON (e.g. a cached tool list). */
export function writeResult(res: ServerResponse, id: string | number, resultJson: string): void {
  const body = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a JSON-RPC error the way the SDK serialises a thrown protocol error. */
export function writeError(res: ServerResponse, id: string | number | null, err: unknown, status = 200): void {
  const e = err as { code?: unknown; message?: unknown; data?: unknown };
  const code = typeof e.code === 'number' && Number.isSafeInteger(e.code) ? (e.code === -32002 ? ProtocolErrorCode.InvalidParams : e.code) : ProtocolErrorCode.InternalError;
  const error = { code, message: typeof e.message === 'string' ? e.message : 'Internal error', ...(e.data !== undefined ? { data: e.data } : {}) };
  const body = JSON.stringify({ jsonrpc: '2.0', id, error });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
