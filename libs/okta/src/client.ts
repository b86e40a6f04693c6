import { Agent, errors as undiciErrors, request as undiciRequest, type Dispatcher } from 'undici';
import { assertSafeOrgUrl, parseOrgAllowlist } from './org-url';
import { OktaApiError, errorFromResponse } from './errors';
import {
  firstHeader,
  parseNextLink,
  parseRateLimit,
  rateLimitWaitMs,
  type HeaderBag,
  type RateLimitInfo,
} from './headers';
import type { OktaCredential } from './types';

/**
 * A thin, typed HTTP client for the Okta Management API, built for per-user credentials:
 * every call names its own {@link OktaCredential}; the client keeps no token, no session and no
 * response cache (the official Node SDK caches GETs by URL across callers — exactly what must not
 * happen when callers are different people). Only the connection pool (keep-alive sockets) is
 * shared.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface OktaClientOptions {
  /** Extra allowed org origins beyond Okta's public domains, e.g. `['http://127.0.0.1:*']`. */
  orgAllowlist?: readonly string[];
  /** Per-attempt timeout (connect → last body byte). Default 10 s. */
  timeoutMs?: number;
  /** Total time the client may spend waiting out 429s for one call before failing. Default 5 s. */
  rateLimitBudgetMs?: number;
  /** Maximum 429 retries per call (within the budget). Default 2. */
  maxRateLimitRetries?: number;
  /** Largest response body accepted, in bytes. Default 8 MiB. */
  maxResponseBytes?: number;
  /** Connection pool to use; by default the client owns a keep-alive `Agent`. */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Observability hook, called once per HTTP exchange (including retried ones). */
  onExchange?: (info: ExchangeInfo) => void;
  /** Test seam for rate-limit waits. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ExchangeInfo {
  method: HttpMethod;
  /** Path without query (no ids are redacted; do not use as a metric label). */
  path: string;
  status: number;
  durationMs: number;
  requestId?: string;
  rateLimit: RateLimitInfo;
}

export interface OktaRequest {
  method: HttpMethod;
  /** Absolute path, e.g. from {@link oktaPath}. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

export interface OktaResponse<T> {
  status: number;
  /** Parsed JSON body, `undefined` for empty bodies (204, lifecycle 200s). */
  data: T | undefined;
  requestId?: string;
  rateLimit: RateLimitInfo;
  nextUrl?: string;
}

export interface PageBounds {
  /** Pages to fetch at most (default 1). */
  maxPages?: number;
  /** Items to collect at most; the last page's `limit` is shrunk so the cursor stays exact. */
  maxItems?: number;
}

export interface OktaPage<T> {
  items: T[];
  /** Okta's opaque `after` cursor for the next page, when there is one. */
  nextCursor?: string;
  /** True when Okta announced a next page (even if it carried no `after` cursor). */
  hasMore: boolean;
  pages: number;
  rateLimit: RateLimitInfo;
  requestIds: string[];
}

const DEFAULTS = {
  timeoutMs: 10_000,
  rateLimitBudgetMs: 5_000,
  maxRateLimitRetries: 2,
  maxResponseBytes: 8 * 1024 * 1024,
  userAgent: 'portcullis-okta/0.1 (+https://github.com/portcullis)',
};

/** Margin added to a rate-limit wait: the reset header has one-second granularity. */
const RATE_LIMIT_MARGIN_MS = 50;

/**
 * Builds an API path with every interpolated value percent-encoded as ONE path segment, so an id
 * or login can never add segments, queries or traversal (`..` is refused outright because URL
 * parsers normalise even its encoded form).
 */
export function oktaPath(strings: TemplateStringsArray, ...values: string[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    if (typeof v !== 'string' || v.length === 0 || v === '.' || v === '..') {
      throw new TypeError(`Invalid Okta path segment ${JSON.stringify(v)}.`);
    }
    out += encodeURIComponent(v) + (strings[i + 1] ?? '');
  });
  return out;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isSocketError(err: unknown): boolean {
  return (
    err instanceof undiciErrors.SocketError ||
    (err instanceof Error &&
      ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes((err as { code?: string }).code ?? ''))
  );
}

export class OktaClient {
  private readonly allow;
  private readonly opts: typeof DEFAULTS & Pick<OktaClientOptions, 'onExchange'>;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: OktaClientOptions = {}) {
    this.allow = parseOrgAllowlist(options.orgAllowlist ?? []);
    this.opts = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      rateLimitBudgetMs: options.rateLimitBudgetMs ?? DEFAULTS.rateLimitBudgetMs,
      maxRateLimitRetries: options.maxRateLimitRetries ?? DEFAULTS.maxRateLimitRetries,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      userAgent: options.userAgent ?? DEFAULTS.userAgent,
      ...(options.onExchange ? { onExchange: options.onExchange } : {}),
    };
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 300_000,
        connections: 128,
        connect: { timeout: 5_000 },
      });
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Validates the org URL against the SSRF rules; returns the normalized origin. */
  orgOrigin(orgUrl: string): string {
    return assertSafeOrgUrl(orgUrl, this.allow);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One API call, with bounded 429 waiting. Throws {@link OktaApiError} for any non-2xx outcome. */
  async request<T>(cred: OktaCredential, req: OktaRequest): Promise<OktaResponse<T>> {
    const origin = this.orgOrigin(cred.orgUrl);
    const url = new URL(req.path, origin);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return this.exchange<T>(cred, req.method, url, req.body, req.signal);
  }

  /**
   * A GET over a paginated collection: follows `Link: rel="next"` within `bounds`, only ever to the
   * same origin and path (a hostile or broken `Link` must not redirect the caller's token).
   */
  async list<T>(
    cred: OktaCredential,
    req: Omit<OktaRequest, 'method' | 'body'>,
    bounds: PageBounds = {},
  ): Promise<OktaPage<T>> {
    const maxPages = Math.max(1, bounds.maxPages ?? 1);
    const maxItems = bounds.maxItems ?? Number.POSITIVE_INFINITY;
    const origin = this.orgOrigin(cred.orgUrl);
    let url = new URL(req.path, origin);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const basePath = url.pathname;
    const items: T[] = [];
    const requestIds: string[] = [];
    let pages = 0;
    let rateLimit: RateLimitInfo = {};
    for (;;) {
      const res = await this.exchange<unknown>(cred, 'GET', url, undefined, req.signal);
      pages += 1;
      rateLimit = res.rateLimit;
      if (res.requestId) requestIds.push(res.requestId);
      if (!Array.isArray(res.data)) {
        throw new OktaApiError({
          kind: 'unexpected',
          status: res.status,
          errorSummary: 'Expected a JSON array from a collection endpoint.',
          method: 'GET',
          path: basePath,
          ...(res.requestId ? { requestId: res.requestId } : {}),
        });
      }
      items.push(...(res.data as T[]));
      if (!res.nextUrl) return { items, hasMore: false, pages, rateLimit, requestIds };

      let next: URL;
      try {
        next = new URL(res.nextUrl, origin);
      } catch {
        next = new URL('invalid:');
      }
      if (next.origin !== origin || next.pathname !== basePath) {
        throw new OktaApiError({
          kind: 'unexpected',
          status: res.status,
          errorSummary:
            'Okta returned a pagination link to a different origin or path; refusing to follow it.',
          method: 'GET',
          path: basePath,
          ...(res.requestId ? { requestId: res.requestId } : {}),
        });
      }
      const cursor = next.searchParams.get('after') ?? undefined;
      const remaining = maxItems - items.length;
      // An empty page with a next link is Okta's polling mode (System Log without `until`): stop.
      if (pages >= maxPages || remaining <= 0 || res.data.length === 0) {
        return {
          items,
          hasMore: true,
          pages,
          rateLimit,
          requestIds,
          ...(cursor ? { nextCursor: cursor } : {}),
        };
      }
      const limit = Number(next.searchParams.get('limit'));
      if (Number.isFinite(remaining) && (!Number.isFinite(limit) || limit <= 0 || limit > remaining)) {
        next.searchParams.set('limit', String(remaining));
      }
      url = next;
    }
  }

  private async exchange<T>(
    cred: OktaCredential,
    method: HttpMethod,
    url: URL,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<OktaResponse<T>> {
    if (cred.tokenType !== 'Bearer' && cred.tokenType !== 'SSWS') {
      throw new TypeError('Okta credential tokenType must be "Bearer" or "SSWS".');
    }
    if (!cred.accessToken || /[\s\u0000-\u001f\u007f]/.test(cred.accessToken)) {
      throw new OktaApiError({
        kind: 'invalid_token',
        status: 0,
        errorSummary: 'The Okta access token is empty or malformed.',
        method,
        path: url.pathname,
      });
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `${cred.tokenType} ${cred.accessToken}`,
      'user-agent': this.opts.userAgent,
    };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    } else if (method === 'POST' || method === 'PUT') {
      // Okta answers 411 to a body-less POST/PUT without Content-Length: 0.
      payload = '';
    }

    let waitedMs = 0;
    let rateLimitRetries = 0;
    let socketRetried = false;
    for (;;) {
      const started = performance.now();
      const timeout = AbortSignal.timeout(this.opts.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let status: number;
      let resHeaders: HeaderBag;
      let text: string;
      try {
        const res = await undiciRequest(url, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
          dispatcher: this.dispatcher,
          signal: combined,
        });
        status = res.statusCode;
        resHeaders = res.headers as HeaderBag;
        text = await this.readBody(res.body, method, url.pathname);
      } catch (err) {
        if (err instanceof OktaApiError) throw err;
        if (signal?.aborted) throw signal.reason ?? err;
        // A pooled keep-alive socket closed by the far side just before reuse: safe to retry a GET once.
        if (method === 'GET' && !socketRetried && !timeout.aborted && isSocketError(err)) {
          socketRetried = true;
          continue;
        }
        throw new OktaApiError({
          kind: 'upstream_unavailable',
          status: 0,
          errorSummary: timeout.aborted
            ? `Okta did not answer within ${Math.round(this.opts.timeoutMs / 1000)} s.`
            : `Could not reach Okta (${(err as { code?: string }).code ?? (err as Error).message ?? 'network error'}).`,
          method,
          path: url.pathname,
          cause: err,
        });
      }
      const requestId = firstHeader(resHeaders, 'x-okta-request-id');
      const rateLimit = parseRateLimit(resHeaders);
      this.opts.onExchange?.({
        method,
        path: url.pathname,
        status,
        durationMs: performance.now() - started,
        rateLimit,
        ...(requestId ? { requestId } : {}),
      });

      if (status === 429) {
        const wait = rateLimitWaitMs(resHeaders, Date.now()) ?? 1000;
        if (
          rateLimitRetries < this.opts.maxRateLimitRetries &&
          waitedMs + wait <= this.opts.rateLimitBudgetMs
        ) {
          rateLimitRetries += 1;
          waitedMs += wait;
          await this.sleep(wait + RATE_LIMIT_MARGIN_MS, signal);
          continue;
        }
      }
      if (status < 200 || status >= 300) {
        throw errorFromResponse({ status, headers: resHeaders, bodyText: text, method, path: url.pathname });
      }
      let data: T | undefined;
      if (text.length > 0) {
        try {
          data = JSON.parse(text) as T;
        } catch (err) {
          throw new OktaApiError({
            kind: 'unexpected',
            status,
            errorSummary: 'Okta returned a body that is not JSON.',
            method,
            path: url.pathname,
            cause: err,
            ...(requestId ? { requestId } : {}),
          });
        }
      }
      const nextUrl = parseNextLink(resHeaders);
      return {
        status,
        data,
        rateLimit,
        ...(requestId ? { requestId } : {}),
        ...(nextUrl ? { nextUrl } : {}),
      };
    }
  }

  private async readBody(
    body: Dispatcher.ResponseData['body'],
    method: HttpMethod,
    path: string,
  ): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > this.opts.maxResponseBytes) {
        body.destroy();
        throw new OktaApiError({
          kind: 'unexpected',
          status: 0,
          errorSummary: `Okta response exceeded ${this.opts.maxResponseBytes} bytes.`,
          method,
          path,
        });
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
