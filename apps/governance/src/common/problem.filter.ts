import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, type ProblemBody, ProblemError, problemType } from './problem';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  428: 'Precondition required',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

const SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  503: 'unavailable',
};

/** Turns any error escaping a governance controller into `application/problem+json`. */
export function toProblem(err: unknown, instance: string): { body: ProblemBody; unexpected: boolean } {
  if (err instanceof ProblemError) return { body: err.toBody(instance), unexpected: false };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const message =
      typeof res === 'string'
        ? res
        : typeof res === 'object' && res && 'message' in res
          ? (res as { message: unknown }).message
          : err.message;
    return {
      body: {
        type: problemType(SLUGS[status] ?? `http-${status}`),
        title: TITLES[status] ?? 'Error',
        status,
        detail: Array.isArray(message) ? message.join('; ') : String(message),
        instance,
      },
      unexpected: status >= 500 && status !== 503,
    };
  }
  return {
    body: {
      type: problemType('internal-error'),
      title: 'Internal error',
      status: 500,
      detail:
        'Governance failed to handle the request; nothing was changed unless a later GET shows otherwise. The error is logged.',
      instance,
    },
    unexpected: true,
  };
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const { body, unexpected } = toProblem(err, req.originalUrl.split('?')[0] ?? req.originalUrl);
    if (unexpected)
      this.platform.logger.error(
        { err, route: req.originalUrl, method: req.method },
        'admin API request failed',
      );
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.status(body.status).setHeader('content-type', PROBLEM_CONTENT_TYPE);
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(text);
  }
}
