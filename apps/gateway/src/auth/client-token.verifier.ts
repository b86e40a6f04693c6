import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ClientChanged } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import type { AuthenticatedCaller } from './caller';

export type TokenRejection = { error: 'invalid_token' | 'insufficient_scope'; description: string; status: 401 | 403 };

const CLIENT_TYPES = new Set(['personal', 'shared', 'service', 'ephemeral']);
/** Verified tokens are remembered this long at most (and never past their expiry). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;
const CLOCK_TOLERANCE_S = 5;

/**
 * Validates AI clients' bearer tokens on every MCP request: signature (cached JWKS from auth),
 * issuer, audience = this gateway's MCP resource, expiry, required scope, and revocation (closed
 * clients and revoked token ids arrive as events). The token never leaves the gateway.
 */
@Injectable()
export class ClientTokenVerifier implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly closedClients = new Set<string>();
  private readonly revokedTokens = new Map<string, number>();
  /**
   * Signature and claim checks already passed, by token: an AI client sends the same token on
   * every request, and an RSA verification per request is the largest cost of the hot path after
   * the upstream call. Revocation and client state are still checked on every request.
   */
  private readonly verified = new Map<string, { caller: AuthenticatedCaller; until: number }>();
  private sub?: Subscription;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await this.bus.subscribe(ClientChanged, { group: 'portcullis-gateway-revocations', broadcast: true, fromBeginning: true }, async (e) => {
      if (e.tenantId !== this.platform.tenantId) return;
      if (e.payload.change === 'closed') this.closedClients.add(e.payload.clientId);
      if (e.payload.change === 'activated') this.closedClients.delete(e.payload.clientId);
      const until = Date.now() + 24 * 3600_000;
      for (const jti of e.payload.revokedTokenIds ?? []) this.revokedTokens.set(jti, until);
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }

  async verify(authorization: string | undefined): Promise<AuthenticatedCaller | TokenRejection> {
    const m = authorization ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization) : null;
    if (!m) return { error: 'invalid_token', status: 401, description: 'A bearer access token from the Portcullis authorization server is required.' };
    const now = Date.now();
    const known = this.verified.get(m[1]!);
    if (known && known.until > now) return this.stillValid(known.caller);
    if (known) this.verified.delete(m[1]!);
    const verdict = await this.verifySignature(m[1]!);
    if ('error' in verdict) return verdict;
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(m[1]!, { caller: verdict, until: Math.min(now + VERIFIED_TTL_MS, verdict.expiresAt + CLOCK_TOLERANCE_S * 1000) });
    return this.stillValid(verdict);
  }

  /** Checks that can change while a token is valid: a closed AI client, a revoked token. */
  private stillValid(caller: AuthenticatedCaller): AuthenticatedCaller | TokenRejection {
    if (this.closedClients.has(caller.clientId)) return { error: 'invalid_token', status: 401, description: 'This AI client has been closed by an administrator.' };
    if (this.revokedTokens.has(caller.tokenId)) return { error: 'invalid_token', status: 401, description: 'The access token has been revoked.' };
    return caller;
  }

  private async verifySignature(token: string): Promise<AuthenticatedCaller | TokenRejection> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.resource,
        algorithms: ['RS256', 'ES256'],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp', 'jti'],
      }));
    } catch (err) {
      return { error: 'invalid_token', status: 401, description: describeJoseError(err, this.config) };
    }
    const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [];
    if (!scopes.includes(this.config.MCP_REQUIRED_SCOPE)) {
      return { error: 'insufficient_scope', status: 403, description: `The access token lacks the "${this.config.MCP_REQUIRED_SCOPE}" scope.` };
    }
    const clientId = String(payload['client_id'] ?? '');
    const rawType = String(payload['client_type'] ?? 'personal');
    const groups = Array.isArray(payload['groups']) ? payload['groups'].filter((g): g is string => typeof g === 'string') : [];
    return {
      userId: payload.sub!,
      ...(typeof payload['email'] === 'string' ? { email: payload['email'] } : {}),
      ...(typeof payload['name'] === 'string' ? { name: payload['name'] } : {}),
      groups,
      clientId,
      ...(typeof payload['client_name'] === 'string' ? { clientName: payload['client_name'] } : {}),
      clientType: (CLIENT_TYPES.has(rawType) ? rawType : 'personal') as AuthenticatedCaller['clientType'],
      scopes,
      tokenId: String(payload.jti),
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  }
}

function describeJoseError(err: unknown, config: GatewayConfig): string {
  if (err instanceof joseErrors.JWTExpired) return 'The access token has expired; refresh it or sign in again.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `The access token was issued for another resource; request one with resource=${config.resource}.`;
    if (err.claim === 'iss') return `The access token was not issued by ${config.issuer}.`;
    return `The access token's "${err.claim}" claim is invalid.`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    return 'The access token signature is not valid (forged, or signed by an unknown key).';
  }
  if (err instanceof joseErrors.JWKSTimeout || (err as { code?: string }).code === 'ERR_JOSE_GENERIC') {
    return 'The authorization server keys could not be fetched; retry shortly.';
  }
  return 'The access token is malformed or not a Portcullis access token.';
}
