import { Module } from '@nestjs/common';
import type { Env } from '@portcullis/config';
import { ENV, type ServiceDefinition } from '@portcullis/runtime';
import { AuditEmitter } from './audit/audit-emitter';
import { ClientTokenVerifier } from './auth/client-token.verifier';
import { ProtectedResourceController } from './auth/protected-resource.controller';
import { ToolCallService } from './calls/tool-call.service';
import { TokenBrokerClient } from './credentials/token-broker.client';
import { GATEWAY_CONFIG, loadGatewayConfig } from './gateway.config';
import { McpEndpoint } from './mcp/mcp-endpoint';
import { ToolListing } from './mcp/tool-listing';
import { PolicyStore } from './policy/policy-store.service';
import { UpstreamCaller } from './upstream/upstream-caller';

@Module({
  controllers: [ProtectedResourceController],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: (env: Env) => loadGatewayConfig(env), inject: [ENV] },
    PolicyStore,
    ClientTokenVerifier,
    TokenBrokerClient,
    UpstreamCaller,
    AuditEmitter,
    ToolCallService,
    ToolListing,
    McpEndpoint,
  ],
  exports: [PolicyStore, McpEndpoint],
})
export class GatewayModule {}

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  features: [],
  // Stateless: no sessions, no shared cache (credentials are cached in-process in front of auth).
  needs: { database: false, cache: false },
  defaultPort: 8080,
  // /mcp is served from node:http ahead of Express: the fast path or the MCP SDK reads the body itself.
  rawRoutes: (app) => [{ path: '/mcp', handle: app.get(McpEndpoint).handle }],
};
