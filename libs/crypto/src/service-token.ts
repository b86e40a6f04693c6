import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/**
 * Service credentials for Portcullis's internal channels (gateway → okta-mcp, gateway → auth,
 * discovery → okta-mcp). A short-lived HS256 JWT signed with the shared internal secret, naming the
 * calling service (`iss`) and the receiving one (`aud`), so a token minted for one receiver cannot
 * be replayed against another. Upstream credentials only ever travel on requests that carry one.
 */
export const SERVICE_TOKEN_HEADER = 'authorization';
export const UPSTREAM_ORG_URL_HEADER = 'x-portcullis-upstream-org-url';
export const UPSTREAM_TOKEN_HEADER = 'x-portcullis-upstream-token';
export const UPSTREAM_TOKEN_TYPE_HEADER = 'x-portcullis-upstream-token-type';
export const CALLER_HEADER = 'x-portcullis-caller';

export type ServiceName = 'gateway' | 'auth' | 'discovery' | 'governance' | 'audit' | 'okta-mcp';

const ISSUER_PREFIX = 'urn:portcullis:service:';
const DEFAULT_TTL_SECONDS = 60;

export class ServiceTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceTokenError';
  }
}

function keyOf(secret: string): Uint8Array {
  if (secret.length < 32) {
    throw new ServiceTokenError('The internal service secret must be at least 32 characters long.');
  }
  return new TextEncoder().encode(secret);
}

export class ServiceTokenSigner {
  private readonly key: Uint8Array;
  private cached = new Map<ServiceName, { token: string; refreshAt: number }>();

  constructor(
    secret: string,
    private readonly from: ServiceName,
    private readonly ttlSeconds = DEFAULT_TTL_SECONDS,
  ) {
    this.key = keyOf(secret);
  }

  /** Returns a token for `to`, reusing one until half its lifetime is spent (signing is on the hot path). */
  async tokenFor(to: ServiceName): Promise<string> {
    const now = Date.now();
    const hit = this.cached.get(to);
    if (hit && hit.refreshAt > now) return hit.token;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER_PREFIX + this.from)
      .setAudience(ISSUER_PREFIX + to)
      .setIssuedAt()
      .setExpirationTime(Math.floor(now / 1000) + this.ttlSeconds)
      .sign(this.key);
    this.cached.set(to, { token, refreshAt: now + (this.ttlSeconds * 1000) / 2 });
    return token;
  }

  async authorizationFor(to: ServiceName): Promise<string> {
    return `Bearer ${await this.tokenFor(to)}`;
  }
}

export class ServiceTokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly self: ServiceName,
    private readonly allowedCallers: readonly ServiceName[],
  ) {
    this.key = keyOf(secret);
  }

  /** Verifies an `Authorization` header value; returns the calling service or throws with the reason. */
  async verify(authorization: string | undefined): Promise<ServiceName> {
    if (!authorization) throw new ServiceTokenError('Missing service credential (Authorization header).');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new ServiceTokenError('The Authorization header must be "Bearer <service token>".');
    try {
      const { payload } = await jwtVerify(match[1]!, this.key, {
        algorithms: ['HS256'],
        audience: ISSUER_PREFIX + this.self,
        clockTolerance: 5,
      });
      const caller = String(payload.iss ?? '').slice(ISSUER_PREFIX.length) as ServiceName;
      if (!payload.iss?.startsWith(ISSUER_PREFIX) || !this.allowedCallers.includes(caller)) {
        throw new ServiceTokenError(`Service "${caller || payload.iss}" may not call ${this.self}.`);
      }
      return caller;
    } catch (err) {
      if (err instanceof ServiceTokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new ServiceTokenError('The service credential has expired.');
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        throw new ServiceTokenError(`The service credential is not for ${this.self} (${err.claim} check failed).`);
      }
      throw new ServiceTokenError('The service credential is invalid (bad signature or malformed token).');
    }
  }
}
