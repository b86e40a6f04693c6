import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConnectionChanged } from '@portcullis/contracts';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** What auth's token broker answers for (server, user). */
export type UpstreamCredential =
  | {
      status: 'ok';
      accessToken?: string;
      tokenType?: 'Bearer' | 'SSWS' | 'static';
      headers?: Record<string, string>;
      expiresAt?: string;
      authorizedAs?: string;
      scopes?: string[];
    }
  | { status: 'connect_required' | 'reconnect_required'; connectUrl: string; message: string; reason?: string }
  | { status: 'not_configured'; message: string };

export class BrokerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

const REFRESH_MARGIN_MS = 30_000;

/**
 * The gateway side of the token broker: an in-process cache of upstream credentials per
 * (server, user) in front of auth's internal endpoint, so steady-state calls make no synchronous
 * call at all. Entries expire before the token does and are dropped at once when auth announces a
 * connection change (disconnect, revoke, reconnect needed). Concurrent misses for one key share one
 * request.
 */
@Injectable()
export class TokenBrokerClient implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly cache = new Map<string, { value: Extract<UpstreamCredential, { status: 'ok' }>; until: number }>();
  private readonly inflight = new Map<string, Promise<UpstreamCredential>>();
  private readonly signer: ServiceTokenSigner;
  private readonly lookups;
  private sub?: Subscription;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.signer = new ServiceTokenSigner(config.INTERNAL_SERVICE_SECRET, 'gateway');
    this.lookups = platform.metrics.counter('portcullis_token_cache_requests_total', 'Upstream credential lookups at the gateway, by cache result.', ['result']);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await this.bus.subscribe(ConnectionChanged, { group: 'portcullis-gateway-connections', broadcast: true }, async (e) => {
      if (e.tenantId !== this.platform.tenantId) return;
      if (e.payload.change === 'refreshed' || e.payload.change === 'connected') {
        // A fresh token exists; the cached one still works until it expires, but drop it so the
        // next call picks up the new identity/scopes.
      }
      if (e.payload.userId) this.cache.delete(this.key(e.payload.serverId, e.payload.userId));
      else for (const k of this.cache.keys()) if (k.startsWith(`${e.payload.serverId}|`)) this.cache.delete(k);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }

  private key(serverId: string, userId: string): string {
    return `${serverId}|${userId}`;
  }

  invalidate(serverId: string, userId: string): void {
    this.cache.delete(this.key(serverId, userId));
  }

  async credentialFor(serverId: string, user: { id: string; email?: string }): Promise<UpstreamCredential> {
    const key = this.key(serverId, user.id);
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) {
      this.lookups.inc({ result: 'hit' });
      return hit.value;
    }
    this.lookups.inc({ result: 'miss' });
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchCredential(serverId, user).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const result = await p;
    if (result.status === 'ok') {
      const expires = result.expiresAt ? Date.parse(result.expiresAt) : Date.now() + 5 * 60_000;
      const until = Math.min(expires - REFRESH_MARGIN_MS, Date.now() + 10 * 60_000);
      if (until > Date.now()) {
        if (this.cache.size > 50_000) this.cache.clear();
        this.cache.set(key, { value: result, until });
      }
    }
    return result;
  }

  private async fetchCredential(serverId: string, user: { id: string; email?: string }): Promise<UpstreamCredential> {
    let res: Response;
    try {
      res = await fetch(`${this.config.authInternalUrl}/internal/v1/upstream-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await this.signer.authorizationFor('auth') },
        body: JSON.stringify({ serverId, userId: user.id, ...(user.email ? { userEmail: user.email } : {}) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new BrokerUnavailableError(`The Portcullis token broker is unreachable: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new BrokerUnavailableError(`The Portcullis token broker answered HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`);
    }
    return (await res.json()) as UpstreamCredential;
  }
}
