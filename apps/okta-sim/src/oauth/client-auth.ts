import { timingSafeEqual } from 'node:crypto';
import type { SimClock } from '../core/clock';
import { OAuthError, OAuthErrors } from '../core/errors';
import type { SimApp } from '../core/model';
import type { SimOrg } from '../core/org';
import type { SimRequest } from '../server/http';
import { decodeJwt, isSupportedAlg, publicKeyFromJwk, verifyJwtSignature } from './jwt';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

export interface AuthenticatedClient {
  app: SimApp;
  method: ClientAuthMethod;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * Client authentication for /token, /introspect and /revoke: `client_secret_basic`,
 * `client_secret_post`, `private_key_jwt` (RFC 7523) and `none` (public clients, PKCE only).
 * Error strings are Okta's.
 */
export class ClientAuthenticator {
  /** Seen assertion `jti`s → expiry (seconds); Okta rejects replayed client assertions. */
  private readonly seenJti = new Map<string, number>();

  constructor(
    private readonly org: SimOrg,
    private readonly clock: SimClock,
  ) {}

  reset(): void {
    this.seenJti.clear();
  }

  authenticate(req: SimRequest, params: URLSearchParams, endpointUrl: string): AuthenticatedClient {
    const header = req.headers.authorization;
    const hasBasic = typeof header === 'string' && /^basic /i.test(header);
    const hasPostSecret = params.has('client_secret');
    const hasAssertion = params.has('client_assertion') || params.has('client_assertion_type');
    if (Number(hasBasic) + Number(hasPostSecret) + Number(hasAssertion) > 1)
      throw OAuthErrors.multipleCredentials();

    if (hasBasic) return this.basic(header as string, params);
    if (hasAssertion) return this.assertion(params, endpointUrl);

    const clientId = params.get('client_id');
    if (!clientId) throw OAuthErrors.missingClientCredentials();
    const app = this.activeClient(clientId);
    if (!app?.oauth) throw OAuthErrors.invalidClient();
    if (hasPostSecret) {
      if (app.oauth.clientSecret === null) throw OAuthErrors.invalidClient();
      if (!safeEqual(params.get('client_secret') ?? '', app.oauth.clientSecret))
        throw OAuthErrors.invalidClientSecret();
      return { app, method: 'client_secret_post' };
    }
    // No credentials at all: only public clients may do that.
    if (app.oauth.tokenEndpointAuthMethod !== 'none') throw OAuthErrors.missingClientCredentials();
    return { app, method: 'none' };
  }

  private activeClient(clientId: string): SimApp | undefined {
    const app = this.org.appByClientId(clientId);
    return app && app.status === 'ACTIVE' ? app : undefined;
  }

  private basic(header: string, params: URLSearchParams): AuthenticatedClient {
    let decoded: string;
    try {
      decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    } catch {
      throw OAuthErrors.invalidBasic();
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) throw OAuthErrors.invalidBasic();
    let id: string;
    let secret: string;
    try {
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64 (openid-client does this).
      id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw OAuthErrors.invalidBasic();
    }
    const bodyId = params.get('client_id');
    if (bodyId && bodyId !== id) throw OAuthErrors.invalidClient();
    const app = this.activeClient(id);
    if (!app?.oauth || app.oauth.clientSecret === null) throw OAuthErrors.invalidClient();
    if (!safeEqual(secret, app.oauth.clientSecret)) throw OAuthErrors.invalidClientSecret();
    return { app, method: 'client_secret_basic' };
  }

  private assertion(params: URLSearchParams, endpointUrl: string): AuthenticatedClient {
    if (params.get('client_assertion_type') !== JWT_BEARER_ASSERTION) throw OAuthErrors.assertionType();
    const jwt = params.get('client_assertion') ?? '';
    const decoded = decodeJwt(jwt);
    if (!decoded) throw OAuthErrors.assertion('The parsing of the client_assertion failed.');
    const { header, payload } = decoded;
    const iss = payload.iss;
    if (typeof iss !== 'string')
      throw OAuthErrors.assertion('The issuer claim for client_assertion is not a valid client_id.');
    const app = this.activeClient(iss);
    if (!app?.oauth)
      throw OAuthErrors.assertion('The issuer claim for client_assertion is not a valid client_id.');
    if (payload.sub !== iss)
      throw OAuthErrors.assertion('The subject claim for client_assertion is not a valid client_id.');
    const bodyId = params.get('client_id');
    if (bodyId && bodyId !== iss) throw OAuthErrors.invalidClient();
    if (header.alg.startsWith('HS')) {
      // client_secret_jwt is not enabled on simulated apps.
      throw OAuthErrors.assertion(
        'The issuer and subject claim for client_assertion is invalid because the client does not have a client secret.',
      );
    }
    if (!isSupportedAlg(header.alg))
      throw OAuthErrors.assertion('The client_assertion JWT signature algorithm is invalid.');
    const keys = app.oauth.jwks.filter((k) => k.status !== 'INACTIVE');
    if (keys.length === 0) {
      throw OAuthErrors.assertion(
        'The client does not have a JWKSet configured, but the client_assertion requires one.',
      );
    }
    const candidates = typeof header.kid === 'string' ? keys.filter((k) => k.kid === header.kid) : keys;
    if (candidates.length === 0) throw OAuthErrors.assertion('The client_assertion JWT kid is invalid.');
    const verified = candidates.some((jwk) => {
      const key = publicKeyFromJwk(jwk);
      return key !== null && verifyJwtSignature(decoded, key);
    });
    if (!verified) throw OAuthErrors.assertion('The client_assertion signature is invalid.');
    const aud = payload.aud;
    const audOk = Array.isArray(aud) ? aud.includes(endpointUrl) : aud === endpointUrl;
    if (!audOk)
      throw OAuthErrors.assertion(
        'The audience claim for client_assertion must be the endpoint invoked for the request.',
      );
    const now = this.clock.nowSeconds();
    if (typeof payload.exp !== 'number')
      throw OAuthErrors.assertion(
        "The client_assertion must contain the 'exp' claim as seconds since epoch.",
      );
    if (payload.exp <= now) throw OAuthErrors.assertion('The client_assertion token is expired.');
    if (payload.exp > now + 3600)
      throw OAuthErrors.assertion('The client_assertion token has an expiration too far into the future.');
    if (typeof payload.iat === 'number' && payload.iat > now + 60) {
      throw OAuthErrors.assertion('The client_assertion token must be issued before the current time.');
    }
    if (typeof payload.jti === 'string') {
      for (const [j, exp] of this.seenJti) if (exp <= now) this.seenJti.delete(j);
      if (this.seenJti.has(`${iss}:${payload.jti}`))
        throw OAuthErrors.assertion('The client_assertion token has already been used.');
      this.seenJti.set(`${iss}:${payload.jti}`, payload.exp);
    }
    if (app.oauth.tokenEndpointAuthMethod !== 'private_key_jwt')
      throw new OAuthError(
        401,
        'invalid_client',
        'Client authentication failed. Either the client or the client credentials are invalid.',
      );
    return { app, method: 'private_key_jwt' };
  }
}
