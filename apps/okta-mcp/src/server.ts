import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  CALLER_HEADER,
  ServiceTokenError,
  ServiceTokenVerifier,
  UPSTREAM_ORG_URL_HEADER,
  UPSTREAM_TOKEN_HEADER,
  UPSTREAM_TOKEN_TYPE_HEADER,
} from '@portcullis/crypto';
import { OktaApi, OktaClient, parseOrgAllowlist, type OktaClientOptions } from '@portcullis/okta';
import type { RequestPrincipal } from './calls';
import { ConfirmationTokens } from './confirmation';
import { createLogger, type Logger } from './logger';
import { prepareTools, serverFactory } from './mcp';
import { OktaMcpMetrics } from './metrics';

/**
 * The hosted Okta MCP server: Streamable HTTP at `POST /mcp`, stateless, reachable only with a
 * Portcullis service token (gateway or discovery). The Okta org URL and access token arrive in
 * internal headers set by the gateway — never from tool arguments — and live only for the request.
 */
export interface OktaMcpServerOptions {
  port?: number;
  host?: string;
  /** INTERNAL_SERVICE_SECRET: verifies service tokens and keys the confirmation tokens. */
  internalSecret: string;
  /** Extra allowed Okta org origins beyond *.okta.com / *.oktapreview.com / *.okta-emea.com. */
  orgAllowlist: readonly string[];
  logger?: Logger;
  logLevel?: string;
  /** Okta client tuning (timeouts, rate-limit budget) and, in tests, a custom dispatcher. */
  okta?: Omit<OktaClientOptions, 'orgAllowlist' | 'onExchange'>;
  /** Time to wait for in-flight requests on close (ms). */
  shutdownGraceMs?: number;
}

export interface RunningOktaMcpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8091/mcp`. */
  url: string;
  /** Base URL (for /healthz, /readyz, /metrics). */
  baseUrl: string;
  metrics: OktaMcpMetrics;
  close(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const MAX_BODY_BYTES = 1024 * 1024;

type BodyRead = { ok: true; value: unknown } | { ok: false; status: 400 | 413 };

/** Reads and parses a JSON request body (MCP messages are small; anything over 1 MiB is refused). */
async function readJsonBody(req: IncomingMessage): Promise<BodyRead> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return { ok: false, status: 413 };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false, status: 400 };
  }
}

/** The tool a single `tools/call` message names, if it is one of ours. */
function calledTool(body: unknown, known: ReadonlySet<string>): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const msg = body as { method?: unknown; params?: { name?: unknown } };
  const name = msg.method === 'tools/call' ? msg.params?.name : undefined;
  return typeof name === 'string' && known.has(name) ? name : undefined;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

export async function startOktaMcpServer(options: OktaMcpServerOptions): Promise<RunningOktaMcpServer> {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  parseOrgAllowlist(options.orgAllowlist); // fail at start on a malformed allow-list entry
  const verifier = new ServiceTokenVerifier(options.internalSecret, 'okta-mcp', ['gateway', 'discovery']);
  const metrics = new OktaMcpMetrics();
  const client = new OktaClient({
    ...options.okta,
    orgAllowlist: options.orgAllowlist,
    onExchange: (x) => {
      metrics.oktaRequests.inc({ method: x.method, status_class: `${Math.floor(x.status / 100)}xx` });
      metrics.oktaDuration.observe({ method: x.method }, x.durationMs / 1000);
    },
  });
  const api = new OktaApi(client);
  const confirmations = new ConfirmationTokens(options.internalSecret);
  const prepared = prepareTools(metrics);
  const toolNames = new Set(prepared.map((p) => p.tool.name));
  const handler = createMcpHandler(serverFactory(prepared, { api, confirmations, metrics, logger }), {
    legacy: 'stateless',
    onerror: (err) => logger.warn({ err: { message: err.message, name: err.name } }, 'MCP request rejected'),
  });
  const mcp = toNodeHandler(handler, {
    onerror: (err) => logger.error({ err: { message: err.message } }, 'MCP adapter error'),
  });

  let shuttingDown = false;
  let listening = false;

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<number> {
    let service: string;
    try {
      service = await verifier.verify(header(req, 'authorization'));
    } catch (err) {
      const message = err instanceof ServiceTokenError ? err.message : 'Invalid service credential.';
      logger.warn(
        { reason: message, remote: req.socket.remoteAddress },
        'rejected MCP request without a valid service token',
      );
      sendJson(
        res,
        401,
        { error: 'unauthorized', error_description: message },
        { 'www-authenticate': 'Bearer realm="portcullis-internal"' },
      );
      return 401;
    }
    const orgUrl = header(req, UPSTREAM_ORG_URL_HEADER);
    const token = header(req, UPSTREAM_TOKEN_HEADER);
    const tokenType = header(req, UPSTREAM_TOKEN_TYPE_HEADER);
    const principal: RequestPrincipal = {
      service,
      caller: header(req, CALLER_HEADER) ?? '',
      ...(orgUrl || token
        ? {
            upstream: {
              ...(orgUrl ? { orgUrl } : {}),
              ...(token ? { token } : {}),
              ...(tokenType ? { tokenType } : {}),
            },
          }
        : {}),
    };
    // POST bodies are parsed here (once; the SDK takes the parsed value) so a `tools/call` can be
    // served by a server instance holding only that tool — registering the whole catalog on every
    // request was most of this server's own per-call cost.
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readJsonBody(req);
      if (!read.ok) {
        const status = read.status;
        sendJson(res, status, {
          jsonrpc: '2.0',
          id: null,
          error:
            status === 413
              ? { code: -32600, message: 'Request body too large.' }
              : { code: -32700, message: 'Parse error: the body is not JSON.' },
        });
        return status;
      }
      body = read.value;
      const tool = calledTool(body, toolNames);
      if (tool) principal.toolHint = tool;
    }
    // The MCP SDK hands `req.auth` to the server factory untouched (it never derives it from headers);
    // the principal rides in `extra`. `token` is a placeholder: nothing downstream needs the service token.
    const auth: AuthInfo = {
      token: '[service]',
      clientId: service,
      scopes: [],
      extra: { portcullis: principal },
    };
    await mcp(Object.assign(req, { auth }), res, body);
    return res.statusCode;
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route =
      path === '/mcp'
        ? 'mcp'
        : path === '/healthz' || path === '/readyz' || path === '/metrics'
          ? path.slice(1)
          : 'other';
    const finish = (status: number) => metrics.httpRequests.inc({ route, status: String(status) });
    switch (route) {
      case 'healthz':
        sendJson(res, 200, { status: 'ok' });
        return finish(200);
      case 'readyz': {
        const ready = listening && !shuttingDown;
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
        return finish(ready ? 200 : 503);
      }
      case 'metrics':
        void metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
            finish(200);
          },
          () => {
            sendJson(res, 500, { error: 'metrics_unavailable' });
            finish(500);
          },
        );
        return;
      case 'mcp':
        if (shuttingDown) {
          sendJson(res, 503, { error: 'shutting_down' }, { connection: 'close' });
          return finish(503);
        }
        handleMcp(req, res).then(finish, (err: unknown) => {
          logger.error({ err: { message: (err as Error).message } }, 'MCP request failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
          else res.end();
          finish(500);
        });
        return;
      default:
        sendJson(res, 404, { error: 'not_found' });
        return finish(404);
    }
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  listening = true;
  const addr = server.address() as AddressInfo;
  const host =
    addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address;
  const baseUrl = `http://${host}:${addr.port}`;
  logger.info(
    { url: `${baseUrl}/mcp`, tools: prepared.length, orgAllowlist: options.orgAllowlist },
    'okta-mcp listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url: `${baseUrl}/mcp`,
    baseUrl,
    metrics,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        const grace = options.shutdownGraceMs ?? 5_000;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), grace);
        await closed;
        clearTimeout(timer);
        await handler.close();
        await client.close();
        logger.info('okta-mcp stopped');
      })();
      return closing;
    },
  };
}
