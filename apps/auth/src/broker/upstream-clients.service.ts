import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeCipher } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { NotFoundError, ValidationError } from '../common/errors';
import { type ConnectionMode, ConnectionRepository } from './connection.repository';
import { type OpenedUpstreamClient, parsePrivateKey } from './upstream-oauth.client';
import {
  type UpstreamAuthMethod,
  UpstreamClientRepository,
  type UpstreamClientRecord,
} from './upstream-client.repository';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);
const headerValue = z
  .string()
  .max(8192)
  .refine((v) => !/[\r\n]/.test(v), { error: 'must not contain line breaks' });

export const upstreamClientInput = z.object({
  kind: z.enum(['okta', 'oauth', 'static']),
  displayName: z.string().min(1).max(200),
  credentialMode: z.enum(['per_user', 'service', 'client_credentials', 'static']),
  oktaOrgUrl: httpUrl.optional(),
  authorizationEndpoint: httpUrl.optional(),
  tokenEndpoint: httpUrl.optional(),
  revocationEndpoint: httpUrl.optional(),
  clientId: z.string().min(1).max(500).optional(),
  /** Write-only. Omit to keep the stored secret. */
  clientSecret: z.string().min(1).max(4096).optional(),
  tokenEndpointAuthMethod: z
    .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
    .optional(),
  /** Write-only PEM (PKCS#8) or private JWK for private_key_jwt. Omit to keep the stored key. */
  privateKey: z.string().min(1).max(20_000).optional(),
  privateKeyId: z.string().min(1).max(200).optional(),
  scopes: z
    .array(z.string().min(1).max(200).regex(/^\S+$/, { error: 'must not contain spaces' }))
    .max(100)
    .default([]),
  /** Write-only headers for generic servers with a static credential (e.g. Authorization: Bearer …). */
  staticHeaders: z
    .record(
      z.string().regex(/^[A-Za-z0-9-]{1,100}$/, { error: 'header names are letters, digits and dashes' }),
      headerValue,
    )
    .optional(),
});
export type UpstreamClientInput = z.output<typeof upstreamClientInput>;

export const SERVER_ID = /^[A-Za-z0-9._:-]{1,200}$/;
const CONFIG_CACHE_MS = 5_000;

/**
 * Per registered upstream server: how Portcullis gets credentials for it (set by governance over the
 * internal channel). Secrets are sealed with the envelope cipher, bound to the row and field, and
 * write-only: reads say "configured". Changing scopes or the client makes existing connections
 * need a reconnect (the grant no longer matches what is configured).
 */
@Injectable()
export class UpstreamClientsService {
  private readonly cached = new Map<string, { rec: UpstreamClientRecord | null; at: number }>();

  constructor(
    private readonly repo: UpstreamClientRepository,
    private readonly connections: ConnectionRepository,
    private readonly cipher: EnvelopeCipher,
    private readonly events: AuthEvents,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private ctx(serverId: string, field: string): string {
    return `auth.upstream_client:${this.platform.tenantId}:${serverId}:${field}`;
  }

  /** Read path of the broker: a few seconds of staleness across replicas, none on this one after a write. */
  async get(serverId: string): Promise<UpstreamClientRecord | null> {
    const hit = this.cached.get(serverId);
    if (hit && Date.now() - hit.at < CONFIG_CACHE_MS) return hit.rec;
    const rec = await this.repo.find(this.platform.tenantId, serverId);
    this.cached.set(serverId, { rec, at: Date.now() });
    if (this.cached.size > 10_000) this.cached.clear();
    return rec;
  }

  async require(serverId: string): Promise<UpstreamClientRecord> {
    const rec = await this.repo.find(this.platform.tenantId, serverId);
    if (!rec) throw new NotFoundError(`No upstream client is configured for server "${serverId}".`);
    return rec;
  }

  list(): Promise<UpstreamClientRecord[]> {
    return this.repo.list(this.platform.tenantId);
  }

  async put(serverId: string, input: UpstreamClientInput, actor: AuditActor): Promise<UpstreamClientRecord> {
    if (!SERVER_ID.test(serverId))
      throw new ValidationError(
        'serverId may contain only letters, digits, ".", "_", ":" and "-" (1-200 characters).',
      );
    const tenant = this.platform.tenantId;
    const before = await this.repo.find(tenant, serverId);
    const problems: string[] = [];
    const mode = input.credentialMode;
    if (input.kind === 'static' && mode !== 'static')
      problems.push('credentialMode: a "static" server uses credentialMode "static"');
    const oauthMode = mode !== 'static';
    const authMethod: UpstreamAuthMethod =
      input.tokenEndpointAuthMethod ??
      (input.privateKey || (before?.privateKeySealed && before.tokenEndpointAuthMethod === 'private_key_jwt')
        ? 'private_key_jwt'
        : 'client_secret_basic');
    if (oauthMode) {
      if (input.kind === 'okta' && !input.oktaOrgUrl)
        problems.push('oktaOrgUrl: required for an Okta server (e.g. https://acme.okta.com)');
      if (input.kind === 'oauth') {
        if (!input.tokenEndpoint) problems.push('tokenEndpoint: required for an OAuth server');
        if ((mode === 'per_user' || mode === 'service') && !input.authorizationEndpoint)
          problems.push('authorizationEndpoint: required for per_user and service modes');
      }
      if (!input.clientId)
        problems.push('clientId: required (the OAuth client id of the app registered at the upstream)');
      const hasSecret =
        !!input.clientSecret || !!(before?.clientSecretSealed && before.clientId === input.clientId);
      if ((authMethod === 'client_secret_basic' || authMethod === 'client_secret_post') && !hasSecret) {
        problems.push(
          'clientSecret: required (it is write-only: omit it only to keep a secret already stored for this client)',
        );
      }
      const hasKey = !!input.privateKey || !!before?.privateKeySealed;
      if (authMethod === 'private_key_jwt' && !hasKey)
        problems.push('privateKey: required for private_key_jwt (PEM PKCS#8 or a private JWK)');
    } else if (!input.staticHeaders && !before?.staticHeadersSealed) {
      problems.push(
        'staticHeaders: required for credentialMode "static" (e.g. {"Authorization": "Bearer …"})',
      );
    }
    if (input.privateKey) {
      try {
        parsePrivateKey(input.privateKey);
      } catch (err) {
        problems.push(`privateKey: ${(err as Error).message}`);
      }
    }
    if (problems.length)
      throw new ValidationError(
        `The upstream client configuration for "${serverId}" is incomplete: ${problems.join('; ')}.`,
        problems,
      );

    let secretSealed = before?.clientSecretSealed ?? null;
    let previousSealed = before?.previousClientSecretSealed ?? null;
    let previousUntil = before?.previousSecretUntil ?? null;
    if (before && before.clientId !== (input.clientId ?? null)) {
      // Another client: the old secret belongs to the old client.
      secretSealed = null;
      previousSealed = null;
      previousUntil = null;
    }
    if (input.clientSecret) {
      const old = secretSealed
        ? this.cipher.decrypt(secretSealed, this.ctx(serverId, 'client_secret'))
        : null;
      if (old !== input.clientSecret) {
        previousSealed = old ? this.cipher.encrypt(old, this.ctx(serverId, 'previous_client_secret')) : null;
        previousUntil = old
          ? new Date(Date.now() + this.cfg.UPSTREAM_PREVIOUS_SECRET_GRACE_SECONDS * 1000)
          : null;
        secretSealed = this.cipher.encrypt(input.clientSecret, this.ctx(serverId, 'client_secret'));
      }
    }
    const rec = await this.repo.save(tenant, {
      serverId,
      kind: input.kind,
      displayName: input.displayName,
      credentialMode: mode,
      oktaOrgUrl: input.oktaOrgUrl?.replace(/\/+$/, '') ?? null,
      authorizationEndpoint: input.authorizationEndpoint ?? null,
      tokenEndpoint: input.tokenEndpoint ?? null,
      revocationEndpoint: input.revocationEndpoint ?? null,
      clientId: input.clientId ?? null,
      tokenEndpointAuthMethod: authMethod,
      clientSecretSealed: oauthMode ? secretSealed : null,
      previousClientSecretSealed: oauthMode ? previousSealed : null,
      previousSecretUntil: oauthMode ? previousUntil : null,
      privateKeySealed: input.privateKey
        ? this.cipher.encrypt(input.privateKey, this.ctx(serverId, 'private_key'))
        : (before?.privateKeySealed ?? null),
      privateKeyId: input.privateKeyId ?? before?.privateKeyId ?? null,
      scopes: input.scopes,
      staticHeadersSealed: input.staticHeaders
        ? this.cipher.encrypt(JSON.stringify(input.staticHeaders), this.ctx(serverId, 'static_headers'))
        : mode === 'static'
          ? (before?.staticHeadersSealed ?? null)
          : null,
    });
    this.cached.delete(serverId);

    if (before) {
      const scopesChanged = !sameSet(before.scopes, rec.scopes);
      const grantChanged =
        before.clientId !== rec.clientId ||
        before.oktaOrgUrl !== rec.oktaOrgUrl ||
        before.authorizationEndpoint !== rec.authorizationEndpoint ||
        before.tokenEndpoint !== rec.tokenEndpoint;
      if (scopesChanged || grantChanged) {
        const reason = scopesChanged
          ? `The scopes configured for ${rec.displayName} changed (${before.scopes.join(' ') || 'none'} → ${rec.scopes.join(' ') || 'none'}); reconnect to grant them.`
          : `The OAuth client configured for ${rec.displayName} changed; reconnect.`;
        const marked = await this.connections.markServerNeedsReconnect(tenant, serverId, reason, [
          'per_user',
          'service',
        ]);
        const dropped = await this.connections.deleteServer(tenant, serverId, ['client_credentials']);
        await this.events.connectionChanged(
          [...marked, ...dropped].map((c) => ({
            serverId,
            ...(c.userId ? { userId: c.userId } : {}),
            change: scopesChanged ? ('scopes_changed' as const) : ('needs_reconnect' as const),
            mode: c.mode as ConnectionMode,
            reason,
          })),
        );
      }
    }
    const secretRotated =
      !!before &&
      !!input.clientSecret &&
      rec.previousClientSecretSealed !== before.previousClientSecretSealed;
    await this.events.audit(
      before ? 'auth.upstream_client.updated' : 'auth.upstream_client.created',
      actor,
      { type: 'upstream_client', id: serverId },
      `Upstream credentials for "${rec.displayName}" ${before ? 'updated' : 'configured'}`,
      {
        kind: rec.kind,
        credentialMode: rec.credentialMode,
        scopes: rec.scopes,
        clientSecretChanged: secretRotated || (!before && !!input.clientSecret),
        revision: rec.revision,
      },
    );
    return rec;
  }

  /** No-downtime secret rotation: the new secret is used for new requests; the old one is retried on refusal during the grace period. */
  async rotateSecret(
    serverId: string,
    clientSecret: string,
    actor: AuditActor,
  ): Promise<UpstreamClientRecord> {
    const rec = await this.require(serverId);
    if (rec.credentialMode === 'static')
      throw new ValidationError(
        `Server "${serverId}" uses static credentials; update staticHeaders instead.`,
      );
    const input: UpstreamClientInput = {
      ...this.inputOf(rec),
      clientSecret,
    };
    return this.put(serverId, input, actor);
  }

  private inputOf(rec: UpstreamClientRecord): UpstreamClientInput {
    return {
      kind: rec.kind,
      displayName: rec.displayName,
      credentialMode: rec.credentialMode,
      ...(rec.oktaOrgUrl ? { oktaOrgUrl: rec.oktaOrgUrl } : {}),
      ...(rec.authorizationEndpoint ? { authorizationEndpoint: rec.authorizationEndpoint } : {}),
      ...(rec.tokenEndpoint ? { tokenEndpoint: rec.tokenEndpoint } : {}),
      ...(rec.revocationEndpoint ? { revocationEndpoint: rec.revocationEndpoint } : {}),
      ...(rec.clientId ? { clientId: rec.clientId } : {}),
      tokenEndpointAuthMethod: rec.tokenEndpointAuthMethod,
      ...(rec.privateKeyId ? { privateKeyId: rec.privateKeyId } : {}),
      scopes: rec.scopes,
    };
  }

  async delete(serverId: string, actor: AuditActor): Promise<void> {
    const tenant = this.platform.tenantId;
    const rec = await this.repo.find(tenant, serverId);
    if (!rec) throw new NotFoundError(`No upstream client is configured for server "${serverId}".`);
    const conns = await this.connections.deleteServer(tenant, serverId);
    await this.repo.delete(tenant, serverId);
    this.cached.delete(serverId);
    await this.events.connectionChanged(
      conns.map((c) => ({
        serverId,
        ...(c.userId ? { userId: c.userId } : {}),
        change: 'revoked' as const,
        mode: c.mode,
        reason: 'The server registration was removed.',
      })),
    );
    await this.events.audit(
      'auth.upstream_client.deleted',
      actor,
      { type: 'upstream_client', id: serverId },
      `Upstream credentials for "${rec.displayName}" removed (${conns.length} connections deleted)`,
    );
  }

  /** The client with its secrets opened, for one request. */
  open(rec: UpstreamClientRecord): OpenedUpstreamClient {
    const e = endpointsOf(rec);
    const previousValid =
      rec.previousClientSecretSealed &&
      rec.previousSecretUntil &&
      rec.previousSecretUntil.getTime() > Date.now();
    const key = rec.privateKeySealed
      ? parsePrivateKey(this.cipher.decrypt(rec.privateKeySealed, this.ctx(rec.serverId, 'private_key')))
      : null;
    return {
      serverId: rec.serverId,
      clientId: rec.clientId ?? '',
      authMethod: rec.tokenEndpointAuthMethod,
      authorizationEndpoint: e.authorize,
      tokenEndpoint: e.token ?? '',
      revocationEndpoint: e.revoke,
      secret: rec.clientSecretSealed
        ? this.cipher.decrypt(rec.clientSecretSealed, this.ctx(rec.serverId, 'client_secret'))
        : null,
      previousSecret: previousValid
        ? this.cipher.decrypt(
            rec.previousClientSecretSealed!,
            this.ctx(rec.serverId, 'previous_client_secret'),
          )
        : null,
      privateKey: key ? { ...key, kid: rec.privateKeyId } : null,
    };
  }

  staticHeaders(rec: UpstreamClientRecord): Record<string, string> {
    if (!rec.staticHeadersSealed) return {};
    return JSON.parse(
      this.cipher.decrypt(rec.staticHeadersSealed, this.ctx(rec.serverId, 'static_headers')),
    ) as Record<string, string>;
  }

  /** Scopes to ask the upstream for at authorization: Okta needs OIDC scopes for identity and offline_access for refresh tokens. */
  requestedScopes(rec: UpstreamClientRecord): string[] {
    const base = rec.kind === 'okta' ? ['openid', 'profile', 'email', 'offline_access'] : [];
    return [...new Set([...base, ...rec.scopes])];
  }

  view(rec: UpstreamClientRecord) {
    let headerNames: Record<string, 'configured'> | null = null;
    if (rec.staticHeadersSealed) {
      try {
        headerNames = Object.fromEntries(
          Object.keys(this.staticHeaders(rec)).map((k) => [k, 'configured' as const]),
        );
      } catch {
        headerNames = { '(unreadable)': 'configured' };
      }
    }
    const e = endpointsOf(rec);
    return {
      serverId: rec.serverId,
      kind: rec.kind,
      displayName: rec.displayName,
      credentialMode: rec.credentialMode,
      oktaOrgUrl: rec.oktaOrgUrl,
      authorizationEndpoint: e.authorize,
      tokenEndpoint: e.token,
      revocationEndpoint: e.revoke,
      clientId: rec.clientId,
      tokenEndpointAuthMethod: rec.tokenEndpointAuthMethod,
      clientSecret: rec.clientSecretSealed ? ('configured' as const) : null,
      previousClientSecret:
        rec.previousClientSecretSealed &&
        rec.previousSecretUntil &&
        rec.previousSecretUntil.getTime() > Date.now()
          ? { acceptedUntil: rec.previousSecretUntil.toISOString() }
          : null,
      privateKey: rec.privateKeySealed ? ('configured' as const) : null,
      privateKeyId: rec.privateKeyId,
      scopes: rec.scopes,
      staticHeaders: headerNames,
      redirectUri: `${this.cfg.issuer}/auth/callback`,
      revision: rec.revision,
      createdAt: rec.createdAt.toISOString(),
      updatedAt: rec.updatedAt.toISOString(),
    };
  }

  /** Re-seals every stored secret under the newest key-encryption key. */
  async rewrap(): Promise<number> {
    let n = 0;
    for (const rec of await this.repo.list(this.platform.tenantId)) {
      const re = (v: string | null, field: string) =>
        v && this.cipher.needsRewrap(v) ? (n++, this.cipher.rewrap(v, this.ctx(rec.serverId, field))) : v;
      const before = n;
      const next = {
        clientSecretSealed: re(rec.clientSecretSealed, 'client_secret'),
        previousClientSecretSealed: re(rec.previousClientSecretSealed, 'previous_client_secret'),
        privateKeySealed: re(rec.privateKeySealed, 'private_key'),
        staticHeadersSealed: re(rec.staticHeadersSealed, 'static_headers'),
      };
      if (n > before) await this.repo.updateSealed(this.platform.tenantId, rec.serverId, next);
    }
    this.cached.clear();
    return n;
  }
}

export function endpointsOf(
  rec: Pick<
    UpstreamClientRecord,
    'kind' | 'oktaOrgUrl' | 'authorizationEndpoint' | 'tokenEndpoint' | 'revocationEndpoint'
  >,
) {
  if (rec.kind === 'okta' && rec.oktaOrgUrl) {
    const org = rec.oktaOrgUrl.replace(/\/+$/, '');
    return {
      authorize: rec.authorizationEndpoint ?? `${org}/oauth2/v1/authorize`,
      token: rec.tokenEndpoint ?? `${org}/oauth2/v1/token`,
      revoke: rec.revocationEndpoint ?? `${org}/oauth2/v1/revoke`,
    };
  }
  return { authorize: rec.authorizationEndpoint, token: rec.tokenEndpoint, revoke: rec.revocationEndpoint };
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}
