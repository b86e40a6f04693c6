import { timingSafeEqual } from 'node:crypto';
import { Errors, OktaApiError } from '../core/errors';
import type { CreateOidcAppInput } from '../core/org';
import type { TokenLifetimes } from '../oauth/tokens';
import { json, noContent, type SimRequest, type SimResponse } from './http';
import type { RateLimitOptions } from './rate-limit';
import { Router } from './router';

export interface LatencyFault {
  fixedMs: number;
  jitterMs: number;
  /** Only requests whose path starts with this prefix (default: every non-control request). */
  pathPrefix?: string;
}

export interface ErrorFault {
  /** Probability 0..1 that a matching request fails. */
  rate: number;
  /** 500 (E0000009 JSON), 503 (E0000010 JSON), 502/504 (HTML, as a proxy would answer). */
  status: 500 | 502 | 503 | 504;
  pathPrefix?: string;
}

export interface RateLimitStorm {
  /** Epoch ms when the storm ends (absent = until stopped or `requests` are used up). */
  untilMs?: number;
  /** Number of requests to reject before the storm ends on its own. */
  remaining?: number;
  pathPrefix?: string;
}

export interface FaultState {
  latency: LatencyFault | null;
  errors: ErrorFault | null;
  storm: RateLimitStorm | null;
}

/**
 * Fault injection and test hooks, available in-process as `sim.control` and over HTTP under `/__sim/`
 * (see README). Control requests are never delayed, failed or rate-limited.
 */
export interface SimControl {
  /** Shared secret for the HTTP control API (`X-Sim-Control` header). */
  readonly secret: string;
  setLatency(fault: { fixedMs?: number; jitterMs?: number; pathPrefix?: string } | null): void;
  setErrorRate(fault: { rate: number; status?: ErrorFault['status']; pathPrefix?: string } | null): void;
  /** Every matching request gets 429 E0000047 (with X-Rate-Limit-Remaining: 0) while the storm lasts. */
  startRateLimitStorm(opts?: { durationMs?: number; requests?: number; pathPrefix?: string }): void;
  stopRateLimitStorm(): void;
  /** Reconfigure rate-limit buckets (per-minute limits per family) and reset counters. */
  setRateLimits(opts: RateLimitOptions): void;
  resetRateLimitCounters(): void;
  clearFaults(): void;
  faults(): FaultState;
  /** Revokes every access/refresh token and browser session of a user (id or login). Returns tokens revoked. */
  revokeUserTokens(userIdOrLogin: string): number;
  /** Revokes one access or refresh token. */
  revokeToken(token: string): boolean;
  /** Makes one token expired (without moving the clock). */
  expireToken(token: string): boolean;
  /** New active signing key; previous keys stay published (unless dropPrevious) for `retentionMs`. */
  rotateSigningKeys(opts?: { dropPrevious?: boolean }): Promise<{ kid: string; publishedKids: string[] }>;
  setTokenLifetimes(lifetimes: Partial<TokenLifetimes>): void;
  /** Moves the simulator clock forward (expires codes/tokens without sleeping). */
  advanceClock(ms: number): void;
  /** Back to the seeded state: org, tokens, sessions, logs, faults, counters, clock. Keys are kept. */
  reset(): Promise<void>;
}

/** Hooks the control API needs from the simulator core. */
export interface ControlHost {
  revokeUserTokens(userIdOrLogin: string): number;
  revokeToken(token: string): boolean;
  expireToken(token: string): boolean;
  rotateKeys(dropPrevious: boolean): Promise<{ kid: string; publishedKids: string[] }>;
  setTokenLifetimes(l: Partial<TokenLifetimes>): void;
  advanceClock(ms: number): void;
  configureRateLimits(opts: RateLimitOptions): void;
  resetRateLimitCounters(): void;
  reset(): Promise<void>;
  state(): Record<string, unknown>;
  addRedirectUri(clientId: string, uri: string): void;
  createOidcApp(input: CreateOidcAppInput): Record<string, unknown>;
}

export class SimControlImpl implements SimControl {
  private state: FaultState = { latency: null, errors: null, storm: null };

  constructor(
    readonly secret: string,
    private readonly host: ControlHost,
  ) {}

  setLatency(fault: { fixedMs?: number; jitterMs?: number; pathPrefix?: string } | null): void {
    this.state.latency = fault
      ? {
          fixedMs: Math.max(0, fault.fixedMs ?? 0),
          jitterMs: Math.max(0, fault.jitterMs ?? 0),
          pathPrefix: fault.pathPrefix,
        }
      : null;
  }

  setErrorRate(fault: { rate: number; status?: ErrorFault['status']; pathPrefix?: string } | null): void {
    this.state.errors = fault
      ? {
          rate: Math.min(1, Math.max(0, fault.rate)),
          status: fault.status ?? 500,
          pathPrefix: fault.pathPrefix,
        }
      : null;
  }

  startRateLimitStorm(opts: { durationMs?: number; requests?: number; pathPrefix?: string } = {}): void {
    this.state.storm = {
      untilMs: opts.durationMs !== undefined ? Date.now() + opts.durationMs : undefined,
      remaining: opts.requests,
      pathPrefix: opts.pathPrefix,
    };
  }

  stopRateLimitStorm(): void {
    this.state.storm = null;
  }

  setRateLimits(opts: RateLimitOptions): void {
    this.host.configureRateLimits(opts);
  }

  resetRateLimitCounters(): void {
    this.host.resetRateLimitCounters();
  }

  clearFaults(): void {
    this.state = { latency: null, errors: null, storm: null };
  }

  faults(): FaultState {
    return {
      latency: this.state.latency && { ...this.state.latency },
      errors: this.state.errors && { ...this.state.errors },
      storm: this.state.storm && { ...this.state.storm },
    };
  }

  revokeUserTokens(userIdOrLogin: string): number {
    return this.host.revokeUserTokens(userIdOrLogin);
  }

  revokeToken(token: string): boolean {
    return this.host.revokeToken(token);
  }

  expireToken(token: string): boolean {
    return this.host.expireToken(token);
  }

  rotateSigningKeys(
    opts: { dropPrevious?: boolean } = {},
  ): Promise<{ kid: string; publishedKids: string[] }> {
    return this.host.rotateKeys(opts.dropPrevious ?? false);
  }

  setTokenLifetimes(lifetimes: Partial<TokenLifetimes>): void {
    this.host.setTokenLifetimes(lifetimes);
  }

  advanceClock(ms: number): void {
    this.host.advanceClock(ms);
  }

  async reset(): Promise<void> {
    this.clearFaults();
    await this.host.reset();
  }

  // ---- used by the request pipeline ------------------------------------------------------------

  private static matches(prefix: string | undefined, path: string): boolean {
    return !prefix || path.startsWith(prefix);
  }

  latencyFor(path: string): number {
    const l = this.state.latency;
    if (!l || !SimControlImpl.matches(l.pathPrefix, path)) return 0;
    return l.fixedMs + (l.jitterMs ? Math.random() * l.jitterMs : 0);
  }

  /** Consumes one storm request if a storm applies; returns seconds until it ends (≥ 1) or null. */
  stormFor(path: string): number | null {
    const s = this.state.storm;
    if (!s || !SimControlImpl.matches(s.pathPrefix, path)) return null;
    const now = Date.now();
    if (s.untilMs !== undefined && now >= s.untilMs) {
      this.state.storm = null;
      return null;
    }
    if (s.remaining !== undefined) {
      if (s.remaining <= 0) {
        this.state.storm = null;
        return null;
      }
      s.remaining--;
    }
    return s.untilMs !== undefined ? Math.max(1, Math.ceil((s.untilMs - now) / 1000)) : 60;
  }

  injectedError(path: string): ErrorFault['status'] | null {
    const e = this.state.errors;
    if (!e || !SimControlImpl.matches(e.pathPrefix, path)) return null;
    return Math.random() < e.rate ? e.status : null;
  }

  // ---- HTTP control API ----------------------------------------------------------------------

  /** Routes under `/__sim/`. Authorization is checked by `authorize()` before dispatch. */
  buildRouter(): Router {
    const r = new Router();
    const body = (req: SimRequest): Record<string, unknown> => {
      if (!req.body || req.body.length === 0) return {};
      try {
        const v = JSON.parse(req.body.toString('utf8')) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        // fall through
      }
      throw Errors.malformedBody();
    };
    const num = (v: unknown): number | undefined =>
      typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

    r.get('/__sim/state', () => json(200, { faults: this.faults(), ...this.host.state() }));
    r.post('/__sim/latency', (req) => {
      const b = body(req);
      this.setLatency({ fixedMs: num(b.fixedMs), jitterMs: num(b.jitterMs), pathPrefix: str(b.pathPrefix) });
      return json(200, this.faults());
    });
    r.delete('/__sim/latency', () => {
      this.setLatency(null);
      return noContent();
    });
    r.post('/__sim/errors', (req) => {
      const b = body(req);
      const status = num(b.status);
      this.setErrorRate({
        rate: num(b.rate) ?? 1,
        status: status === 502 || status === 503 || status === 504 ? status : 500,
        pathPrefix: str(b.pathPrefix),
      });
      return json(200, this.faults());
    });
    r.delete('/__sim/errors', () => {
      this.setErrorRate(null);
      return noContent();
    });
    r.post('/__sim/rate-limit-storm', (req) => {
      const b = body(req);
      const seconds = num(b.seconds);
      this.startRateLimitStorm({
        durationMs: num(b.durationMs) ?? (seconds !== undefined ? seconds * 1000 : undefined),
        requests: num(b.requests),
        pathPrefix: str(b.pathPrefix),
      });
      return json(200, this.faults());
    });
    r.delete('/__sim/rate-limit-storm', () => {
      this.stopRateLimitStorm();
      return noContent();
    });
    r.put('/__sim/rate-limits', (req) => {
      const b = body(req);
      this.setRateLimits({
        enabled: typeof b.enabled === 'boolean' ? b.enabled : undefined,
        windowSeconds: num(b.windowSeconds),
        defaultLimit: num(b.defaultLimit),
        limits: b.limits && typeof b.limits === 'object' ? (b.limits as Record<string, number>) : undefined,
      });
      return json(200, this.host.state().rateLimits);
    });
    r.delete('/__sim/faults', () => {
      this.clearFaults();
      return noContent();
    });
    r.post('/__sim/revoke', (req) => {
      const b = body(req);
      const token = str(b.token);
      const user = str(b.userId) ?? str(b.login);
      if (token) return json(200, { revoked: this.revokeToken(token) ? 1 : 0 });
      if (user) return json(200, { revoked: this.revokeUserTokens(user) });
      throw Errors.validation(['token: Provide token, userId or login']);
    });
    r.post('/__sim/expire', (req) => {
      const token = str(body(req).token);
      if (!token) throw Errors.validation(['token: The field cannot be left blank']);
      return json(200, { expired: this.expireToken(token) });
    });
    r.post('/__sim/keys/rotate', async (req) =>
      json(200, await this.rotateSigningKeys({ dropPrevious: body(req).dropPrevious === true })),
    );
    r.post('/__sim/clock', (req) => {
      const b = body(req);
      const ms = num(b.advanceMs) ?? (num(b.advanceSeconds) ?? 0) * 1000;
      this.advanceClock(ms);
      return json(200, this.host.state().clock);
    });
    r.put('/__sim/token-lifetimes', (req) => {
      const b = body(req);
      const l: Partial<TokenLifetimes> = {};
      for (const k of [
        'accessTokenSeconds',
        'idTokenSeconds',
        'refreshTokenSeconds',
        'codeSeconds',
        'sessionSeconds',
        'transactionSeconds',
      ] as const) {
        const v = num(b[k]);
        if (v !== undefined) l[k] = v;
      }
      this.setTokenLifetimes(l);
      return json(200, this.host.state().tokenLifetimes);
    });
    r.post('/__sim/reset', async () => {
      await this.reset();
      return noContent();
    });
    r.post('/__sim/apps/:clientId/redirect-uris', (req) => {
      const uri = str(body(req).uri);
      if (!uri) throw Errors.validation(['uri: The field cannot be left blank']);
      this.host.addRedirectUri(req.params.clientId as string, uri);
      return noContent();
    });
    r.post('/__sim/apps', (req) => {
      const b = body(req) as unknown as CreateOidcAppInput;
      if (typeof b.label !== 'string') throw Errors.validation(['label: The field cannot be left blank']);
      return json(200, this.host.createOidcApp(b));
    });
    return r;
  }

  /** Constant-time check of the `X-Sim-Control` header. */
  authorize(req: SimRequest): SimResponse | null {
    const got = req.headers['x-sim-control'];
    const value = Array.isArray(got) ? got[0] : got;
    const a = Buffer.from(value ?? '');
    const b = Buffer.from(this.secret);
    if (a.length === b.length && timingSafeEqual(a, b)) return null;
    const err = new OktaApiError(
      403,
      'E0000006',
      'You do not have permission to perform the requested action',
      ['Missing or wrong X-Sim-Control header'],
    );
    return json(err.status, err.body());
  }
}
