import { Controller, Get, Header, Inject } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { RegistrationSettingsRepository } from '../clients/registration-settings.repository';
import { SUPPORTED_SCOPES } from '../tokens/scopes';

/**
 * Authorization server metadata (RFC 8414) at both well-known locations MCP clients try
 * (`oauth-authorization-server`, then OpenID `openid-configuration`). Issuer = PUBLIC_URL.
 * Which registration paths are advertised follows the tenant's registration settings.
 */
@Controller('.well-known')
export class MetadataController {
  constructor(
    private readonly settings: RegistrationSettingsRepository,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @Header('Access-Control-Allow-Origin', '*')
  async oauth(): Promise<Record<string, unknown>> {
    return this.metadata();
  }

  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @Header('Access-Control-Allow-Origin', '*')
  async openid(): Promise<Record<string, unknown>> {
    return this.metadata();
  }

  async metadata(): Promise<Record<string, unknown>> {
    const iss = this.cfg.issuer;
    const s = await this.settings.get(this.platform.tenantId);
    return {
      issuer: iss,
      authorization_endpoint: `${iss}/oauth/authorize`,
      token_endpoint: `${iss}/oauth/token`,
      jwks_uri: `${iss}/oauth/jwks`,
      ...(s.allowDcr ? { registration_endpoint: `${iss}/oauth/register` } : {}),
      revocation_endpoint: `${iss}/oauth/revoke`,
      scopes_supported: [...SUPPORTED_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: s.allowCimd,
      authorization_response_iss_parameter_supported: true,
      // OpenID discovery requires these; Portcullis issues access tokens, not ID tokens.
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [this.cfg.SIGNING_ALG],
    };
  }
}
