import {
  Client,
  type FetchLike,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { ListedTool } from './hashing';

/**
 * Discovery's MCP client side: connect to one upstream (Streamable HTTP, with 2026-07-28
 * negotiation and fallback to the 2025 handshake, or legacy SSE), list every tool page, and —
 * for servers that announce `tools/list_changed` — hold a watch connection.
 */
export interface UpstreamTarget {
  serverId: string;
  url: string;
  transport: 'streamable_http' | 'sse';
}

/** Headers for each request, computed per request (service tokens are short-lived). */
export type HeaderSource = () => Promise<Record<string, string>>;

export interface UpstreamListing {
  tools: ListedTool[];
  serverInfo?: { name: string; version?: string };
  protocolVersion?: string;
  listChanged: boolean;
}

const CLIENT_INFO = { name: 'portcullis-discovery', version: '0.1.0' };

export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 5; i++) {
    const m = e instanceof Error ? e.message : String(e);
    if (m && !parts.some((p) => p.includes(m))) parts.push(m);
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return (parts.join(': ') || 'unknown error').slice(0, 1500);
}

/**
 * Whether an upstream refused the request for want of (valid) credentials: HTTP 401 or 403 from the
 * Streamable HTTP or SSE transport, anywhere in the cause chain.
 */
export function isAuthRefusal(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; e && i < 5; i++) {
    const x = e as { code?: unknown; status?: unknown; name?: unknown; message?: unknown };
    if (x.code === 401 || x.code === 403 || x.status === 401 || x.status === 403) return true;
    if (x.name === 'UnauthorizedError') return true;
    if (typeof x.message === 'string' && /\(HTTP 40[13]\)|\bHTTP 40[13]\b|\bUnauthorized\b/.test(x.message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function fetchWith(headers: HeaderSource): FetchLike {
  return async (url, init) => {
    const h = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await headers())) h.set(k, v);
    return fetch(url, { ...init, headers: h });
  };
}

function transportFor(target: UpstreamTarget, headers: HeaderSource): Transport {
  const url = new URL(target.url);
  return target.transport === 'sse'
    ? new SSEClientTransport(url, { fetch: fetchWith(headers) })
    : new StreamableHTTPClientTransport(url, {
        fetch: fetchWith(headers),
        reconnectionOptions: {
          maxRetries: 0,
          initialReconnectionDelay: 1000,
          maxReconnectionDelay: 30_000,
          reconnectionDelayGrowFactor: 1.5,
        },
      });
}

function newClient(target: UpstreamTarget, maxPages: number, onToolsChanged?: () => void): Client {
  return new Client(CLIENT_INFO, {
    ...(target.transport === 'sse' ? {} : { versionNegotiation: { mode: 'auto' as const } }),
    listMaxPages: maxPages,
    ...(onToolsChanged
      ? {
          listChanged: {
            tools: {
              autoRefresh: false,
              debounceMs: 250,
              onChanged: () => onToolsChanged(),
            },
          },
        }
      : {}),
  });
}

/** Lists every tool (all pages, following nextCursor) within `timeoutMs`. Throws with a readable reason. */
export async function listUpstreamTools(
  target: UpstreamTarget,
  headers: HeaderSource,
  opts: { timeoutMs: number; maxPages: number },
): Promise<UpstreamListing> {
  const client = newClient(target, opts.maxPages);
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error(`discovery timed out after ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  );
  try {
    await client.connect(transportFor(target, headers), { timeout: opts.timeoutMs, signal: abort.signal });
    const caps = client.getServerCapabilities();
    const info = client.getServerVersion();
    const result = caps?.tools
      ? await client.listTools(undefined, {
          timeout: opts.timeoutMs,
          signal: abort.signal,
          cacheMode: 'bypass',
        })
      : { tools: [] };
    return {
      tools: result.tools as unknown as ListedTool[],
      ...(info
        ? {
            serverInfo: {
              name: String(info.name).slice(0, 200),
              ...(info.version ? { version: String(info.version).slice(0, 100) } : {}),
            },
          }
        : {}),
      ...(client.getNegotiatedProtocolVersion()
        ? { protocolVersion: client.getNegotiatedProtocolVersion()! }
        : {}),
      listChanged: caps?.tools?.listChanged === true,
    };
  } catch (err) {
    if (abort.signal.aborted)
      throw new Error(`${describeError(abort.signal.reason)} (${describeError(err)})`);
    throw err;
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => undefined);
  }
}

/**
 * A long-lived connection that calls `onChanged` when the upstream sends
 * `notifications/tools/list_changed` (over a 2026 `subscriptions/listen` stream or the 2025 GET
 * stream). The connection is recycled periodically and re-established after failures.
 */
export class UpstreamWatch {
  private client?: Client;
  private stopped = false;
  private recycleTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly target: UpstreamTarget,
    private readonly headers: HeaderSource,
    private readonly opts: {
      timeoutMs: number;
      recycleMs: number;
      onChanged: () => void;
      onError: (err: unknown) => void;
    },
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = newClient(this.target, 1, () => this.opts.onChanged());
    client.onerror = (err) => this.opts.onError(err);
    try {
      await client.connect(transportFor(this.target, this.headers), { timeout: this.opts.timeoutMs });
      if (this.stopped) {
        await client.close().catch(() => undefined);
        return;
      }
      this.client = client;
      this.failures = 0;
      this.recycleTimer = setTimeout(() => void this.recycle(), this.opts.recycleMs);
      this.recycleTimer.unref();
    } catch (err) {
      await client.close().catch(() => undefined);
      this.opts.onError(err);
      this.failures++;
      this.retryTimer = setTimeout(
        () => void this.connect(),
        Math.min(60_000, 1000 * 2 ** Math.min(this.failures, 6)),
      );
      this.retryTimer.unref();
    }
  }

  private async recycle(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    await old?.close().catch(() => undefined);
    await this.connect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.recycleTimer) clearTimeout(this.recycleTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
  }
}
