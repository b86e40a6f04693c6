import { Inject, Injectable } from '@nestjs/common';
import { CACHE, type Cache, CacheUnavailableError, type Lock } from '@portcullis/cache';
import { EnvelopeCipher, type ServiceName } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Counter } from 'prom-client';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthEvents, SYSTEM_ACTOR } from '../common/auth-events';
import { UpstreamUnavailableError, ValidationError } from '../common/errors';
import { isUuid } from '../users/user.repository';
import { ConnectTickets } from './connect-tickets';
import {
  type ConnectionRecord,
  ConnectionRepository,
  type ConnectionWriter,
  SERVICE_SUBJECT,
  userSubject,
} from './connection.repository';
import { UpstreamClientsService } from './upstream-clients.service';
import { UpstreamOAuthClient, UpstreamOAuthError, type UpstreamTokenResponse } from './upstream-oauth.client';
import type { UpstreamClientRecord } from './upstream-client.repository';

export type UpstreamTokenResult =
  | {
      status: 'ok';
      accessToken: string;
      tokenType: 'Bearer' | 'SSWS' | 'static';
      headers?: Record<string, string>;
      expiresAt: string | null;
      authorizedAs: string | null;
      scopes: string[];
    }
  | { status: 'connect_required'; connectUrl: string; message: string }
  | { status: 'reconnect_required'; connectUrl: string; reason: string; message: string }
  | { status: 'not_configured'; message: string }
  /** Only to discovery: the server's credentials belong to signed-in users, and discovery has none. */
  | { status: 'user_required'; message: string };

type OkResult = Extract<UpstreamTokenResult, { status: 'ok' }>;

/**
 * A token is handed out only if it has at least this long to live (a quarter of its lifetime for
 * tokens shorter than four minutes); otherwise it is refreshed first.
 */
const EXPIRY_SKEW_MS = 60_000;

export function remainingUsableMs(expiresAt: Date | string, issuedAt: Date | string | null): number {
  const exp = new Date(expiresAt).getTime();
  const lifetime = issuedAt ? exp - new Date(issuedAt).getTime() : Number.POSITIVE_INFINITY;
  const skew = Math.min(EXPIRY_SKEW_MS, Math.max(0, lifetime / 4));
  return exp - Date.now() - skew;
}
const MAX_CACHE_TTL_MS = 3_600_000;
const LOCK_TTL_MS = 20_000;
const WAIT_FOR_REFRESH_MS = 15_000;

/**
 * The token broker: hands the gateway (and discovery) the upstream credential for (server, user).
 *
 * Read path: Redis (sealed copy, TTL below expiry) → Postgres (sealed) → refresh. Refresh is
 * single-flight across replicas: an in-process promise per (server, subject), then a Redis lock;
 * everyone else waits for the winner's result. If Redis is unavailable the same guarantee comes
 * from a Postgres advisory lock (slower, still correct). A refused refresh (`invalid_grant`) marks
 * the connection `needs_reconnect` and tells the gateways.
 */
@Injectable()
export class TokenBroker {
  readonly upstream: UpstreamOAuthClient;
  readonly tickets: ConnectTickets;
  private readonly inflight = new Map<string, Promise<UpstreamTokenResult>>();
  private readonly requests: Counter<'source'>;
  private readonly refreshes: Counter<'outcome'>;

  constructor(
    private readonly configs: UpstreamClientsService,
    private readonly connections: ConnectionRepository,
    private readonly cipher: EnvelopeCipher,
    private readonly events: AuthEvents,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.upstream = new UpstreamOAuthClient(cfg.UPSTREAM_TIMEOUT_MS);
    this.tickets = new ConnectTickets(
      cfg.INTERNAL_SERVICE_SECRET,
      cfg.issuer,
      cfg.CONNECT_TICKET_TTL_SECONDS,
    );
    this.requests = platform.metrics.counter(
      'portcullis_auth_upstream_token_requests_total',
      'Upstream token requests answered by the broker, by where the answer came from.',
      ['source'],
    );
    this.refreshes = platform.metrics.counter(
      'portcullis_token_refreshes_total',
      'Upstream token refreshes (and client-credentials grants), by outcome.',
      ['outcome'],
    );
  }

  private get tenant(): string {
    return this.platform.tenantId;
  }

  /**
   * The credential for (server, user). `caller` is the service asking (from its service token):
   * the gateway asks for a signed-in user; discovery acts for no user (it sends `userId:
   * "discovery"`, which never selects a credential) and gets only a server's shared credential
   * (static headers, service account, client credentials) — never a user's: a per-user server
   * answers `user_required`, whatever `userId` says.
   */
  async upstreamToken(
    req: {
      serverId: string;
      userId: string;
      userEmail?: string;
    },
    caller: ServiceName = 'gateway',
  ): Promise<UpstreamTokenResult> {
    const cfg = await this.configs.get(req.serverId);
    if (!cfg) {
      this.requests.inc({ source: 'not_configured' });
      return {
        status: 'not_configured',
        message: `No upstream credentials are configured for server "${req.serverId}". An administrator must complete the server's registration.`,
      };
    }
    if (cfg.credentialMode === 'static') {
      this.requests.inc({ source: 'static' });
      return this.staticResult(cfg);
    }
    if (caller === 'discovery' && cfg.credentialMode === 'per_user') {
      this.requests.inc({ source: 'user_required' });
      return {
        status: 'user_required',
        message: `${cfg.displayName} uses per-user OAuth: its credentials belong to each signed-in user, and discovery acts for none. Give the server a service account, client credentials or a static credential to discover it with one.`,
      };
    }
    if (cfg.credentialMode === 'per_user' && !isUuid(req.userId))
      throw new ValidationError('userId must be the Portcullis user id (the access token `sub`).');
    const subject = cfg.credentialMode === 'per_user' ? userSubject(req.userId) : SERVICE_SUBJECT;
    const cached = await this.fromCache(cfg, subject);
    if (cached) {
      this.requests.inc({ source: 'cache' });
      return cached;
    }
    const conn = await this.connections.find(this.tenant, cfg.serverId, subject);
    const stored = await this.fromStored(cfg, conn, req.userId);
    if (stored !== 'refresh') {
      this.requests.inc({ source: stored.status === 'ok' ? 'database' : stored.status });
      return stored;
    }
    this.requests.inc({ source: 'refresh' });
    return this.refreshOnce(cfg, subject, req.userId);
  }

  // ---- stored state ----------------------------------------------------------------------------

  private cacheKey(cfg: UpstreamClientRecord, subject: string): string {
    return `auth:upstream-token:${this.tenant}:${cfg.serverId}:r${cfg.revision}:${subject}`;
  }

  private cacheContext(cfg: UpstreamClientRecord, subject: string): string {
    return `auth.token-cache:${this.tenant}:${cfg.serverId}:${subject}`;
  }

  connectionContext(serverId: string, subject: string, which: 'access' | 'refresh'): string {
    return `auth.connection:${this.tenant}:${serverId}:${subject}:${which}`;
  }

  private async fromCache(cfg: UpstreamClientRecord, subject: string): Promise<OkResult | null> {
    let raw: string | null;
    try {
      raw = await this.cache.get(this.cacheKey(cfg, subject));
    } catch {
      return null;
    }
    if (!raw) return null;
    try {
      const v = JSON.parse(this.cipher.decrypt(raw, this.cacheContext(cfg, subject))) as OkResult & {
        issuedAt?: string;
      };
      if (v.expiresAt && remainingUsableMs(v.expiresAt, v.issuedAt ?? null) > 0) {
        delete v.issuedAt;
        return v;
      }
    } catch {
      // Sealed under a key no longer configured, or garbage: treat as a miss.
    }
    return null;
  }

  private async toCache(
    cfg: UpstreamClientRecord,
    subject: string,
    v: OkResult,
    issuedAt: Date | null,
  ): Promise<void> {
    if (!v.expiresAt) return;
    const ttl = Math.min(MAX_CACHE_TTL_MS, remainingUsableMs(v.expiresAt, issuedAt));
    if (ttl <= 1000) return;
    const value = JSON.stringify({ ...v, ...(issuedAt ? { issuedAt: issuedAt.toISOString() } : {}) });
    await this.cache
      .set(this.cacheKey(cfg, subject), this.cipher.encrypt(value, this.cacheContext(cfg, subject)), ttl)
      .catch(() => undefined);
  }

  async forget(cfg: UpstreamClientRecord, subject: string): Promise<void> {
    await this.cache.del(this.cacheKey(cfg, subject)).catch(() => undefined);
  }

  /** What the stored connection gives without calling the upstream, or 'refresh' when a refresh is needed. */
  private async fromStored(
    cfg: UpstreamClientRecord,
    conn: ConnectionRecord | null,
    userId: string,
  ): Promise<UpstreamTokenResult | 'refresh'> {
    if (!conn) {
      if (cfg.credentialMode === 'client_credentials') return 'refresh';
      if (cfg.credentialMode === 'service') {
        return {
          status: 'connect_required',
          connectUrl: this.serviceConnectUrl(cfg.serverId),
          message: `${cfg.displayName} uses a shared service account that has not been connected yet. A Portcullis administrator must connect it once at the link.`,
        };
      }
      return {
        status: 'connect_required',
        connectUrl: await this.tickets.url({ userId, serverId: cfg.serverId }),
        message: `Connect your ${cfg.displayName} account to Portcullis: open the link, sign in, and approve. Then run the tool again.`,
      };
    }
    // Client credentials need no person: a client-credentials connection marked "needs reconnect"
    // (earlier versions did so on a refused grant) simply asks the authorization server again.
    if (conn.status === 'needs_reconnect' && cfg.credentialMode === 'client_credentials') return 'refresh';
    if (conn.status === 'needs_reconnect')
      return this.reconnectResult(
        cfg,
        conn,
        userId,
        conn.reconnectReason ?? 'The connection must be re-authorized.',
      );
    if (
      conn.accessTokenSealed &&
      conn.accessTokenExpiresAt &&
      remainingUsableMs(conn.accessTokenExpiresAt, conn.lastRefreshedAt) > 0
    ) {
      const result = this.okResult(
        conn,
        this.cipher.decrypt(
          conn.accessTokenSealed,
          this.connectionContext(conn.serverId, conn.subject, 'access'),
        ),
      );
      await this.toCache(cfg, conn.subject, result, conn.lastRefreshedAt);
      return result;
    }
    return 'refresh';
  }

  private okResult(conn: ConnectionRecord, accessToken: string): OkResult {
    return {
      status: 'ok',
      accessToken,
      tokenType: 'Bearer',
      expiresAt: conn.accessTokenExpiresAt?.toISOString() ?? null,
      authorizedAs: conn.authorizedAs,
      scopes: conn.scopes,
    };
  }

  private staticResult(cfg: UpstreamClientRecord): OkResult {
    const headers = this.configs.staticHeaders(cfg);
    const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    const ssws = auth && /^SSWS\s+/i.test(auth) ? auth.replace(/^SSWS\s+/i, '') : null;
    const bearer = auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : null;
    return {
      status: 'ok',
      accessToken: ssws ?? bearer ?? '',
      tokenType: ssws ? 'SSWS' : 'static',
      headers,
      expiresAt: null,
      authorizedAs: `static credential of ${cfg.displayName}`,
      scopes: cfg.scopes,
    };
  }

  private async reconnectResult(
    cfg: UpstreamClientRecord,
    conn: ConnectionRecord,
    userId: string,
    reason: string,
  ): Promise<UpstreamTokenResult> {
    if (conn.mode === 'service') {
      return {
        status: 'reconnect_required',
        connectUrl: this.serviceConnectUrl(cfg.serverId),
        reason,
        message: `The shared ${cfg.displayName} service account must be reconnected by a Portcullis administrator.`,
      };
    }
    return {
      status: 'reconnect_required',
      connectUrl: await this.tickets.url({ userId, serverId: cfg.serverId }),
      reason,
      message: `Your ${cfg.displayName} connection must be renewed: open the link and approve again. Then run the tool again.`,
    };
  }

  serviceConnectUrl(serverId: string): string {
    return `${this.cfg.issuer}/connect/service/start?serverId=${encodeURIComponent(serverId)}`;
  }

  // ---- refresh, single-flight --------------------------------------------------------------------

  private refreshOnce(
    cfg: UpstreamClientRecord,
    subject: string,
    userId: string,
  ): Promise<UpstreamTokenResult> {
    const key = `${cfg.serverId}\u0000${subject}`;
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = this.refreshAcrossReplicas(cfg, subject, userId).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async refreshAcrossReplicas(
    cfg: UpstreamClientRecord,
    subject: string,
    userId: string,
  ): Promise<UpstreamTokenResult> {
    const lockKey = `auth:upstream-refresh:${this.tenant}:${cfg.serverId}:${subject}`;
    let lock: Lock | null;
    try {
      lock = await this.cache.acquireLock(lockKey, LOCK_TTL_MS);
    } catch (err) {
      if (!(err instanceof CacheUnavailableError)) throw err;
      this.platform.logger.warn(
        { serverId: cfg.serverId },
        'cache unavailable: refreshing under a database lock',
      );
      return this.refreshUnderDatabaseLock(cfg, subject, userId);
    }
    if (lock) {
      try {
        const fresh = await this.connections.find(this.tenant, cfg.serverId, subject);
        const stored = await this.fromStored(cfg, fresh, userId);
        if (stored !== 'refresh') return stored;
        return await this.performRefresh(cfg, subject, fresh, userId, this.connections);
      } finally {
        await lock.release();
      }
    }
    return this.waitForRefresh(cfg, subject, userId, lockKey);
  }

  /** Another replica holds the lock: wait for its result (cache first, then the database). */
  private async waitForRefresh(
    cfg: UpstreamClientRecord,
    subject: string,
    userId: string,
    lockKey: string,
  ): Promise<UpstreamTokenResult> {
    const deadline = Date.now() + WAIT_FOR_REFRESH_MS;
    let round = 0;
    while (Date.now() < deadline) {
      await sleep(round < 10 ? 50 : 150);
      round++;
      const cached = await this.fromCache(cfg, subject);
      if (cached) return cached;
      if (round % 3 === 0) {
        const stored = await this.fromStored(
          cfg,
          await this.connections.find(this.tenant, cfg.serverId, subject),
          userId,
        );
        if (stored !== 'refresh') return stored;
        // The holder may have died: its lock expires, and then one waiter takes over.
        const lock = await this.cache.acquireLock(lockKey, LOCK_TTL_MS).catch(() => null);
        if (lock) {
          try {
            const fresh = await this.connections.find(this.tenant, cfg.serverId, subject);
            const again = await this.fromStored(cfg, fresh, userId);
            if (again !== 'refresh') return again;
            return await this.performRefresh(cfg, subject, fresh, userId, this.connections);
          } finally {
            await lock.release();
          }
        }
      }
    }
    throw new UpstreamUnavailableError(
      `Timed out waiting for another replica to refresh the ${cfg.displayName} token; retry.`,
    );
  }

  private refreshUnderDatabaseLock(
    cfg: UpstreamClientRecord,
    subject: string,
    userId: string,
  ): Promise<UpstreamTokenResult> {
    return this.connections.withSubjectLock(this.tenant, cfg.serverId, subject, async (conn, writer) => {
      const stored = await this.fromStored(cfg, conn, userId);
      if (stored !== 'refresh') return stored;
      return this.performRefresh(cfg, subject, conn, userId, writer);
    });
  }

  private async performRefresh(
    cfg: UpstreamClientRecord,
    subject: string,
    conn: ConnectionRecord | null,
    userId: string,
    writer: ConnectionWriter,
  ): Promise<UpstreamTokenResult> {
    const client = this.configs.open(cfg);
    let resp: UpstreamTokenResponse;
    try {
      if (cfg.credentialMode === 'client_credentials') {
        resp = await this.upstream.token(client, {
          grant_type: 'client_credentials',
          ...(cfg.scopes.length ? { scope: cfg.scopes.join(' ') } : {}),
        });
      } else {
        if (!conn?.refreshTokenSealed) {
          return this.markReconnect(
            cfg,
            conn!,
            userId,
            'The upstream access token expired and no refresh token was issued (is offline_access granted?); reconnect.',
            writer,
          );
        }
        const refreshToken = this.cipher.decrypt(
          conn.refreshTokenSealed,
          this.connectionContext(cfg.serverId, subject, 'refresh'),
        );
        resp = await this.upstream.token(client, {
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        });
      }
    } catch (err) {
      if (err instanceof UpstreamOAuthError && err.error === 'invalid_grant' && cfg.credentialMode === 'client_credentials') {
        // No user can fix this by reconnecting: the client's own grant is refused.
        this.refreshes.inc({ outcome: 'invalid_grant' });
        throw new UpstreamUnavailableError(
          `${cfg.displayName} refused Portcullis's client-credentials grant (invalid_grant: ${err.description}); an administrator must check the client's grants and scopes at the authorization server.`,
        );
      }
      if (err instanceof UpstreamOAuthError && err.error === 'invalid_grant' && conn) {
        this.refreshes.inc({ outcome: 'invalid_grant' });
        return this.markReconnect(
          cfg,
          conn,
          userId,
          `${cfg.displayName} refused the stored grant: ${err.description}`,
          writer,
        );
      }
      this.refreshes.inc({ outcome: 'error' });
      if (err instanceof UpstreamOAuthError) {
        throw new UpstreamUnavailableError(
          err.error === 'invalid_client'
            ? `${cfg.displayName} refused Portcullis's client credentials (invalid_client: ${err.description}); an administrator must check the client id and secret.`
            : `${cfg.displayName} refused the token request (${err.error}: ${err.description}).`,
        );
      }
      throw err;
    }
    this.refreshes.inc({ outcome: 'ok' });
    const tokens = {
      accessTokenSealed: this.cipher.encrypt(
        resp.accessToken,
        this.connectionContext(cfg.serverId, subject, 'access'),
      ),
      accessTokenExpiresAt: resp.expiresAt,
      refreshTokenSealed: resp.refreshToken
        ? this.cipher.encrypt(resp.refreshToken, this.connectionContext(cfg.serverId, subject, 'refresh'))
        : (conn?.refreshTokenSealed ?? null),
      scopes: resp.scopes ?? conn?.scopes ?? cfg.scopes,
      tokenType: 'Bearer',
    };
    let saved: ConnectionRecord | null;
    if (!conn) {
      saved = await writer.upsertConnected(this.tenant, {
        serverId: cfg.serverId,
        subject,
        userId: null,
        mode: 'client_credentials',
        authorizedAs: `client ${cfg.clientId}`,
        authorizedBy: null,
        ...tokens,
      });
    } else {
      saved = await writer.updateTokens(this.tenant, conn.id, conn.version, tokens);
    }
    const result: OkResult = {
      status: 'ok',
      accessToken: resp.accessToken,
      tokenType: 'Bearer',
      expiresAt: resp.expiresAt.toISOString(),
      authorizedAs: saved?.authorizedAs ?? conn?.authorizedAs ?? null,
      scopes: tokens.scopes,
    };
    if (!saved)
      this.platform.logger.warn(
        { serverId: cfg.serverId },
        'refreshed an upstream token but the connection changed meanwhile; not stored',
      );
    else await this.toCache(cfg, subject, result, saved.lastRefreshedAt);
    if (conn) {
      await this.events.connectionChangedBestEffort([
        {
          serverId: cfg.serverId,
          ...(conn.userId ? { userId: conn.userId } : {}),
          change: 'refreshed',
          mode: conn.mode,
          ...(conn.authorizedAs ? { authorizedAs: conn.authorizedAs } : {}),
        },
      ]);
    }
    return result;
  }

  private async markReconnect(
    cfg: UpstreamClientRecord,
    conn: ConnectionRecord,
    userId: string,
    reason: string,
    writer: ConnectionWriter,
  ): Promise<UpstreamTokenResult> {
    await writer.markNeedsReconnect(this.tenant, conn.id, reason);
    await this.forget(cfg, conn.subject);
    await this.events.connectionChanged([
      {
        serverId: cfg.serverId,
        ...(conn.userId ? { userId: conn.userId } : {}),
        change: 'needs_reconnect',
        mode: conn.mode,
        reason,
        ...(conn.authorizedAs ? { authorizedAs: conn.authorizedAs } : {}),
      },
    ]);
    await this.events.audit(
      'auth.connection.needs_reconnect',
      SYSTEM_ACTOR,
      { type: 'connection', id: conn.id },
      `Connection to ${cfg.displayName} ${conn.userId ? `of user ${conn.userId} ` : '(service) '}needs to be reconnected`,
      {
        serverId: cfg.serverId,
        reason,
      },
    );
    return this.reconnectResult(cfg, { ...conn, status: 'needs_reconnect' }, userId, reason);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
