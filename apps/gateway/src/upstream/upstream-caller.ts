import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  CALLER_HEADER,
  ServiceTokenSigner,
  UPSTREAM_ORG_URL_HEADER,
  UPSTREAM_TOKEN_HEADER,
  UPSTREAM_TOKEN_TYPE_HEADER,
} from '@portcullis/crypto';
import type { SnapshotServer } from '@portcullis/policy';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import type { UpstreamCredential } from '../credentials/token-broker.client';
import { McpHttpClient, McpHttpError } from './mcp-http-client';

export interface CallToolResult {
  content: { type: string; text?: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unreachable' | 'protocol',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}


/**
 * Calls tools on upstream MCP servers. One keep-alive client per upstream per gateway process; the
 * per-call credentials (never the AI client's own token) go on each request's headers, so
 * concurrent calls for different users share connections but never each other's credentials.
 */
@Injectable()
export class UpstreamCaller implements OnModuleDestroy {
  private readonly clients = new Map<string, McpHttpClient>();
  private readonly signer: ServiceTokenSigner;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.signer = new ServiceTokenSigner(config.INTERNAL_SERVICE_SECRET, 'gateway');
  }

  /** Where the gateway reaches this server: the hosted Okta MCP server, or the registered remote URL. */
  endpointOf(server: SnapshotServer): string {
    if (server.kind === 'okta') {
      if (!this.config.OKTA_MCP_URL) throw new UpstreamError('OKTA_MCP_URL is not configured on the gateway.', 'unreachable');
      return this.config.OKTA_MCP_URL;
    }
    if (!server.upstreamUrl) throw new UpstreamError(`${server.displayName} has no upstream URL.`, 'unreachable');
    return server.upstreamUrl;
  }

  private clientFor(server: SnapshotServer): McpHttpClient {
    const url = this.endpointOf(server);
    let client = this.clients.get(server.id);
    if (!client || client.url !== url) {
      void client?.close();
      client = new McpHttpClient(url, { name: 'portcullis-gateway', version: this.platform.version });
      this.clients.set(server.id, client);
    }
    return client;
  }

  private async callHeaders(server: SnapshotServer, userId: string, credential: UpstreamCredential | undefined): Promise<Record<string, string>> {
    const h: Record<string, string> = {};
    if (server.kind === 'okta') {
      // The hosted Okta server trusts only Portcullis services, and takes the Okta org and token from these headers.
      h['authorization'] = await this.signer.authorizationFor('okta-mcp');
      if (server.oktaOrgUrl) h[UPSTREAM_ORG_URL_HEADER] = server.oktaOrgUrl;
      h[CALLER_HEADER] = userId;
      if (credential?.status === 'ok') {
        if (credential.accessToken) h[UPSTREAM_TOKEN_HEADER] = credential.accessToken;
        h[UPSTREAM_TOKEN_TYPE_HEADER] = credential.tokenType === 'SSWS' ? 'SSWS' : 'Bearer';
      }
    } else if (credential?.status === 'ok') {
      if (credential.accessToken) h['authorization'] = `Bearer ${credential.accessToken}`;
      for (const [k, v] of Object.entries(credential.headers ?? {})) h[k.toLowerCase()] = v;
    }
    return h;
  }

  async callTool(
    server: SnapshotServer,
    tool: string,
    args: Record<string, unknown>,
    userId: string,
    credential: UpstreamCredential | undefined,
    deadlineMs = this.config.UPSTREAM_TIMEOUT_MS,
  ): Promise<CallToolResult> {
    const headers = await this.callHeaders(server, userId, credential);
    try {
      return (await this.clientFor(server).request('tools/call', { name: tool, arguments: args }, headers, deadlineMs)) as unknown as CallToolResult;
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      const e = err as McpHttpError;
      if (e.kind === 'timeout') throw new UpstreamError(`${server.displayName} did not answer within ${deadlineMs} ms.`, 'timeout', { cause: err });
      if (e.kind === 'unreachable') throw new UpstreamError(`${server.displayName} is unreachable: ${e.message}`, 'unreachable', { cause: err });
      throw new UpstreamError(`${server.displayName} failed: ${e.message}`, 'protocol', { cause: err });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    this.clients.clear();
  }
}
