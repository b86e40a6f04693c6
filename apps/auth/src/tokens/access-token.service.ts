import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { errors as joseErrors, type JWTPayload } from 'jose';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import type { ClientType } from '../clients/client.repository';
import { SigningKeysService, UnknownSigningKeyError } from '../keys/signing-keys.service';
import { TokenRepository } from './token.repository';

/** The claims of a Portcullis access token (a JWT, RFC 9068 `at+jwt`). The gateway decides on these without a lookup. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  aud: string;
  /** Portcullis user id (for a service client: the AI client id). */
  sub: string;
  email?: string;
  name?: string;
  /** IdP groups of the user at sign-in (for a service client: the groups an admin gave it). */
  groups: string[];
  /** The AI client (instance) id: what admins close and gateways key kill switches on. */
  client_id: string;
  /** The OAuth client id the token was issued to (DCR id or metadata document URL). */
  azp: string;
  client_type: ClientType;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
}

export type VerifyResult = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

@Injectable()
export class AccessTokenService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly tokens: TokenRepository,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async mint(p: {
    subject: string;
    email?: string | null;
    name?: string | null;
    groups: string[];
    aiClientId: string;
    oauthClientId: string;
    clientType: ClientType;
    scope: string;
    resource: string;
    userId: string | null;
    familyId: string | null;
  }): Promise<{ token: string; jti: string; expiresIn: number; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.cfg.ACCESS_TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const claims: AccessTokenClaims = {
      iss: this.cfg.issuer,
      aud: p.resource,
      sub: p.subject,
      ...(p.email ? { email: p.email } : {}),
      ...(p.name ? { name: p.name } : {}),
      groups: p.groups,
      client_id: p.aiClientId,
      azp: p.oauthClientId,
      client_type: p.clientType,
      scope: p.scope,
      jti,
      iat: now,
      exp: now + ttl,
    };
    const expiresAt = new Date((now + ttl) * 1000);
    await this.tokens.recordAccessToken(this.platform.tenantId, {
      jti,
      aiClientId: p.aiClientId,
      userId: p.userId,
      familyId: p.familyId,
      expiresAt,
    });
    return { token: await this.keys.sign(claims, 'at+jwt'), jti, expiresIn: ttl, expiresAt };
  }

  /**
   * Full validation of a Portcullis access token: signature (a published key), issuer, audience (the
   * gateway resource), expiry, type, then revocation and client state. Reasons are user-readable.
   */
  async verify(token: string, opts: { checkRevocation?: boolean } = {}): Promise<VerifyResult> {
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token))
      return { ok: false, reason: 'The token is not a Portcullis access token (not a JWT).' };
    let payload: JWTPayload;
    try {
      payload = await this.keys.verify(token, { audience: this.cfg.GATEWAY_RESOURCE_URL, typ: 'at+jwt' });
    } catch (err) {
      return { ok: false, reason: describeJoseError(err, this.cfg) };
    }
    const claims = payload as AccessTokenClaims;
    if (
      typeof claims.jti !== 'string' ||
      typeof claims.client_id !== 'string' ||
      typeof claims.sub !== 'string'
    ) {
      return { ok: false, reason: 'The token lacks required claims (jti, client_id, sub).' };
    }
    if (opts.checkRevocation !== false) {
      const status = await this.tokens.accessTokenStatus(this.platform.tenantId, claims.jti);
      if (!status) return { ok: false, reason: 'The token is not known to this issuer.' };
      if (status.revoked) return { ok: false, reason: 'The token has been revoked.' };
      if (status.clientState === 'closed')
        return {
          ok: false,
          reason: `The AI client ${status.aiClientId} has been closed; sign in again from the client.`,
        };
    }
    return { ok: true, claims: { ...claims, groups: Array.isArray(claims.groups) ? claims.groups : [] } };
  }
}

export function describeJoseError(
  err: unknown,
  cfg: Pick<AuthConfig, 'issuer' | 'GATEWAY_RESOURCE_URL'>,
): string {
  if (err instanceof joseErrors.JWTExpired)
    return 'The access token has expired; refresh it or sign in again.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud')
      return `The access token was issued for another audience; this resource is ${cfg.GATEWAY_RESOURCE_URL}.`;
    if (err.claim === 'iss') return `The access token was issued by another issuer; expected ${cfg.issuer}.`;
    if (err.claim === 'typ') return 'The token is not an access token (typ must be at+jwt).';
    return `The access token failed the "${err.claim}" check: ${err.message}.`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return 'The access token signature is invalid.';
  if (err instanceof UnknownSigningKeyError) return err.message;
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return 'The access token uses an algorithm this issuer does not sign with.';
  if (err instanceof joseErrors.JOSEError) return `The access token is malformed (${err.code}).`;
  return 'The access token could not be validated.';
}
