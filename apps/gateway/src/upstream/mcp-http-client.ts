import { Pool } from 'undici';

/**
 * A lean MCP client for the gateway's upstream calls over Streamable HTTP: one keep-alive undici
 * pool per upstream, the initialize handshake once per upstream (keeping `Mcp-Session-Id` when the
 * server is sessionful), then plain JSON-RPC POSTs whose responses may be JSON or an SSE stream.
 * The official SDK client costs several milliseconds of CPU per call (web streams, schema
 * validation of every message); on the gateway's hot path this does the same protocol work in a
 * fraction of that. Results are passed through to the AI client unchanged.
 */
export const UPSTREAM_PROTOCOL_VERSION = '2025-06-18';

export class McpHttpError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unreachable' | 'protocol' | 'session',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'McpHttpError';
  }
}

interface JsonRpcResponse {
  jsonrpc: '2.0';
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** Picks the JSON-RPC response with `id` out of a JSON body or an SSE stream. */
export function parseRpcBody(text: string, contentType: string, id: number): JsonRpcResponse {
  if (contentType.includes('text/event-stream')) {
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      const msg = JSON.parse(data) as JsonRpcResponse;
      if (msg.id === id) return msg;
    }
    throw new McpHttpError('the upstream stream ended without a response', 'protocol');
  }
  const parsed = JSON.parse(text) as JsonRpcResponse | JsonRpcResponse[];
  const msg = Array.isArray(parsed) ? parsed.find((m) => m.id === id) : parsed;
  if (!msg) throw new McpHttpError('the upstream answered without a response to the request', 'protocol');
  return msg;
}

export class McpHttpClient {
  private readonly pool: Pool;
  private readonly path: string;
  private nextId = 1;
  private session?: Promise<{ sessionId?: string; protocolVersion: string }>;

  constructor(
    readonly url: string,
    private readonly clientInfo: { name: string; version: string },
  ) {
    const u = new URL(url);
    this.pool = new Pool(u.origin, { connections: 128, keepAliveTimeout: 30_000, pipelining: 1 });
    this.path = u.pathname + u.search;
  }

  private async post(body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string; contentType: string; sessionId?: string }> {
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      const sid = res.headers['mcp-session-id'];
      return {
        status: res.statusCode,
        text,
        contentType: String(res.headers['content-type'] ?? ''),
        ...(typeof sid === 'string' ? { sessionId: sid } : {}),
      };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new McpHttpError(`no answer within ${timeoutMs} ms`, 'timeout', { cause: err });
      }
      throw new McpHttpError((err as Error).message, 'unreachable', { cause: err });
    }
  }

  private handshake(headers: Record<string, string>, timeoutMs: number) {
    this.session ??= (async () => {
      const id = this.nextId++;
      const res = await this.post(
        { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: UPSTREAM_PROTOCOL_VERSION, capabilities: {}, clientInfo: this.clientInfo } },
        headers,
        timeoutMs,
      );
      if (res.status !== 200) throw new McpHttpError(`initialize answered HTTP ${res.status}: ${res.text.slice(0, 200)}`, 'protocol');
      const msg = parseRpcBody(res.text, res.contentType, id);
      if (msg.error) throw new McpHttpError(`initialize failed: ${msg.error.message}`, 'protocol');
      const protocolVersion = String(msg.result?.['protocolVersion'] ?? UPSTREAM_PROTOCOL_VERSION);
      const sessionHeaders: Record<string, string> = { ...headers, 'mcp-protocol-version': protocolVersion, ...(res.sessionId ? { 'mcp-session-id': res.sessionId } : {}) };
      await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders, timeoutMs);
      return { protocolVersion, ...(res.sessionId ? { sessionId: res.sessionId } : {}) };
    })();
    this.session.catch(() => (this.session = undefined));
    return this.session;
  }

  /** One JSON-RPC request; re-initializes once if the upstream lost our session. */
  async request(method: string, params: Record<string, unknown>, headers: Record<string, string>, timeoutMs: number): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.handshake(headers, timeoutMs);
      const id = this.nextId++;
      const res = await this.post(
        { jsonrpc: '2.0', id, method, params },
        { ...headers, 'mcp-protocol-version': s.protocolVersion, ...(s.sessionId ? { 'mcp-session-id': s.sessionId } : {}) },
        timeoutMs,
      );
      if (res.status === 404 && s.sessionId && attempt === 0) {
        this.session = undefined; // session expired upstream: start a new one
        continue;
      }
      if (res.status !== 200) throw new McpHttpError(`${method} answered HTTP ${res.status}: ${res.text.slice(0, 300)}`, res.status === 401 || res.status === 403 ? 'session' : 'protocol');
      const msg = parseRpcBody(res.text, res.contentType, id);
      if (msg.error) throw new McpHttpError(`${msg.error.message} (JSON-RPC ${msg.error.code})`, 'protocol');
      return msg.result ?? {};
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
