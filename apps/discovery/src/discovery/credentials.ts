import { Inject, Injectable } from '@nestjs/common';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from '../config';
import type { KnownServer } from './registry.repository';
import { type BrokerAnswer, BrokerUnavailableError, TokenBrokerClient } from './token-broker.client';
import type { HeaderSource, UpstreamTarget } from './upstream-client';

export { TokenBrokerClient } from './token-broker.client';

/** How one run (or watch) reaches an upstream. */
export interface PreparedAccess {
  /** Headers for every request (a credential is re-asked from auth when it is about to expire). */
  headers: HeaderSource;
  /**
   * `anonymous`: no credential (mode none); `per_user`: no credential because the server's
   * credentials belong to signed-in users; `credential`: auth's shared credential; `hosted`: the
   * discovery → okta-mcp service token.
   */
  via: 'hosted' | 'anonymous' | 'per_user' | 'credential';
  /** Removes every credential value this access has handed out from a text (errors, log lines). */
  scrub(text: string): string;
}

/** A credential is re-asked this long before it expires, and at least this often (rotations, revocations). */
const EXPIRY_MARGIN_MS = 30_000;
const MAX_REUSE_MS = 5 * 60_000;

const noScrub = (t: string) => t;
const anonymous = async () => ({});

/**
 * How discovery reaches each upstream. The hosted Okta MCP server takes a discovery → okta-mcp
 * service token and lists its tools without any Okta credential, so discovery works even when the
 * Okta client credentials are wrong. Remote servers registered with a credential that exists
 * without an end user (static bearer / header, service OAuth, client credentials) are listed with
 * that credential, asked from auth's token broker (which holds the secrets); servers with no
 * credential are listed anonymously; per-user OAuth servers have no credential discovery could use,
 * so they are tried anonymously and a refusal says what the administrator can do.
 */
@Injectable()
export class UpstreamAccess {
  private readonly signer: ServiceTokenSigner;

  constructor(
    @Inject(DISCOVERY_CONFIG) private readonly config: DiscoveryConfig,
    private readonly broker: TokenBrokerClient,
  ) {
    this.signer = new ServiceTokenSigner(config.internalSecret, 'discovery');
  }

  isHosted(s: Pick<KnownServer, 'catalogId' | 'kind'>): boolean {
    return s.catalogId === 'okta' || (s.catalogId === null && s.kind === 'okta');
  }

  target(s: KnownServer): UpstreamTarget | { error: string } {
    const url = this.isHosted(s) ? (this.config.oktaMcpUrl ?? s.upstreamUrl) : s.upstreamUrl;
    if (!url)
      return {
        error: this.isHosted(s)
          ? 'OKTA_MCP_URL is not configured and the registration names no upstream URL'
          : 'the registration has no upstream URL',
      };
    return { serverId: s.serverId, url, transport: s.transport };
  }

  /**
   * Works out what to send, asking auth for the credential where there is one. `{ error }` when
   * discovery cannot list the server now (auth unreachable, nothing connected yet, …): the run then
   * fails without contacting the upstream, and the previous inventory is kept.
   */
  async prepare(s: KnownServer): Promise<PreparedAccess | { error: string }> {
    if (this.isHosted(s))
      return {
        via: 'hosted',
        headers: async () => ({ authorization: await this.signer.authorizationFor('okta-mcp') }),
        scrub: noScrub,
      };
    if (s.credentialMode === 'none') return { via: 'anonymous', headers: anonymous, scrub: noScrub };
    if (s.credentialMode === 'per_user') return { via: 'per_user', headers: anonymous, scrub: noScrub };
    // static, service, client_credentials — or unknown (registered before discovery stored the mode).
    const cred = new BrokeredCredential(this.broker, s.serverId);
    let first: Resolved;
    try {
      first = await cred.resolve();
    } catch (err) {
      return {
        error:
          err instanceof BrokerUnavailableError
            ? `cannot get the server's credential: ${err.message}. Nothing was sent to the server; the known tools are kept.`
            : `cannot get the server's credential from auth (${(err as Error).message})`,
      };
    }
    switch (first.kind) {
      case 'headers':
        return { via: 'credential', headers: () => cred.headers(), scrub: (t) => cred.scrub(t) };
      case 'user_required':
        return { via: 'per_user', headers: anonymous, scrub: noScrub };
      case 'not_configured':
        // A registration from before discovery knew the mode, with no credential in auth: anonymous.
        if (s.credentialMode === null) return { via: 'anonymous', headers: anonymous, scrub: noScrub };
        return {
          error: `auth holds no credential for this server (${first.message}). Complete the server's credentials in its registration, then run discovery again.`,
        };
      case 'connect':
        return { error: first.message };
    }
  }
}

type Resolved =
  | { kind: 'headers'; headers: Record<string, string>; until: number }
  | { kind: 'user_required' | 'not_configured' | 'connect'; message: string };

/** One server's credential from the broker, reused until shortly before it expires. */
class BrokeredCredential {
  private current?: { headers: Record<string, string>; until: number };
  private pending?: Promise<Resolved>;
  private readonly secrets = new Set<string>();

  constructor(
    private readonly broker: TokenBrokerClient,
    private readonly serverId: string,
  ) {}

  async headers(): Promise<Record<string, string>> {
    if (this.current && this.current.until > Date.now()) return this.current.headers;
    const r = await this.resolve();
    if (r.kind !== 'headers')
      throw new Error(`auth no longer hands out a credential for this server: ${r.message}`);
    return r.headers;
  }

  resolve(): Promise<Resolved> {
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<Resolved> {
    const a = await this.broker.credentialFor(this.serverId);
    if (a.status === 'ok') {
      const headers = toHeaders(a, this.secrets);
      const expires = a.expiresAt ? Date.parse(a.expiresAt) : Number.NaN;
      const until = Math.min(
        Date.now() + MAX_REUSE_MS,
        Number.isFinite(expires) ? expires - EXPIRY_MARGIN_MS : Number.POSITIVE_INFINITY,
      );
      this.current = { headers, until };
      return { kind: 'headers', headers, until };
    }
    this.current = undefined;
    return describeAnswer(a);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}

/**
 * The broker's answer as request headers, exactly as the gateway sends them: `Authorization:
 * Bearer <accessToken>`, then the static headers (which win, e.g. `Authorization: SSWS …`).
 * Every secret value is remembered for scrubbing.
 */
export function toHeaders(
  a: Extract<BrokerAnswer, { status: 'ok' }>,
  secrets: Set<string>,
): Record<string, string> {
  const h: Record<string, string> = {};
  const remember = (v: string) => {
    if (v.length >= 4) secrets.add(v);
    const m = /^\S+\s+(\S.*)$/.exec(v); // "Bearer x", "SSWS x": the secret part alone too
    if (m && m[1]!.length >= 4) secrets.add(m[1]!);
  };
  if (a.accessToken) {
    h['authorization'] = `Bearer ${a.accessToken}`;
    remember(a.accessToken);
  }
  for (const [k, v] of Object.entries(a.headers ?? {})) {
    if (typeof v !== 'string') continue;
    h[k.toLowerCase()] = v;
    remember(v);
  }
  return h;
}

function describeAnswer(a: Exclude<BrokerAnswer, { status: 'ok' }>): Resolved {
  switch (a.status) {
    case 'user_required':
      return { kind: 'user_required', message: a.message ?? 'per-user credentials only' };
    case 'not_configured':
      return { kind: 'not_configured', message: a.message ?? 'not configured' };
    case 'connect_required':
    case 'reconnect_required': {
      // Only the service-account connect link is repeated (it names the server, nothing else); a
      // per-user connect link never goes into a discovery result.
      const link =
        a.connectUrl && /\/connect\/service\/start\?/.test(a.connectUrl) ? ` (link: ${a.connectUrl})` : '';
      const why = a.status === 'reconnect_required' && a.reason ? ` (${a.reason})` : '';
      return {
        kind: 'connect',
        message: `auth has no usable credential for this server yet: ${(a.message ?? a.status).replace(/\.\s*$/, '')}${why}${link}. Nothing was sent to the server.`,
      };
    }
  }
}
