import { Inject, Injectable } from '@nestjs/common';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { DISCOVERY_CONFIG, type DiscoveryConfig } from '../config';
import type { KnownServer } from './registry.repository';
import type { HeaderSource, UpstreamTarget } from './upstream-client';

/**
 * How discovery reaches each upstream. The hosted Okta MCP server takes a discovery → okta-mcp
 * service token and lists its tools without any Okta credential, so discovery works even when the
 * Okta client credentials are wrong. Remote servers are listed without credentials: their secrets
 * live in auth and are used by the gateway at call time; a server that refuses an anonymous
 * tools/list reports that as a discovery error.
 */
@Injectable()
export class UpstreamAccess {
  private readonly signer: ServiceTokenSigner;

  constructor(@Inject(DISCOVERY_CONFIG) private readonly config: DiscoveryConfig) {
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

  headers(s: KnownServer): HeaderSource {
    if (this.isHosted(s))
      return async () => ({ authorization: await this.signer.authorizationFor('okta-mcp') });
    return async () => ({});
  }
}
