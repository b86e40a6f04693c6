import { AdminTokenRevoked, ClientChanged } from '@portcullis/contracts';
import { sha256Hex, type ServiceTokenSigner } from '@portcullis/crypto';
import type { EventBus, Subscription } from '@portcullis/messaging';

/**
 * Who is calling an admin API. Portcullis accepts two kinds of bearer credential on its admin
 * APIs (governance, audit): an admin API token (automation) and a Portcullis access token of a
 * signed-in user whose IdP groups make them an admin. `auth` owns both and answers for them at
 * `POST /internal/v1/introspect` on the authenticated internal channel.
 */
export interface Principal {
  kind: 'admin_api_token' | 'access_token';
  /** Portcullis user id, or the admin token id. */
  sub: string;
  email?: string;
  name?: string;
  groups: string[];
  scopes: string[];
  admin: boolean;
}

export type IntrospectionResult =
  | ({ active: true } & Principal & {
      /** For access tokens: the AI client (`client_id`) and the token's `jti`. */
      clientId?: string;
      tokenId?: string;
    })
  | { active: false; reason?: string };

export const INTROSPECTION_PATH = '/internal/v1/introspect';

export class IntrospectionUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntrospectionUnavailableError';
  }
}

/**
 * Client of auth's introspection endpoint with a short positive/negative cache (keyed by a hash of
 * the token, never the token) so an admin API burst costs one round trip. Revocations reach it as
 * events (`watchRevocations`): a revoked admin API token, revoked access tokens, a closed AI client
 * are forgotten at once. `cacheMs` bounds how long an answer lives when no event arrives (the bus
 * is down).
 */
export class IntrospectionClient {
  private readonly cache = new Map<string, { at: number; result: IntrospectionResult }>();
  private subscriptions: Subscription[] = [];
  /** Bumped by every revocation event: an answer fetched across one is used once, not remembered. */
  private revocations = 0;

  constructor(
    private readonly authInternalUrl: string,
    private readonly signer: ServiceTokenSigner,
    private readonly cacheMs = 15_000,
  ) {}

  /** Forgets remembered answers as auth announces revocations (one broadcast group per process). */
  async watchRevocations(bus: EventBus, tenantId: string, group: string): Promise<void> {
    this.subscriptions.push(
      await bus.subscribe(AdminTokenRevoked, { group: `${group}-admin-token-revocations`, broadcast: true }, async (e) => {
        if (e.tenantId === tenantId) this.forget((r) => r.kind === 'admin_api_token' && r.sub === e.payload.tokenId);
      }),
      await bus.subscribe(ClientChanged, { group: `${group}-client-revocations`, broadcast: true }, async (e) => {
        if (e.tenantId !== tenantId) return;
        const { change, clientId, revokedTokenIds } = e.payload;
        const revoked = new Set(revokedTokenIds ?? []);
        const clientGone = change === 'closed';
        if (revoked.size === 0 && !clientGone) return;
        this.forget((r) => r.kind === 'access_token' && ((!!r.tokenId && revoked.has(r.tokenId)) || (clientGone && r.clientId === clientId)));
      }),
    );
  }

  /** Nest calls this at shutdown for the providers that hold a client. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subs.map((s) => s.close()));
  }

  private forget(matches: (r: Extract<IntrospectionResult, { active: true }>) => boolean): void {
    this.revocations++;
    for (const [key, entry] of this.cache) if (entry.result.active && matches(entry.result)) this.cache.delete(key);
  }

  async introspect(token: string): Promise<IntrospectionResult> {
    const key = sha256Hex(token);
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.result;
    const revocationsBefore = this.revocations;
    let res: Response;
    try {
      res = await fetch(new URL(INTROSPECTION_PATH, this.authInternalUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await this.signer.authorizationFor('auth') },
        body: JSON.stringify({ token }),
        signal: AbortSignal.timeout(3000),
      });
    } catch (err) {
      throw new IntrospectionUnavailableError(`Cannot reach auth at ${this.authInternalUrl}: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok) throw new IntrospectionUnavailableError(`auth answered introspection with HTTP ${res.status}`);
    const result = (await res.json()) as IntrospectionResult;
    if (this.revocations !== revocationsBefore) return result;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: Date.now(), result });
    return result;
  }
}
