import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';

/**
 * A fast local MCP server for benchmarks: `toolCount` read-only tools that echo their input. It is
 * the "fast upstream" the gateway's added latency is measured against.
 */
type Args = Record<string, unknown>;
const schema = (json: Record<string, unknown>): StandardSchemaWithJSON<Args, Args> => ({
  '~standard': { version: 1, vendor: 'bench', validate: (v: unknown) => ({ value: (v ?? {}) as Args }), jsonSchema: { input: () => json, output: () => json } },
});

export interface EchoUpstream {
  url: string;
  close(): Promise<void>;
}

export async function startEchoUpstream(opts: { toolCount?: number; prefix?: string; port?: number } = {}): Promise<EchoUpstream> {
  const count = opts.toolCount ?? 1;
  const input = schema({ type: 'object', properties: { message: { type: 'string', maxLength: 1000 } }, additionalProperties: false });
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'bench-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
    for (let i = 0; i < count; i++) {
      server.registerTool(
        i === 0 ? 'echo' : `echo_${i}`,
        { description: `Echoes the message back (tool ${i}).`, inputSchema: input, annotations: { readOnlyHint: true, openWorldHint: false } },
        async (args) => ({ content: [{ type: 'text', text: String((args as { message?: string }).message ?? '') }] }),
      );
    }
    return server;
  }, { legacy: 'stateless' });
  const node = toNodeHandler(handler);
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/mcp')) void node(req as never, res);
    else res.writeHead(404).end();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await handler.close();
    },
  };
}

/**
 * The same echo tools as a minimal hand-written Streamable HTTP MCP server (stateless, JSON answers:
 * initialize, ping, tools/list, tools/call; notifications accepted). At ~tens of microseconds per
 * request it is the "fast upstream" the throughput target is measured against: with the SDK server
 * above, the upstream itself saturates (~600 calls/s here) before the gateway does.
 */
export async function startRawEchoUpstream(opts: { toolCount?: number; port?: number } = {}): Promise<EchoUpstream> {
  const count = opts.toolCount ?? 1;
  const tools = Array.from({ length: count }, (_, i) => ({
    name: i === 0 ? 'echo' : `echo_${i}`,
    description: `Echoes the message back (tool ${i}).`,
    inputSchema: { type: 'object', properties: { message: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
    annotations: { readOnlyHint: true, openWorldHint: false },
  }));
  const names = new Set(tools.map((t) => t.name));
  const answer = (msg: { id?: unknown; method?: string; params?: Record<string, unknown> }): unknown => {
    switch (msg.method) {
      case 'initialize':
        return { result: { protocolVersion: (msg.params?.['protocolVersion'] as string | undefined) ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'bench-raw-echo', version: '1.0.0' } } };
      case 'ping':
        return { result: {} };
      case 'tools/list':
        return { result: { tools } };
      case 'tools/call': {
        const name = msg.params?.['name'];
        if (typeof name !== 'string' || !names.has(name)) return { error: { code: -32602, message: `Unknown tool: ${String(name)}` } };
        const args = (msg.params?.['arguments'] ?? {}) as { message?: unknown };
        return { result: { content: [{ type: 'text', text: String(args.message ?? '') }] } };
      }
      default:
        return { error: { code: -32601, message: `Method not found: ${String(msg.method)}` } };
    }
  };
  const server: Server = createServer((req, res) => {
    if (!req.url?.startsWith('/mcp') || req.method !== 'POST') return void res.writeHead(req.url?.startsWith('/mcp') ? 405 : 404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let msg: { id?: unknown; method?: string; params?: Record<string, unknown> };
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof msg;
      } catch {
        return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
      }
      if (msg.id === undefined) return void res.writeHead(202).end();
      const body = JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...(answer(msg) as object) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
