/**
 * Parsers for the response headers the Okta Management API uses for flow control: rate limits
 * (`X-Rate-Limit-*`), cursor pagination (`Link: <…>; rel="next"`) and OAuth scope challenges
 * (`WWW-Authenticate: Bearer … error="insufficient_scope", scope="…"`).
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

export function headerValues(headers: HeaderBag, name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function firstHeader(headers: HeaderBag, name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export interface RateLimitInfo {
  /** Requests allowed in the current window. */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** When the window resets (epoch seconds, as Okta sends it). */
  resetEpochSeconds?: number;
}

function intHeader(headers: HeaderBag, name: string): number | undefined {
  const values = headerValues(headers, name);
  // Okta documents a single value; several (e.g. added by a proxy) make the number untrustworthy.
  if (values.length !== 1) return undefined;
  const n = Number(values[0]!.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

export function parseRateLimit(headers: HeaderBag): RateLimitInfo {
  const info: RateLimitInfo = {};
  const limit = intHeader(headers, 'x-rate-limit-limit');
  const remaining = intHeader(headers, 'x-rate-limit-remaining');
  const reset = intHeader(headers, 'x-rate-limit-reset');
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (reset !== undefined) info.resetEpochSeconds = reset;
  return info;
}

/**
 * How long to wait before the rate-limit window reopens, in ms. Uses the response's own `Date`
 * header as "now" when present, because `X-Rate-Limit-Reset` is on Okta's clock, not ours.
 * `Retry-After` (not documented by Okta, but harmless) wins when it asks for longer.
 */
export function rateLimitWaitMs(headers: HeaderBag, nowMs: number): number | undefined {
  const reset = intHeader(headers, 'x-rate-limit-reset');
  let wait: number | undefined;
  if (reset !== undefined) {
    const dateHeader = firstHeader(headers, 'date');
    const serverNow = dateHeader ? Date.parse(dateHeader) : NaN;
    const base = Number.isFinite(serverNow) ? serverNow : nowMs;
    wait = Math.max(0, reset * 1000 - base);
  }
  const retryAfter = firstHeader(headers, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    const ra = Number(retryAfter.trim()) * 1000;
    wait = wait === undefined ? ra : Math.max(wait, ra);
  }
  return wait;
}

/** Returns the `rel="next"` target of RFC 8288 `Link` headers (Okta sends one header per link). */
export function parseNextLink(headers: HeaderBag): string | undefined {
  for (const value of headerValues(headers, 'link')) {
    // A single header may also hold several comma-separated links.
    const re = /<([^>]*)>\s*((?:;\s*[a-zA-Z*]+\s*=\s*(?:"[^"]*"|[^;,]*)\s*)*)/g;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      const params = m[2] ?? '';
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(params);
      const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return m[1];
    }
  }
  return undefined;
}

export interface BearerChallenge {
  error?: string;
  errorDescription?: string;
  scope?: string;
}

/**
 * Parses the `Bearer` challenge of a `WWW-Authenticate` header. Okta may prefix it with a `DPoP`
 * challenge on DPoP-bound apps, so the Bearer part is located rather than assumed first.
 */
export function parseBearerChallenge(headers: HeaderBag): BearerChallenge | undefined {
  for (const value of headerValues(headers, 'www-authenticate')) {
    const idx = value.search(/(?:^|[\s,])Bearer\s/i);
    if (idx < 0) continue;
    const rest = value.slice(idx).replace(/^[\s,]*Bearer\s+/i, '');
    const params: Record<string, string> = {};
    const re = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
    for (let m = re.exec(rest); m; m = re.exec(rest)) {
      const key = m[1]!.toLowerCase();
      // A new scheme (e.g. `DPoP algs=…` after the Bearer part) ends the Bearer parameters.
      if (params[key] !== undefined) break;
      params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    }
    const challenge: BearerChallenge = {};
    if (params['error']) challenge.error = params['error'];
    if (params['error_description']) challenge.errorDescription = params['error_description'];
    if (params['scope']) challenge.scope = params['scope'];
    return challenge;
  }
  return undefined;
}
