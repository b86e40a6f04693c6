import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { Logger, Metrics } from '@portcullis/observability';
import type { NextFunction, Request, Response } from 'express';

/** Records one finished request: RED metrics and a structured log line (probes and scrapes unlogged). */
function observeRequest(metrics: Metrics, service: string, logger: Logger, method: string | undefined, route: string, status: number, start: bigint): void {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  metrics.httpRequests.inc({ service, method: method ?? 'GET', route, status_code: String(status) });
  metrics.httpDuration.observe({ service, method: method ?? 'GET', route }, seconds);
  if (route !== '/healthz' && route !== '/readyz' && route !== '/metrics') {
    logger.info({ method, route, status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
  }
}

/** RED metrics and one structured log line per request. Routes are labelled by their pattern, not the raw path. */
export function requestMetrics(metrics: Metrics, service: string, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => observeRequest(metrics, service, logger, req.method, routeLabel(req), res.statusCode, start));
    next();
  };
}

/** A path served straight from node:http, ahead of Express (the MCP endpoint: its hot path skips routing). */
export interface RawRoute {
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Puts `routes` in front of the server's existing request listener (Express): a request whose path
 * is exactly a route's path goes to that route, with the same metrics and log line Express requests
 * get; everything else goes to Express as before.
 */
export function mountRawRoutes(server: Server, routes: RawRoute[], metrics: Metrics, service: string, logger: Logger): void {
  if (routes.length === 0) return;
  const byPath = new Map(routes.map((r) => [r.path, r]));
  const fallback = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = byPath.get(q < 0 ? url : url.slice(0, q));
    if (!route) {
      for (const l of fallback) l(req, res);
      return;
    }
    const start = process.hrtime.bigint();
    res.on('finish', () => observeRequest(metrics, service, logger, req.method, route.path, res.statusCode, start));
    route.handle(req, res).catch((err: unknown) => {
      logger.error({ route: route.path, err: (err as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', error_description: 'Internal error in Portcullis; the log has the details.' });
      else res.destroy();
    });
  });
}

/** Writes a JSON response with node:http (no Express). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function routeLabel(req: Request): string {
  const path = (req.route as { path?: string } | undefined)?.path;
  if (typeof path === 'string') return (req.baseUrl ?? '') + path;
  // Unmatched or handled outside the router (e.g. the MCP endpoint): keep cardinality bounded.
  const p = req.path;
  if (p === '/mcp' || p.startsWith('/.well-known/')) return p;
  return 'other';
}

/** Routes Nest's own log lines into pino, so a process writes one JSON format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export type BodyRead = { ok: true; text: string } | { ok: false; tooLarge: true; bytes: number };

/**
 * Reads a request body as UTF-8, refusing once it passes `limit` bytes without buffering the rest
 * (the remainder is drained): chunked bodies carry no Content-Length to check up front.
 */
export function readBoundedBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.resume();
        resolve({ ok: false, tooLarge: true, bytes: size });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve({ ok: true, text: Buffer.concat(chunks, size).toString('utf8') });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}
