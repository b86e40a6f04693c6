import { STATUS_CODES } from 'node:http';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
} from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../store/sql';

/** Maps errors once, at the edge, to RFC 9457 problem details (application/problem+json). */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  private get logger() {
    return this.platform.logger;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      // A streaming export failed midway: the status is gone, so cut the stream (the client sees it truncated).
      this.logger.error({ err: exception }, 'audit response failed after it started streaming');
      res.destroy(exception instanceof Error ? exception : undefined);
      return;
    }
    let status = HttpStatus.INTERNAL_SERVER_ERROR;
    let detail = 'The audit service failed to handle this request; it has been logged.';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      detail = Array.isArray(message)
        ? message.join('; ')
        : typeof message === 'string'
          ? message
          : exception.message;
    } else if (isDatabaseUnavailable(exception)) {
      status = HttpStatus.SERVICE_UNAVAILABLE;
      detail = 'The audit store (PostgreSQL) cannot be reached right now; retry shortly.';
      this.logger.warn({ err: exception }, 'audit request failed: database unavailable');
    } else {
      this.logger.error({ err: exception }, 'audit request failed');
    }
    res
      .status(status)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail });
  }
}
