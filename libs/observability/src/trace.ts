import { randomBytes } from 'node:crypto';

/**
 * W3C trace context: Portcullis carries `traceparent` across HTTP (header) and the bus (event
 * envelope + message header) so one tool call can be followed through gateway, auth and audit.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** Continues an incoming trace with a new span id, or starts a new trace when the header is absent/invalid. */
export function childTraceparent(incoming?: string | null): string {
  const m = incoming ? TRACEPARENT.exec(incoming) : null;
  if (!m || m[1] === '0'.repeat(32)) return newTraceparent();
  return `00-${m[1]}-${randomBytes(8).toString('hex')}-${m[3]}`;
}

export function traceIdOf(traceparent?: string | null): string | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return m?.[1];
}
