import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBoundedBody } from '@portcullis/runtime';
import { PROBLEM_CONTENT_TYPE, type ProblemBody, problemType } from './problem';

/** The admin API's route prefixes (governance's share of /api/v1). */
export const GOVERNANCE_API_PATHS = [
  '/api/v1/servers',
  '/api/v1/catalog',
  '/api/v1/tools',
  '/api/v1/toolsets',
  '/api/v1/profiles',
  '/api/v1/settings',
  '/api/v1/kill-switches',
  '/api/v1/effective-access',
  '/api/v1/policy',
];

function sendProblem(
  res: ServerResponse,
  status: number,
  slug: string,
  title: string,
  detail: string,
  instance: string,
): void {
  const body: ProblemBody = { type: problemType(slug), title, status, detail, instance };
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/**
 * Reads admin API request bodies before Nest does, so the limits and parse errors answer as
 * problem details: oversized → 413, malformed JSON → 400, non-JSON → 415. The generic body parser
 * sees a finished request afterwards and leaves `req.body` alone.
 */
export function adminBodyReader(maxBytes: number) {
  return (
    req: IncomingMessage & { body?: unknown; _body?: boolean },
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const method = req.method ?? 'GET';
    if (
      !['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ||
      !GOVERNANCE_API_PATHS.some((p) => path === p || path.startsWith(p + '/'))
    ) {
      next();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (!Number.isFinite(declared) || declared === 0)) {
      next();
      return;
    }
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      sendProblem(
        res,
        413,
        'payload-too-large',
        'Payload too large',
        `The request body is ${declared} bytes; the admin API accepts at most ${maxBytes} bytes per request. Split the change into smaller requests.`,
        path,
      );
      return;
    }
    if (!isJson(req.headers['content-type'])) {
      req.resume();
      sendProblem(
        res,
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the request body as JSON with "Content-Type: application/json".',
        path,
      );
      return;
    }
    readBoundedBody(req, maxBytes).then(
      (read) => {
        if (!read.ok) {
          sendProblem(
            res,
            413,
            'payload-too-large',
            'Payload too large',
            `The request body exceeds ${maxBytes} bytes, the admin API's limit per request. Split the change into smaller requests.`,
            path,
          );
          return;
        }
        if (read.text.trim() === '') {
          req.body = undefined;
          req._body = true;
          next();
          return;
        }
        try {
          req.body = JSON.parse(read.text);
          req._body = true;
        } catch (err) {
          sendProblem(
            res,
            400,
            'malformed-json',
            'Malformed JSON',
            `The request body is not valid JSON: ${(err as Error).message}.`,
            path,
          );
          return;
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
