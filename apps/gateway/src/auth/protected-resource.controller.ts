import { Controller, Get, Inject } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint, at the path-aware URL
 * (`/.well-known/oauth-protected-resource/mcp`) and the root one, so clients that try either find it.
 */
@Controller('.well-known')
export class ProtectedResourceController {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  private metadata() {
    return {
      resource: this.config.resource,
      authorization_servers: [this.config.issuer],
      scopes_supported: [this.config.MCP_REQUIRED_SCOPE],
      bearer_methods_supported: ['header'],
      resource_name: 'Portcullis MCP gateway',
      resource_documentation: `${this.config.PUBLIC_URL}/docs/user-guide`,
    };
  }

  @Get('oauth-protected-resource/mcp')
  pathAware() {
    return this.metadata();
  }

  @Get('oauth-protected-resource')
  root() {
    return this.metadata();
  }
}
