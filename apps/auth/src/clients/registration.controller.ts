import { Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { randomToken, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SYSTEM_ACTOR, AuthEvents } from '../common/auth-events';
import { OAuthError } from '../common/errors';
import { OAuthErrorFilter } from '../common/filters';
import { NO_STORE_HEADERS } from '../common/http';
import { ClientRepository, newDcrClientId, type TokenEndpointAuthMethod } from './client.repository';
import { redirectUriProblem } from './redirect-uri';
import { RegistrationSettingsRepository } from './registration-settings.repository';

const registrationSchema = z
  .object({
    redirect_uris: z
      .array(z.string().max(2048))
      .min(1, { error: 'must list at least one redirect URI' })
      .max(20),
    client_name: z.string().min(1).max(200).optional(),
    client_uri: z.url().max(2048).optional(),
    logo_uri: z.url().max(2048).optional(),
    token_endpoint_auth_method: z.enum(['none', 'client_secret_basic', 'client_secret_post']).optional(),
    grant_types: z.array(z.string().max(100)).max(10).optional(),
    response_types: z.array(z.string().max(100)).max(10).optional(),
    scope: z.string().max(1000).optional(),
    software_id: z.string().max(200).optional(),
    software_version: z.string().max(100).optional(),
  })
  .loose();

/**
 * Dynamic Client Registration (RFC 7591), for AI clients that do not publish a Client ID Metadata
 * Document. Open registration, as MCP clients expect; a registered client can do nothing until a
 * user signs in and consents. Admins can turn it off (registration settings).
 */
@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class RegistrationController {
  constructor(
    private readonly clients: ClientRepository,
    private readonly settings: RegistrationSettingsRepository,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Post('register')
  @HttpCode(201)
  async register(@Req() req: Request, @Res() res: Response): Promise<void> {
    const s = await this.settings.get(this.platform.tenantId);
    if (!s.allowDcr) {
      throw new OAuthError(
        'access_denied',
        'Dynamic Client Registration is disabled on this Portcullis; use a client that supports Client ID Metadata Documents, or ask your administrator.',
        403,
      );
    }
    const parsed = registrationSchema.safeParse(req.body);
    if (!parsed.success) {
      const redirectIssue = parsed.error.issues.find((i) => i.path[0] === 'redirect_uris');
      const problems = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new OAuthError(
        redirectIssue ? 'invalid_redirect_uri' : 'invalid_client_metadata',
        `Invalid registration: ${problems}.`,
      );
    }
    const m = parsed.data;
    for (const uri of m.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new OAuthError('invalid_redirect_uri', `Invalid redirect URI: ${problem}.`);
    }
    const grantTypes = m.grant_types ?? ['authorization_code', 'refresh_token'];
    const unsupported = grantTypes.filter((g) => g !== 'authorization_code' && g !== 'refresh_token');
    if (unsupported.length) {
      throw new OAuthError(
        'invalid_client_metadata',
        `grant_types ${unsupported.join(', ')} cannot be registered dynamically; only authorization_code and refresh_token.`,
      );
    }
    if (m.response_types && m.response_types.some((r) => r !== 'code')) {
      throw new OAuthError('invalid_client_metadata', 'response_types may only contain "code".');
    }
    const method: TokenEndpointAuthMethod = m.token_endpoint_auth_method ?? 'client_secret_basic';
    const clientId = newDcrClientId();
    const secret = method === 'none' ? undefined : `pccs_${randomToken(32)}`;
    await this.clients.upsertOAuthClient(this.platform.tenantId, {
      clientId,
      registration: 'dcr',
      clientName: m.client_name ?? null,
      clientUri: m.client_uri ?? null,
      logoUri: m.logo_uri ?? null,
      redirectUris: m.redirect_uris,
      grantTypes,
      tokenEndpointAuthMethod: method,
      secretHash: secret ? sha256Hex(secret) : null,
      scope: m.scope ?? null,
      metadata: { software_id: m.software_id, software_version: m.software_version },
    });
    await this.events.audit(
      'auth.client.registered',
      SYSTEM_ACTOR,
      { type: 'oauth_client', id: clientId },
      `Client "${m.client_name ?? clientId}" registered dynamically`,
      {
        redirectUris: m.redirect_uris,
        tokenEndpointAuthMethod: method,
        softwareId: m.software_id,
      },
    );
    res
      .status(201)
      .set(NO_STORE_HEADERS)
      .json({
        client_id: clientId,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
        redirect_uris: m.redirect_uris,
        token_endpoint_auth_method: method,
        grant_types: grantTypes,
        response_types: ['code'],
        ...(m.client_name ? { client_name: m.client_name } : {}),
        ...(m.client_uri ? { client_uri: m.client_uri } : {}),
        ...(m.logo_uri ? { logo_uri: m.logo_uri } : {}),
        ...(m.scope ? { scope: m.scope } : {}),
        ...(m.software_id ? { software_id: m.software_id } : {}),
        ...(m.software_version ? { software_version: m.software_version } : {}),
      });
  }
}
