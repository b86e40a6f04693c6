import { Pool } from 'undici';

/**
 * A small MCP load generator over undici: raw JSON-RPC `POST /mcp` requests (stateless 2025-06-18
 * style, the cheapest a client can be), either closed-loop (N concurrent workers, saturation) or
 * open-loop at a fixed rate. Bounded in time and count; loopback only.
 */
export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(latencies: number[], errors: number, seconds: number): LoadResult {
  const sorted = latencies.sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    requests: latencies.length,
    errors,
    seconds: r(seconds),
    rps: Math.round(latencies.length / seconds),
    p50: r(percentile(sorted, 50)),
    p90: r(percentile(sorted, 90)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted[sorted.length - 1] ?? NaN),
  };
}

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: (i: number) => string;
  /** Throws when the response is not a successful JSON-RPC result. */
  check?: (text: string) => void;
}

export function toolsCallBody(name: string, args: Record<string, unknown>) {
  return (i: number) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name, arguments: args } });
}

export function toolsListBody() {
  return (i: number) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/list', params: {} });
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

export function expectResult(text: string): void {
  if (!text.includes('"result"') || text.includes('"isError":true')) throw new Error(`unexpected response: ${text.slice(0, 300)}`);
}

async function one(pool: Pool, path: string, t: Target, i: number): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await pool.request({ method: 'POST', path, headers: t.headers, body: t.body(i) });
  const text = await res.body.text();
  // Stop the clock at the last byte: validating the answer is the load generator's own work.
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  t.check?.(text);
  return ms;
}

/** Closed loop: `concurrency` workers send back-to-back for `seconds` (or `maxRequests`). */
export async function closedLoop(t: Target, opts: { concurrency: number; seconds: number; maxRequests?: number; warmupSeconds?: number }): Promise<LoadResult> {
  const u = new URL(t.url);
  const pool = new Pool(u.origin, { connections: opts.concurrency, pipelining: 1 });
  try {
    if (opts.warmupSeconds) await runLoop(pool, u.pathname, t, opts.concurrency, opts.warmupSeconds * 1000, Infinity);
    const started = performance.now();
    const { latencies, errors } = await runLoop(pool, u.pathname, t, opts.concurrency, opts.seconds * 1000, opts.maxRequests ?? Infinity);
    return summarize(latencies, errors, (performance.now() - started) / 1000);
  } finally {
    await pool.close();
  }
}

async function runLoop(pool: Pool, path: string, t: Target, concurrency: number, ms: number, max: number) {
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  let lastError = '';
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end && i < max) {
        const n = i++;
        try {
          latencies.push(await one(pool, path, t, n));
        } catch (err) {
          errors++;
          lastError = (err as Error).message;
        }
      }
    }),
  );
  if (errors && latencies.length === 0) throw new Error(`every request failed; last error: ${lastError}`);
  return { latencies, errors };
}

/** Open loop at a fixed rate: requests start on schedule whatever the latency (no coordinated omission). */
export async function fixedRate(t: Target, opts: { rate: number; seconds: number; warmupSeconds?: number }): Promise<LoadResult> {
  const u = new URL(t.url);
  const pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
  try {
    if (opts.warmupSeconds) await runLoop(pool, u.pathname, t, 8, opts.warmupSeconds * 1000, Infinity);
    const latencies: number[] = [];
    let errors = 0;
    const total = Math.round(opts.rate * opts.seconds);
    const interval = 1000 / opts.rate;
    const started = performance.now();
    const inflight: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + n * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const scheduled = due;
      inflight.push(
        one(pool, u.pathname, t, n).then(
          (ms) => {
            // Latency from the scheduled start, so a stalled server shows up as latency.
            latencies.push(Math.max(ms, performance.now() - scheduled));
          },
          () => {
            errors++;
          },
        ),
      );
    }
    await Promise.all(inflight);
    return summarize(latencies, errors, (performance.now() - started) / 1000);
  } finally {
    await pool.close();
  }
}
