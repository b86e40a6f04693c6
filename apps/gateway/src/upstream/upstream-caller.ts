import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
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

type CallHeaders = Record<string, string>;

/**
 * Calls tools on upstream MCP servers with the official MCP client. One connected client per
 * upstream per gateway process; the per-call credentials (never the AI client's own token) are
 * added to each HTTP request from an AsyncLocalStorage scope, so concurrent calls for different
 * users share a connection pool but never each other's headers.
 */
@Injectable()
export class UpstreamCaller implements OnModuleDestroy {
  private readonly headers = new AsyncLocalStorage<CallHeaders>();
  private readonly clients = new Map<string, { url: string; client: Promise<Client> }>();
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

  private async clientFor(server: SnapshotServer): Promise<Client> {
    const url = this.endpointOf(server);
    const existing = this.clients.get(server.id);
    if (existing && existing.url === url) return existing.client;
    const als = this.headers;
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      fetch: (input, init) => {
        const h = new Headers(init?.headers);
        for (const [k, v] of Object.entries(als.getStore() ?? {})) h.set(k, v);
        return fetch(input, { ...init, headers: h });
      },
    });
    const client = new Client({ name: 'portcullis-gateway', version: this.platform.version });
    const connecting = (async () => {
      // The handshake itself carries the service token (no user credential).
      await this.headers.run(await this.baseHeaders(server, undefined), () => client.connect(transport, { timeout: 10_000 }));
      return client;
    })();
    this.clients.set(server.id, { url, client: connecting });
    connecting.catch(() => this.clients.delete(server.id));
    return connecting;
  }

  private async baseHeaders(server: SnapshotServer, userId: string | undefined): Promise<CallHeaders> {
    const h: CallHeaders = {};
    if (server.kind === 'okta') {
      h['authorization'] = await this.signer.authorizationFor('okta-mcp');
      if (server.oktaOrgUrl) h[UPSTREAM_ORG_URL_HEADER] = server.oktaOrgUrl;
      if (userId) h[CALLER_HEADER] = userId;
    }
    return h;
  }

  private async callHeaders(server: SnapshotServer, userId: string, credential: UpstreamCredential | undefined): Promise<CallHeaders> {
    const h = await this.baseHeaders(server, userId);
    if (credential?.status !== 'ok') return h;
    if (server.kind === 'okta') {
      if (credential.accessToken) h[UPSTREAM_TOKEN_HEADER] = credential.accessToken;
      h[UPSTREAM_TOKEN_TYPE_HEADER] = credential.tokenType === 'SSWS' ? 'SSWS' : 'Bearer';
    } else {
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
    let client: Client;
    try {
      client = await this.clientFor(server);
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      throw new UpstreamError(`${server.displayName} is unreachable: ${(err as Error).message}`, 'unreachable', { cause: err });
    }
    const headers = await this.callHeaders(server, userId, credential);
    try {
      return (await this.headers.run(headers, () =>
        client.callTool({ name: tool, arguments: args }, undefined, { timeout: deadlineMs }),
      )) as CallToolResult;
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      if (/timed out|timeout/i.test(msg)) {
        throw new UpstreamError(`${server.displayName} did not answer within ${deadlineMs} ms.`, 'timeout', { cause: err });
      }
      if (/fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(msg)) {
        this.clients.delete(server.id);
        throw new UpstreamError(`${server.displayName} is unreachable: ${msg}`, 'unreachable', { cause: err });
      }
      throw new UpstreamError(`${server.displayName} failed: ${msg}`, 'protocol', { cause: err });
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const { client } of this.clients.values()) await client.then((c) => c.close()).catch(() => undefined);
    this.clients.clear();
  }
}
