import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { SecretDecryptionError } from '@portcullis/crypto';
import type { Response } from 'express';
import {
  ConflictError,
  InvalidTokenError,
  NotFoundError,
  OAuthError,
  UpstreamUnavailableError,
  ValidationError,
} from './errors';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** OAuth endpoints (token, register, revoke): RFC 6749 §5.2 JSON errors, never Nest's default shape. */
@Catch()
export class OAuthErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('auth.oauth');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (err instanceof OAuthError) {
      res
        .status(err.status)
        .set({ ...NO_STORE, ...err.headers })
        .json({ error: err.error, error_description: err.description });
      return;
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      const error = status === 401 ? 'invalid_client' : status >= 500 ? 'server_error' : 'invalid_request';
      res
        .status(status)
        .set(NO_STORE)
        .json({ error, error_description: messageOf(err) });
      return;
    }
    this.log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    res.status(500).set(NO_STORE).json({
      error: 'server_error',
      error_description: 'The authorization server failed unexpectedly; retry, and report it if it persists.',
    });
  }
}

/** Admin and internal JSON APIs: RFC 9457 problem details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly log = new Logger('auth.api');

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const send = (
      status: number,
      title: string,
      detail: string,
      extra: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) => {
      res
        .status(status)
        .set({ 'Content-Type': 'application/problem+json', ...NO_STORE, ...headers })
        .send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
    };
    if (err instanceof ValidationError)
      return send(400, 'Invalid request', err.message, err.problems.length ? { problems: err.problems } : {});
    if (err instanceof NotFoundError) return send(404, 'Not found', err.message);
    if (err instanceof ConflictError) return send(409, 'Conflict', err.message);
    if (err instanceof InvalidTokenError) {
      const desc = err.message.replace(/"/g, "'");
      return send(
        401,
        'Unauthorized',
        err.message,
        { error: 'invalid_token', error_description: err.message },
        {
          'WWW-Authenticate': `Bearer error="invalid_token", error_description="${desc}"`,
        },
      );
    }
    if (err instanceof UpstreamUnavailableError) return send(502, 'Upstream unavailable', err.message);
    if (err instanceof OAuthError)
      return send(err.status, err.error, err.description, {
        error: err.error,
        error_description: err.description,
      });
    if (err instanceof SecretDecryptionError) {
      this.log.error(err.message);
      return send(500, 'Stored secret unreadable', err.message);
    }
    if (err instanceof HttpException) {
      const status = err.getStatus();
      return send(
        status,
        err.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'),
        messageOf(err),
      );
    }
    this.log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return send(
      500,
      'Internal error',
      'The auth service failed unexpectedly; retry, and report it if it persists.',
    );
  }
}

function messageOf(err: HttpException): string {
  const r = err.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : err.message;
}
