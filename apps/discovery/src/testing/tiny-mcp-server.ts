import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, Server } from '@modelcontextprotocol/server';

/**
 * A tiny real MCP server for tests (not used by the service): serves whatever tool definitions the
 * test sets, in pages of `pageSize` (tools/list cursors), can announce tools/list_changed, and can
 * demand a bearer token or a header (refusing with 401 or 403). Built on the official server SDK, serving both protocol eras.
 */
export interface TinyTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema?: { type: 'object'; [k: string]: unknown };
  annotations?: Record<string, unknown>;
}

export interface TinyMcpServer {
  url: string;
  /** tools/list requests served (pages). */
  listRequests(): number;
  /** Requests refused for a missing or wrong credential. */
  refusals(): number;
  setTools(tools: TinyTool[]): void;
  /** Sends notifications/tools/list_changed to open subscriptions. */
  notifyToolsChanged(): void;
  close(): Promise<void>;
}

export function tinyTool(name: string, description: string, annotations?: Record<string, unknown>): TinyTool {
  return {
    name,
    description,
    inputSchema: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What to look for.' } },
    },
    ...(annotations ? { annotations } : {}),
  };
}

export async function startTinyMcpServer(opts: {
  tools: TinyTool[];
  pageSize?: number;
  listChanged?: boolean;
  /** Requests without `Authorization: Bearer <bearer>` are refused. */
  bearer?: string;
  /** Requests without this header (exact value) are refused. */
  header?: { name: string; value: string };
  /** How a request without the credential is refused (default 401). */
  refuseWith?: 401 | 403;
  name?: string;
}): Promise<TinyMcpServer> {
  let tools = [...opts.tools];
  let lists = 0;
  let refusals = 0;
  const pageSize = opts.pageSize ?? 1000;
  const handler = createMcpHandler(() => {
    const server = new Server(
      { name: opts.name ?? 'tiny-mcp', version: '1.0.0' },
      { capabilities: { tools: { listChanged: opts.listChanged ?? false } } },
    );
    server.setRequestHandler('tools/list', async (req) => {
      lists++;
      const start = Number(req.params?.cursor ?? 0) || 0;
      const page = tools.slice(start, start + pageSize);
      return {
        tools: page,
        ...(start + pageSize < tools.length ? { nextCursor: String(start + pageSize) } : {}),
      };
    });
    server.setRequestHandler('tools/call', async () => ({ content: [{ type: 'text', text: 'ok' }] }));
    return server;
  });
  const node = toNodeHandler(handler);
  const http: HttpServer = createServer((req, res) => {
    const refused =
      (opts.bearer && req.headers.authorization !== `Bearer ${opts.bearer}`) ||
      (opts.header && req.headers[opts.header.name.toLowerCase()] !== opts.header.value);
    if (refused) {
      refusals++;
      const status = opts.refuseWith ?? 401;
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
      });
      res.end(JSON.stringify({ error: status === 401 ? 'unauthorized' : 'forbidden' }));
      return;
    }
    void node(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    listRequests: () => lists,
    refusals: () => refusals,
    setTools: (t) => (tools = [...t]),
    notifyToolsChanged: () => handler.notify.toolsChanged(),
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
