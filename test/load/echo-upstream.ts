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
