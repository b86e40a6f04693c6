import { processEnv } from '@portcullis/config';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimClock } from '../core/clock';
import { BareHttpError, Errors, OAuthError, OktaApiError } from '../core/errors';
import { requestId } from '../core/ids';
import { SimOrg, type CreateOidcAppInput } from '../core/org';
import { seedOrg, seedRecentLogs, type SeedInfo, type SizeSpec } from '../core/seed';
import { registerAppRoutes } from '../management/apps';
import { Authorizer } from '../management/authz';
import { registerGroupRoutes } from '../management/groups';
import { registerLogRoutes } from '../management/logs';
import { registerUserRoutes } from '../management/users';
import { ClientAuthenticator } from '../oauth/client-auth';
import { sharedInitialKeyPair, type GeneratedKeyPair } from '../oauth/jwt';
import { KeyStore } from '../oauth/keys';
import { OAuthServer, oauthErrorResponse } from '../oauth/routes';
import { TokenService, type TokenLifetimes } from '../oauth/tokens';
import type { SimContext } from './context';
import { SimControlImpl, type ControlHost } from './control';
import type { SimRequest, SimResponse } from './http';
import { RateLimiter, rateLimitFamily, type RateLimitOptions } from './rate-limit';
import { Router } from './router';

export interface SimulatorConfig {
  port: number;
  host: string;
  seed: number;
  size: SizeSpec | undefined;
  issuerUrl?: string;
  rateLimit?: RateLimitOptions;
  /** Shared secret for `/__sim/*`; `false` disables the HTTP control API. */
  controlSecret: string | false;
  /** Recent System Log events to pre-populate (default scales with org size). */
  seedLogEvents?: number;
}

const MAX_BODY = 1024 * 1024;

/**
 * Owns one simulated org: state, authorization server, Management API, rate limiter, faults, and the
 * node:http server in front of them.
 */
export class Simulator implements ControlHost {
  readonly clock = new SimClock();
  readonly org: SimOrg;
  readonly keys: KeyStore;
  readonly tokens: TokenService;
  readonly clients: ClientAuthenticator;
  readonly rateLimiter: RateLimiter;
  readonly control: SimControlImpl;
  readonly oauth: OAuthServer;
  seedInfo!: SeedInfo;
  /** Service-app key pair registered at start (exposed through fixtures). */
  serviceKey!: GeneratedKeyPair;
  url = '';
  port = 0;
  private readonly router = new Router();
  private readonly controlRouter: Router;
  private server: Server | null = null;
  /** Redirect URIs added at runtime to fixture apps survive `reset()` (the gateway's port is random). */
  private readonly runtimeRedirects = new Map<string, Set<string>>();

  constructor(private readonly config: SimulatorConfig) {
    this.org = new SimOrg(this.clock, config.seed + 1);
    this.keys = new KeyStore(() => this.clock.now());
    this.tokens = new TokenService(this.org, this.keys, this.clock);
    this.clients = new ClientAuthenticator(this.org, this.clock);
    this.rateLimiter = new RateLimiter(config.rateLimit);
    this.control = new SimControlImpl(config.controlSecret || randomBytes(24).toString('base64url'), this);
    this.controlRouter = this.control.buildRouter();
    const ctx: SimContext = {
      org: this.org,
      tokens: this.tokens,
      keys: this.keys,
      clock: this.clock,
      clients: this.clients,
    };
    this.org.addListener({
      redirectUriAdded: (clientId, uri) => {
        const set = this.runtimeRedirects.get(clientId) ?? new Set<string>();
        set.add(uri);
        this.runtimeRedirects.set(clientId, set);
      },
    });
    this.oauth = new OAuthServer(ctx);
    this.oauth.register(this.router);
    const deps = { ctx, authz: new Authorizer(ctx) };
    registerUserRoutes(this.router, deps);
    registerGroupRoutes(this.router, deps);
    registerAppRoutes(this.router, deps);
    registerLogRoutes(this.router, deps);
  }

  async start(): Promise<void> {
    // RSA generation runs on libuv's threadpool: seed the org on the main thread meanwhile.
    const keysReady = Promise.all([this.keys.init(), sharedInitialKeyPair('service-app')]);
    keysReady.catch(() => undefined);
    this.seedInfo = seedOrg(this.org, this.config.seed, this.config.size);
    const [, serviceKey] = await keysReady;
    this.serviceKey = serviceKey;
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      this.handle(req, res).catch(() => {
        // handle() never rejects in practice; never leak details to the client.
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.config.port, this.config.host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.port = addr.port;
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    this.url = (
      this.config.issuerUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`
    ).replace(/\/+$/, '');
    this.org.issuer = this.url;
    this.finishSeed();
  }

  private seed(): void {
    this.seedInfo = seedOrg(this.org, this.config.seed, this.config.size);
    this.finishSeed();
  }

  /** The parts of seeding that need the keys / URL: service-app JWKS, runtime redirect URIs, recent logs. */
  private finishSeed(): void {
    const service = this.org.apps.get(this.seedInfo.serviceAppId);
    if (service?.oauth) service.oauth.jwks = [{ ...this.serviceKey.publicJwk, status: 'ACTIVE' }];
    for (const [clientId, uris] of this.runtimeRedirects) {
      const app = this.org.appByClientId(clientId);
      if (app?.oauth)
        for (const u of uris) if (!app.oauth.redirectUris.includes(u)) app.oauth.redirectUris.push(u);
    }
    const count =
      this.config.seedLogEvents ?? Math.min(2000, Math.max(50, Math.floor(this.org.users.size / 2)));
    seedRecentLogs(this.org, this.config.seed, count);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- request pipeline ----------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rid = requestId();
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const path = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const method = (req.method ?? 'GET').toUpperCase();
    const hasLength = req.headers['content-length'] !== undefined;
    const hasBody = hasLength || req.headers['transfer-encoding'] !== undefined;
    let body: Buffer | null = null;
    if (hasBody) {
      body = await readBody(req);
      if (body === null) return send(res, { status: 413, headers: {} }, rid, null);
    }
    const sreq: SimRequest = {
      method,
      path,
      query: new URLSearchParams(qi < 0 ? '' : rawUrl.slice(qi + 1)),
      headers: req.headers,
      body,
      origin: req.headers.host ? `http://${req.headers.host}` : this.url,
      ip: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: String(req.headers['user-agent'] ?? ''),
      requestId: rid,
      params: {},
    };

    if (path.startsWith('/__sim/')) {
      if (this.config.controlSecret === false) return send(res, jsonError(Errors.pathNotFound()), rid, null);
      const denied = this.control.authorize(sreq);
      if (denied) return send(res, denied, rid, null);
      return send(res, await this.dispatch(this.controlRouter, sreq), rid, null);
    }

    const family = rateLimitFamily(path);
    const delay = this.control.latencyFor(path);
    if (delay > 0) await sleep(delay);

    const stormSeconds = this.control.stormFor(path);
    if (stormSeconds !== null) {
      const limit = this.rateLimiter.limitFor(family);
      const rl = { limit, remaining: 0, reset: Math.floor(Date.now() / 1000) + stormSeconds };
      return send(res, jsonError(Errors.rateLimited({})), rid, rl);
    }
    const decision = this.rateLimiter.take(family);
    if (decision.exceeded) return send(res, jsonError(Errors.rateLimited({})), rid, decision);

    const injected = this.control.injectedError(path);
    if (injected !== null) return send(res, injectedErrorResponse(injected), rid, decision);

    // Okta's front end requires Content-Length on body-less POST/PUT (e.g. lifecycle operations).
    if ((method === 'POST' || method === 'PUT') && !hasBody && path.startsWith('/api/')) {
      return send(res, lengthRequired(), rid, decision);
    }
    return send(res, await this.dispatch(this.router, sreq), rid, decision);
  }

  private async dispatch(router: Router, req: SimRequest): Promise<SimResponse> {
    const m = router.match(req.method, req.path);
    try {
      if (m.kind === 'not-found') {
        if (req.path.startsWith('/api/v1/')) throw Errors.notFound(req.path.slice(8), 'Path');
        throw Errors.pathNotFound();
      }
      if (m.kind === 'method-not-allowed') throw Errors.methodNotAllowed(m.allow);
      req.params = m.params;
      return await m.handler(req);
    } catch (e) {
      return toResponse(e);
    }
  }

  // ---- ControlHost ---------------------------------------------------------------------------

  revokeUserTokens(userIdOrLogin: string): number {
    const user = this.org.findUser(userIdOrLogin);
    return user ? this.tokens.revokeUser(user.id) : 0;
  }

  revokeToken(token: string): boolean {
    return this.tokens.revokeToken(token);
  }

  expireToken(token: string): boolean {
    return this.tokens.expireToken(token);
  }

  async rotateKeys(dropPrevious: boolean): Promise<{ kid: string; publishedKids: string[] }> {
    const key = await this.keys.rotate({ dropPrevious });
    return { kid: key.kid, publishedKids: this.keys.jwks().keys.map((k) => k.kid) };
  }

  setTokenLifetimes(l: Partial<TokenLifetimes>): void {
    Object.assign(this.tokens.lifetimes, l);
  }

  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  configureRateLimits(opts: RateLimitOptions): void {
    this.rateLimiter.configure(opts);
  }

  resetRateLimitCounters(): void {
    this.rateLimiter.resetCounters();
  }

  addRedirectUri(clientId: string, uri: string): void {
    this.org.addRedirectUri(clientId, uri);
  }

  createOidcApp(input: CreateOidcAppInput): Record<string, unknown> {
    const app = this.org.createOidcApp(input);
    return {
      id: app.id,
      clientId: app.oauth?.clientId,
      clientSecret: app.oauth?.clientSecret,
      redirectUris: app.oauth?.redirectUris,
      grantedScopes: [...app.grants.keys()],
    };
  }

  async reset(): Promise<void> {
    this.org.clear(this.config.seed + 1);
    this.org.issuer = this.url;
    this.tokens.reset();
    this.clients.reset();
    this.oauth.reset();
    this.clock.reset();
    this.rateLimiter.resetCounters();
    this.seed();
  }

  state(): Record<string, unknown> {
    return {
      url: this.url,
      counts: {
        users: this.org.users.size,
        groups: this.org.groups.size,
        apps: this.org.apps.size,
        logEvents: this.org.logs.size,
      },
      tokens: this.tokens.stats(),
      rateLimits: this.rateLimiter.snapshot(),
      tokenLifetimes: { ...this.tokens.lifetimes },
      clock: { now: this.clock.iso(), offsetMs: this.clock.offset },
      signingKeys: this.keys.jwks().keys.map((k) => k.kid),
    };
  }
}

function jsonError(e: OktaApiError): SimResponse {
  return {
    status: e.status,
    headers: { 'Content-Type': 'application/json', ...e.headers },
    body: JSON.stringify(e.body()),
  };
}

/** OKTA_SIM_DEBUG=1 prints unexpected errors (the response never carries them). */
const debugUnhandled = Boolean(processEnv()['OKTA_SIM_DEBUG']);

/** Maps any thrown value to a response; unknown errors become Okta's generic 500 (no stack traces). */
function toResponse(e: unknown): SimResponse {
  if (e instanceof OktaApiError) return jsonError(e);
  if (e instanceof BareHttpError) return { status: e.status, headers: { ...e.headers } };
  if (e instanceof OAuthError) return oauthErrorResponse(e);
  if (debugUnhandled) console.error('[okta-sim] unhandled error', e);
  return jsonError(Errors.internal());
}

function injectedErrorResponse(status: 500 | 502 | 503 | 504): SimResponse {
  if (status === 500) return jsonError(Errors.internal());
  if (status === 503) return jsonError(Errors.unavailable());
  const text = status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
  return {
    status,
    headers: { 'Content-Type': 'text/html' },
    body: `<html><head><title>${text}</title></head><body><center><h1>${text}</h1></center></body></html>`,
  };
}

function lengthRequired(): SimResponse {
  return {
    status: 411,
    headers: { 'Content-Type': 'text/html' },
    body: '<html><head><title>411 Length Required</title></head><body><center><h1>411 Length Required</h1></center></body></html>',
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

function send(
  res: ServerResponse,
  r: SimResponse,
  rid: string,
  rl: { limit: number; remaining: number; reset: number } | null,
): void {
  const headers: Record<string, string | string[] | number> = { ...r.headers, 'X-Okta-Request-Id': rid };
  if (rl) {
    headers['X-Rate-Limit-Limit'] = String(rl.limit);
    headers['X-Rate-Limit-Remaining'] = String(rl.remaining);
    headers['X-Rate-Limit-Reset'] = String(rl.reset);
  }
  if (!('Cache-Control' in headers)) headers['Cache-Control'] = 'no-cache, no-store';
  if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
  else headers['Content-Length'] = 0;
  res.writeHead(r.status, headers);
  res.end(r.body);
}
