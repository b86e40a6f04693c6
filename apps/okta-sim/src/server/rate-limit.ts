/**
 * Okta-style rate limiting: fixed one-minute windows per endpoint family ("bucket"), reported on every
 * response as `X-Rate-Limit-Limit / -Remaining / -Reset` (reset = UTC epoch seconds). Uses wall-clock
 * time (not the simulated clock) so the Reset header means what clients expect.
 */

export interface RateLimitOptions {
  /** false = never return 429 (headers are still sent). Default true. */
  enabled?: boolean;
  /** Window length; Okta uses one minute. */
  windowSeconds?: number;
  /** Requests per window per family, e.g. `{ 'api/v1/users': 100 }`; merged over the defaults. */
  limits?: Record<string, number>;
  /** Limit for families not listed in `limits`. */
  defaultLimit?: number;
}

/**
 * Defaults are generous (comparable to a large Okta org) so ordinary test suites never trip them;
 * tests that want 429s lower one family via options or `control.setRateLimits`.
 */
export const DEFAULT_RATE_LIMITS: Record<string, number> = {
  'api/v1/users': 6000,
  'api/v1/groups': 6000,
  'api/v1/apps': 6000,
  'api/v1/logs': 1200,
  'api/v1': 6000,
  'oauth2/v1/token': 6000,
  'oauth2/v1/authorize': 6000,
  'oauth2/v1': 12000,
};

export function rateLimitFamily(path: string): string {
  if (path.startsWith('/api/v1/')) {
    const seg = path.slice(8).split('/')[0];
    if (seg === 'users' || seg === 'groups' || seg === 'apps' || seg === 'logs') return `api/v1/${seg}`;
    return 'api/v1';
  }
  if (path === '/oauth2/v1/token') return 'oauth2/v1/token';
  if (path === '/oauth2/v1/authorize' || path.startsWith('/login/')) return 'oauth2/v1/authorize';
  return 'oauth2/v1';
}

export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Epoch seconds when the window resets. */
  reset: number;
  exceeded: boolean;
}

interface Bucket {
  windowStart: number;
  count: number;
}

export class RateLimiter {
  enabled: boolean;
  windowSeconds: number;
  private limits: Record<string, number>;
  private defaultLimit: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: RateLimitOptions = {}) {
    this.enabled = opts.enabled ?? true;
    this.windowSeconds = opts.windowSeconds ?? 60;
    this.limits = { ...DEFAULT_RATE_LIMITS, ...(opts.limits ?? {}) };
    this.defaultLimit = opts.defaultLimit ?? 6000;
  }

  configure(opts: RateLimitOptions): void {
    if (opts.enabled !== undefined) this.enabled = opts.enabled;
    if (opts.windowSeconds !== undefined) this.windowSeconds = opts.windowSeconds;
    if (opts.limits) this.limits = { ...this.limits, ...opts.limits };
    if (opts.defaultLimit !== undefined) this.defaultLimit = opts.defaultLimit;
    this.buckets.clear();
  }

  resetCounters(): void {
    this.buckets.clear();
  }

  limitFor(family: string): number {
    return this.limits[family] ?? this.defaultLimit;
  }

  snapshot(): {
    enabled: boolean;
    windowSeconds: number;
    limits: Record<string, number>;
    defaultLimit: number;
  } {
    return {
      enabled: this.enabled,
      windowSeconds: this.windowSeconds,
      limits: { ...this.limits },
      defaultLimit: this.defaultLimit,
    };
  }

  /** Counts the request against its family's bucket and says whether it is over the limit. */
  take(family: string, nowMs = Date.now()): RateLimitDecision {
    const limit = this.limitFor(family);
    const windowMs = this.windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    let b = this.buckets.get(family);
    if (!b || b.windowStart !== windowStart) {
      b = { windowStart, count: 0 };
      this.buckets.set(family, b);
    }
    const reset = Math.ceil((windowStart + windowMs) / 1000);
    if (this.enabled && b.count >= limit) return { limit, remaining: 0, reset, exceeded: true };
    b.count++;
    return { limit, remaining: Math.max(0, limit - b.count), reset, exceeded: false };
  }
}
