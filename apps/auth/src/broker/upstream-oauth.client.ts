import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { UpstreamUnavailableError } from '../common/errors';
import type { UpstreamAuthMethod } from './upstream-client.repository';

/** An upstream client with its secrets opened, ready for one request. Never logged, never cached. */
export interface OpenedUpstreamClient {
  serverId: string;
  clientId: string;
  authMethod: UpstreamAuthMethod;
  authorizationEndpoint: string | null;
  tokenEndpoint: string;
  revocationEndpoint: string | null;
  secret: string | null;
  /** The previous secret while an admin's rotation is in its grace period. */
  previousSecret: string | null;
  privateKey: { key: KeyObject; alg: 'RS256' | 'ES256'; kid: string | null } | null;
}

export interface UpstreamTokenResponse {
  accessToken: string;
  tokenType: string;
  expiresAt: Date;
  refreshToken: string | null;
  scopes: string[] | null;
  idToken: string | null;
}

/** The upstream authorization server said no (RFC 6749 §5.2). */
export class UpstreamOAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${error}: ${description}`);
    this.name = 'UpstreamOAuthError';
  }
}

export function parsePrivateKey(material: string): { key: KeyObject; alg: 'RS256' | 'ES256' } {
  const trimmed = material.trim();
  const key = trimmed.startsWith('{')
    ? createPrivateKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
    : createPrivateKey(trimmed);
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { key, alg: 'RS256' };
  if (type === 'ec') return { key, alg: 'ES256' };
  throw new Error(`private keys of type ${type} are not supported; use RSA (RS256) or EC P-256 (ES256)`);
}

/**
 * Portcullis as an OAuth client of upstream authorization servers (Okta org AS or any OAuth 2
 * server): token requests with client_secret_basic / client_secret_post / private_key_jwt / none,
 * and RFC 7009 revocation. A refused secret is retried once with the previous secret during an
 * admin's rotation grace period, so a rotation never breaks requests in flight.
 */
export class UpstreamOAuthClient {
  constructor(private readonly timeoutMs: number) {}

  async token(c: OpenedUpstreamClient, params: Record<string, string>): Promise<UpstreamTokenResponse> {
    try {
      return await this.tokenWith(c, params, c.secret);
    } catch (err) {
      if (
        err instanceof UpstreamOAuthError &&
        err.error === 'invalid_client' &&
        c.previousSecret &&
        c.previousSecret !== c.secret
      ) {
        return this.tokenWith(c, params, c.previousSecret);
      }
      throw err;
    }
  }

  private async tokenWith(
    c: OpenedUpstreamClient,
    params: Record<string, string>,
    secret: string | null,
  ): Promise<UpstreamTokenResponse> {
    const { headers, body } = await this.authenticated(c, c.tokenEndpoint, params, secret);
    const res = await this.post(c.tokenEndpoint, headers, body);
    const json = await this.json(res, c.tokenEndpoint);
    if (!res.ok) {
      throw new UpstreamOAuthError(
        typeof json.error === 'string' ? json.error : `http_${res.status}`,
        typeof json.error_description === 'string' ? json.error_description : `HTTP ${res.status}`,
        res.status,
      );
    }
    if (typeof json.access_token !== 'string' || !json.access_token) {
      throw new UpstreamUnavailableError(
        `The token endpoint ${c.tokenEndpoint} answered without an access_token.`,
      );
    }
    const expiresIn =
      typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600) || 3600;
    return {
      accessToken: json.access_token,
      tokenType: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
      expiresAt: new Date(Date.now() + expiresIn * 1000),
      refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : null,
      scopes: typeof json.scope === 'string' ? json.scope.split(' ').filter(Boolean) : null,
      idToken: typeof json.id_token === 'string' ? json.id_token : null,
    };
  }

  /** Best effort (RFC 7009): a failure is reported, not thrown — the local copy is deleted anyway. */
  async revoke(
    c: OpenedUpstreamClient,
    token: string,
    hint: 'refresh_token' | 'access_token',
  ): Promise<boolean> {
    if (!c.revocationEndpoint) return false;
    try {
      const { headers, body } = await this.authenticated(
        c,
        c.revocationEndpoint,
        { token, token_type_hint: hint },
        c.secret,
      );
      const res = await this.post(c.revocationEndpoint, headers, body);
      await res.arrayBuffer().catch(() => undefined);
      return res.ok;
    } catch {
      return false;
    }
  }

  private async authenticated(
    c: OpenedUpstreamClient,
    endpoint: string,
    params: Record<string, string>,
    secret: string | null,
  ) {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const body = new URLSearchParams(params);
    switch (c.authMethod) {
      case 'client_secret_basic':
        headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(secret ?? '')}`).toString('base64')}`;
        break;
      case 'client_secret_post':
        body.set('client_id', c.clientId);
        body.set('client_secret', secret ?? '');
        break;
      case 'private_key_jwt': {
        if (!c.privateKey)
          throw new UpstreamUnavailableError(
            `Server ${c.serverId} is set to private_key_jwt but has no private key configured.`,
          );
        const now = Math.floor(Date.now() / 1000);
        const assertion = await new SignJWT({})
          .setProtectedHeader({
            alg: c.privateKey.alg,
            ...(c.privateKey.kid ? { kid: c.privateKey.kid } : {}),
          })
          .setIssuer(c.clientId)
          .setSubject(c.clientId)
          .setAudience(endpoint)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .setJti(randomUUID())
          .sign(c.privateKey.key);
        body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        body.set('client_assertion', assertion);
        break;
      }
      case 'none':
        body.set('client_id', c.clientId);
        break;
    }
    return { headers, body };
  }

  private async post(url: string, headers: Record<string, string>, body: URLSearchParams): Promise<Response> {
    try {
      return await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new UpstreamUnavailableError(
        `The upstream authorization server at ${new URL(url).origin} could not be reached: ${(err as Error).message}.`,
        { cause: err },
      );
    }
  }

  private async json(res: Response, url: string): Promise<Record<string, unknown>> {
    const text = await res.text().catch(() => '');
    try {
      const v = JSON.parse(text) as unknown;
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    } catch {
      if (res.ok) throw new UpstreamUnavailableError(`The token endpoint ${url} did not answer JSON.`);
      if (res.status >= 500)
        throw new UpstreamUnavailableError(`The token endpoint ${url} failed with HTTP ${res.status}.`);
      return {};
    }
  }
}

/** Who the upstream says the user is: from the ID token (received directly from the token endpoint over TLS). */
export function identityFromIdToken(idToken: string | null): {
  authorizedAs: string | null;
  nonce: string | null;
} {
  if (!idToken) return { authorizedAs: null, nonce: null };
  try {
    const c = decodeJwt(idToken);
    const pick = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : null);
    return { authorizedAs: pick('preferred_username') ?? pick('email') ?? pick('sub'), nonce: pick('nonce') };
  } catch {
    return { authorizedAs: null, nonce: null };
  }
}
