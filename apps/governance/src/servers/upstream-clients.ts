import type { ServiceTokenSigner } from '@portcullis/crypto';
import { DependencyProblem, ValidationProblem } from '../common/problem';

/**
 * Upstream credentials live in auth (the token broker), never in governance. Governance tells auth
 * what each registered server needs — `PUT /internal/v1/upstream-clients/:serverId` — and reads back
 * only whether a secret is configured.
 */
export interface UpstreamClientConfig {
  kind: 'okta' | 'oauth' | 'static';
  displayName: string;
  credentialMode: 'per_user' | 'service' | 'client_credentials' | 'static';
  oktaOrgUrl?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  clientId?: string;
  /** Omit to keep the stored secret. */
  clientSecret?: string;
  scopes: string[];
  /** Static headers (bearer token or custom header); omit to keep the stored ones. */
  staticHeaders?: Record<string, string>;
}

export interface UpstreamClientStatus {
  clientSecret: 'configured' | null;
}

export interface UpstreamClientRegistry {
  put(serverId: string, config: UpstreamClientConfig): Promise<void>;
  remove(serverId: string): Promise<void>;
  get(serverId: string): Promise<UpstreamClientStatus | null>;
}

export const UPSTREAM_CLIENT_REGISTRY = Symbol('UPSTREAM_CLIENT_REGISTRY');

export const UPSTREAM_CLIENTS_PATH = '/internal/v1/upstream-clients';

/** The real registry: auth's internal HTTP API, authenticated with a governance → auth service token. */
export class HttpUpstreamClientRegistry implements UpstreamClientRegistry {
  constructor(
    private readonly authInternalUrl: string,
    private readonly signer: ServiceTokenSigner,
    private readonly timeoutMs = 5000,
  ) {}

  private url(serverId: string): URL {
    return new URL(`${UPSTREAM_CLIENTS_PATH}/${encodeURIComponent(serverId)}`, this.authInternalUrl);
  }

  private async call(method: string, serverId: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(this.url(serverId), {
        method,
        headers: {
          authorization: await this.signer.authorizationFor('auth'),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new DependencyProblem(
        'auth',
        `Cannot reach auth at ${this.authInternalUrl} to store the upstream credentials (${(err as Error).message}); nothing was changed. Retry when auth is up.`,
      );
    }
  }

  async put(serverId: string, config: UpstreamClientConfig): Promise<void> {
    const res = await this.call('PUT', serverId, config);
    if (res.ok) return;
    const text = (await res.text().catch(() => '')).slice(0, 500);
    if (res.status === 400 || res.status === 422) {
      throw new ValidationProblem(`auth rejected the upstream credential configuration: ${detailOf(text)}`, [
        { field: 'credentials', message: detailOf(text) },
      ]);
    }
    throw new DependencyProblem(
      'auth',
      `auth answered HTTP ${res.status} when storing the upstream credentials; nothing was changed. ${detailOf(text)}`,
    );
  }

  async remove(serverId: string): Promise<void> {
    const res = await this.call('DELETE', serverId);
    if (res.ok || res.status === 404) return;
    throw new DependencyProblem(
      'auth',
      `auth answered HTTP ${res.status} when removing the upstream credentials; the server was not deleted.`,
    );
  }

  async get(serverId: string): Promise<UpstreamClientStatus | null> {
    const res = await this.call('GET', serverId);
    if (res.status === 404) return null;
    if (!res.ok)
      throw new DependencyProblem(
        'auth',
        `auth answered HTTP ${res.status} when asked about the upstream credentials.`,
      );
    const body = (await res.json()) as { clientSecret?: unknown };
    return { clientSecret: body.clientSecret === 'configured' ? 'configured' : null };
  }
}

function detailOf(text: string): string {
  try {
    const j = JSON.parse(text) as { detail?: unknown; message?: unknown; error_description?: unknown };
    const d = j.detail ?? j.message ?? j.error_description;
    if (typeof d === 'string') return d;
  } catch {
    // not JSON
  }
  return text || 'no detail given';
}
