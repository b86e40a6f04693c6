import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CACHE, type Cache } from '@portcullis/cache';
import { sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { OAuthError } from '../common/errors';
import {
  ClientMetadataError,
  type ClientMetadataDocument,
  ClientMetadataFetcher,
} from './client-metadata-fetcher';
import { ClientRepository, type OAuthClientRecord } from './client.repository';
import { RegistrationSettingsRepository } from './registration-settings.repository';

/** A client as the authorization endpoint needs it, however it registered. */
export interface ResolvedClient {
  clientId: string;
  registration: 'cimd' | 'dcr' | 'admin';
  name: string;
  clientUri: string | null;
  logoUri: string | null;
  redirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: OAuthClientRecord['tokenEndpointAuthMethod'];
  scope: string | null;
  /** The metadata document (CIMD) as validated, stored with the client at consent. */
  document?: ClientMetadataDocument;
}

export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/**
 * Resolves a client_id: an https URL is a Client ID Metadata Document (fetched safely, cached);
 * anything else must be a registered client (DCR or admin-created).
 */
@Injectable()
export class ClientRegistry implements OnModuleDestroy {
  readonly fetcher: ClientMetadataFetcher;

  constructor(
    private readonly clients: ClientRepository,
    private readonly settings: RegistrationSettingsRepository,
    @Inject(CACHE) private readonly cache: Cache,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.fetcher = new ClientMetadataFetcher({
      allowLoopback: cfg.CIMD_ALLOW_LOOPBACK,
      allowedHosts: cfg.CIMD_ALLOWED_HOSTS,
      maxBytes: cfg.CIMD_MAX_BYTES,
      timeoutMs: cfg.CIMD_TIMEOUT_MS,
      ...(cfg.CIMD_CA_CERTS ? { ca: cfg.CIMD_CA_CERTS } : {}),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.fetcher.close();
  }

  async resolve(clientId: string): Promise<ResolvedClient> {
    if (isUrlClientId(clientId)) return this.resolveDocument(clientId);
    const rec = await this.clients.findOAuthClient(this.platform.tenantId, clientId);
    if (!rec || rec.registration === 'cimd') {
      throw new OAuthError(
        'invalid_client',
        `Unknown client_id "${clientId.slice(0, 200)}". Register the client (dynamic registration) or use a client metadata document URL as client_id.`,
      );
    }
    return {
      clientId: rec.clientId,
      registration: rec.registration,
      name: rec.clientName ?? rec.clientId,
      clientUri: rec.clientUri,
      logoUri: rec.logoUri,
      redirectUris: rec.redirectUris,
      grantTypes: rec.grantTypes,
      tokenEndpointAuthMethod: rec.tokenEndpointAuthMethod,
      scope: rec.scope,
    };
  }

  private async resolveDocument(clientId: string): Promise<ResolvedClient> {
    const settings = await this.settings.get(this.platform.tenantId);
    if (!settings.allowCimd) {
      throw new OAuthError(
        'invalid_client',
        'Client ID Metadata Documents are disabled on this Portcullis; ask your administrator, or use a client that registers dynamically.',
      );
    }
    const doc = await this.document(clientId);
    return {
      clientId,
      registration: 'cimd',
      name: doc.client_name ?? new URL(clientId).hostname,
      clientUri: doc.client_uri ?? null,
      logoUri: doc.logo_uri ?? null,
      redirectUris: doc.redirect_uris,
      grantTypes: doc.grant_types ?? ['authorization_code'],
      tokenEndpointAuthMethod: 'none',
      scope: doc.scope ?? null,
      document: doc,
    };
  }

  /** Cached for CIMD_CACHE_TTL_SECONDS (Redis when present; a cache outage just means a fetch). */
  private async document(clientId: string): Promise<ClientMetadataDocument> {
    const key = `auth:cimd:${this.platform.tenantId}:${sha256Hex(clientId)}`;
    const hit = await this.cache.get(key).catch(() => null);
    if (hit) return JSON.parse(hit) as ClientMetadataDocument;
    let doc: ClientMetadataDocument;
    try {
      doc = await this.fetcher.fetch(clientId);
    } catch (err) {
      if (err instanceof ClientMetadataError) {
        this.platform.logger.info(
          { clientId: clientId.slice(0, 300), reason: err.reason },
          'client metadata document refused',
        );
        throw new OAuthError('invalid_client', err.message);
      }
      throw err;
    }
    if (this.cfg.CIMD_CACHE_TTL_SECONDS > 0) {
      await this.cache
        .set(key, JSON.stringify(doc), this.cfg.CIMD_CACHE_TTL_SECONDS * 1000)
        .catch(() => undefined);
    }
    return doc;
  }
}
