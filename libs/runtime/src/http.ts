import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { Logger, Metrics } from '@portcullis/observability';
import type { NextFunction, Request, Response } from 'express';

/** RED metrics and one structured log line per request. Routes are labelled by their pattern, not the raw path. */
export function requestMetrics(metrics: Metrics, service: string, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeLabel(req);
      metrics.httpRequests.inc({ service, method: req.method, route, status_code: String(res.statusCode) });
      metrics.httpDuration.observe({ service, method: req.method, route }, seconds);
      if (route !== '/healthz' && route !== '/readyz' && route !== '/metrics') {
        logger.info(
          { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    });
    next();
  };
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
