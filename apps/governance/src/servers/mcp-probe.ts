import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';

export interface McpProbeResult {
  ok: boolean;
  error?: string;
  serverInfo?: { name: string; version?: string };
  protocolVersion?: string;
  toolCount?: number;
  listChanged?: boolean;
  /** True when the server answered 401/403: reachable, but it wants a credential. */
  needsCredentials?: boolean;
}

/** Walks an error's causes into one line ("fetch failed: connect ECONNREFUSED 127.0.0.1:1"). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 5; i++) {
    const m = e instanceof Error ? e.message : String(e);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return (parts.join(': ') || 'unknown error').slice(0, 1000);
}

/** MCP initialize + tools/list (first page) against one server — the "test connection" check. */
export async function probeMcpServer(
  url: string,
  transport: 'streamable_http' | 'sse',
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<McpProbeResult> {
  const client = new Client(
    { name: 'portcullis-governance', version: '0.1.0' },
    transport === 'sse' ? {} : { versionNegotiation: { mode: 'auto' } },
  );
  const t: Transport =
    transport === 'sse'
      ? new SSEClientTransport(new URL(url), { requestInit: { headers } })
      : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  try {
    await client.connect(t, { timeout: timeoutMs });
    const caps = client.getServerCapabilities();
    const info = client.getServerVersion();
    const list = caps?.tools ? await client.listTools({}, { timeout: timeoutMs }) : { tools: [] };
    return {
      ok: true,
      ...(info
        ? { serverInfo: { name: info.name, ...(info.version ? { version: info.version } : {}) } }
        : {}),
      ...(client.getNegotiatedProtocolVersion()
        ? { protocolVersion: client.getNegotiatedProtocolVersion()! }
        : {}),
      toolCount: list.tools.length,
      listChanged: caps?.tools?.listChanged === true,
    };
  } catch (err) {
    const error = describeError(err);
    return { ok: false, error, needsCredentials: /\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}
