import { randomBytes } from 'node:crypto';

/**
 * W3C trace context: Portcullis carries `traceparent` across HTTP (header) and the bus (event
 * envelope + message header) so one tool call can be followed through gateway, auth and audit.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Trace and span ids come from a pool of random bytes refilled 8 KiB at a time: one randomBytes()
// call per id was ~3% of the gateway's CPU per tool call (each is a trip into the CSPRNG).
const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let poolOffset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex; never all zeros (an invalid W3C id). */
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      pool = randomBytes(POOL_BYTES);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, (poolOffset += bytes));
    if (/[^0]/.test(hex)) return hex;
  }
}

export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** Continues an incoming trace with a new span id, or starts a new trace when the header is absent/invalid. */
export function childTraceparent(incoming?: string | null): string {
  const m = incoming ? TRACEPARENT.exec(incoming) : null;
  if (!m || m[1] === '0'.repeat(32)) return newTraceparent();
  return `00-${m[1]}-${randomHex(8)}-${m[3]}`;
}

export function traceIdOf(traceparent?: string | null): string | undefined {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return m?.[1];
}
