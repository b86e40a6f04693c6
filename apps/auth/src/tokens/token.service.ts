import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual, randomToken, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AiClientsService } from '../clients/ai-clients.service';
import { type AiClientRecord, ClientRepository, type OAuthClientRecord } from '../clients/client.repository';
import { AuthEvents } from '../common/auth-events';
import { OAuthError } from '../common/errors';
import { UserRepository } from '../users/user.repository';
import { AccessTokenService } from './access-token.service';
import { ClientAuthentication } from './client-authentication';
import { PKCE_VALUE, s256 } from './pkce';
import { narrowScope } from './scopes';
import { TokenRepository } from './token.repository';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** The token endpoint's grants: authorization_code (PKCE), refresh_token (rotating, reuse-detecting), client_credentials. */
@Injectable()
export class TokenService {
  constructor(
    private readonly clientAuth: ClientAuthentication,
    private readonly clients: ClientRepository,
    private readonly aiClients: AiClientsService,
    private readonly tokens: TokenRepository,
    private readonly accessTokens: AccessTokenService,
    private readonly users: UserRepository,
    private readonly events: AuthEvents,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async token(req: Request, params: Record<string, string>): Promise<TokenResponse> {
    const grantType = params['grant_type'];
    if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
      throw new OAuthError(
        'unsupported_grant_type',
        `grant_type "${grantType.slice(0, 100)}" is not supported; use authorization_code, refresh_token or client_credentials.`,
      );
    }
    const client = await this.clientAuth.authenticate(req, params);
    if (grantType === 'authorization_code') return this.authorizationCode(client, params);
    if (grantType === 'refresh_token') return this.refresh(client, params);
    return this.clientCredentials(client, params);
  }

  private checkResource(requested: string | undefined, bound: string): void {
    if (requested !== undefined && requested !== bound) {
      throw new OAuthError(
        'invalid_target',
        `resource "${requested.slice(0, 300)}" does not match the resource this grant is for (${bound}).`,
      );
    }
  }

  private async authorizationCode(
    client: OAuthClientRecord,
    p: Record<string, string>,
  ): Promise<TokenResponse> {
    const code = p['code'];
    if (!code) throw new OAuthError('invalid_request', 'code is required for grant_type authorization_code.');
    const verifier = p['code_verifier'];
    if (!verifier)
      throw new OAuthError('invalid_request', 'code_verifier is required: Portcullis requires PKCE (S256).');
    const redeemed = await this.tokens.redeemCode(this.platform.tenantId, sha256Hex(code));
    if (!redeemed) throw new OAuthError('invalid_grant', 'The authorization code is invalid or has expired.');
    const c = redeemed.code;
    if (!redeemed.firstUse) {
      // A replayed code: whoever has it may be an attacker; revoke what the first use produced.
      const revoked = await this.aiClients.revokeFamily(c.aiClientId, c.familyId);
      await this.events.audit(
        'auth.token.code_reuse_detected',
        { type: 'user', id: c.userId },
        { type: 'ai_client', id: c.aiClientId },
        'An authorization code was presented twice; tokens issued from it were revoked',
        {
          oauthClientId: c.oauthClientId,
          revokedTokens: revoked.length,
        },
      );
      throw new OAuthError(
        'invalid_grant',
        'The authorization code has already been used; tokens issued from it have been revoked. Start the sign-in again.',
      );
    }
    if (c.expiresAt.getTime() <= Date.now())
      throw new OAuthError(
        'invalid_grant',
        'The authorization code has expired (codes live 60 seconds); start the sign-in again.',
      );
    if (c.oauthClientId !== client.clientId)
      throw new OAuthError('invalid_grant', 'The authorization code was issued to another client.');
    if (p['redirect_uri'] !== c.redirectUri) {
      throw new OAuthError(
        'invalid_grant',
        "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
      );
    }
    if (!PKCE_VALUE.test(verifier) || !constantTimeEqual(s256(verifier), c.codeChallenge)) {
      throw new OAuthError(
        'invalid_grant',
        'PKCE verification failed: code_verifier does not match the code_challenge.',
      );
    }
    this.checkResource(p['resource'], c.resource);
    const ai = await this.clients.findAiClient(this.platform.tenantId, c.aiClientId);
    if (!ai || ai.state === 'closed')
      throw new OAuthError('invalid_grant', 'This AI client has been closed by an administrator.');
    return this.issue(client, ai, c.userId, c.scope, c.resource, c.familyId, 'authorization_code');
  }

  private async refresh(client: OAuthClientRecord, p: Record<string, string>): Promise<TokenResponse> {
    const value = p['refresh_token'];
    if (!value)
      throw new OAuthError('invalid_request', 'refresh_token is required for grant_type refresh_token.');
    const tenant = this.platform.tenantId;
    const claim = await this.tokens.claimRefreshToken(tenant, sha256Hex(value));
    if (!claim.ok) {
      const t = claim.token;
      if (claim.why === 'reused' && t && t.oauthClientId === client.clientId) {
        const revoked = await this.aiClients.revokeFamily(t.aiClientId, t.familyId);
        await this.events.audit(
          'auth.token.refresh_reuse_detected',
          { type: 'user', id: t.userId },
          { type: 'ai_client', id: t.aiClientId },
          'A rotated refresh token was presented again; the whole token family was revoked',
          { oauthClientId: t.oauthClientId, familyId: t.familyId, revokedAccessTokens: revoked.length },
        );
        throw new OAuthError(
          'invalid_grant',
          'The refresh token has already been used. For safety every token from this sign-in has been revoked; sign in again.',
        );
      }
      if (claim.why === 'revoked')
        throw new OAuthError('invalid_grant', 'The refresh token has been revoked; sign in again.');
      if (claim.why === 'expired')
        throw new OAuthError('invalid_grant', 'The refresh token has expired; sign in again.');
      throw new OAuthError('invalid_grant', 'The refresh token is invalid or expired.');
    }
    const t = claim.token;
    if (t.oauthClientId !== client.clientId) {
      // Claimed by the wrong client: put nothing at risk, revoke the family.
      await this.aiClients.revokeFamily(t.aiClientId, t.familyId);
      throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.');
    }
    this.checkResource(p['resource'], t.resource);
    const scope = narrowScope(t.scope, p['scope']);
    if (scope === null)
      throw new OAuthError('invalid_scope', `The requested scope exceeds what was granted (${t.scope}).`);
    const ai = await this.clients.findAiClient(tenant, t.aiClientId);
    if (!ai || ai.state === 'closed')
      throw new OAuthError(
        'invalid_grant',
        'This AI client has been closed by an administrator; sign in again is not possible until it is re-activated.',
      );
    return this.issue(client, ai, t.userId, scope, t.resource, t.familyId, 'refresh_token', t.scope);
  }

  private async clientCredentials(
    client: OAuthClientRecord,
    p: Record<string, string>,
  ): Promise<TokenResponse> {
    if (client.registration !== 'admin' || !client.grantTypes.includes('client_credentials')) {
      throw new OAuthError(
        'unauthorized_client',
        'Only service clients created by an administrator may use the client_credentials grant.',
      );
    }
    const resource = p['resource'] ?? this.cfg.GATEWAY_RESOURCE_URL;
    if (resource !== this.cfg.GATEWAY_RESOURCE_URL) {
      throw new OAuthError(
        'invalid_target',
        `resource must be the Portcullis gateway (${this.cfg.GATEWAY_RESOURCE_URL}).`,
      );
    }
    const [ai] = await this.clients.findAiClientByOAuthClient(this.platform.tenantId, client.clientId);
    if (!ai)
      throw new OAuthError(
        'invalid_client',
        'This service client has no AI client record; recreate it.',
        401,
      );
    if (ai.state === 'closed')
      throw new OAuthError('invalid_grant', 'This service client has been closed by an administrator.');
    const scope = narrowScope('mcp', p['scope'] ? p['scope'] : 'mcp');
    if (scope === null)
      throw new OAuthError('invalid_scope', 'Service clients may request only the "mcp" scope.');
    const at = await this.accessTokens.mint({
      subject: ai.id,
      groups: ai.groups,
      aiClientId: ai.id,
      oauthClientId: client.clientId,
      clientType: ai.type,
      scope,
      resource,
      userId: null,
      familyId: null,
      name: ai.name,
    });
    await this.clients.touch(ai.id);
    await this.events.audit(
      'auth.token.issued',
      { type: 'service', id: ai.id },
      { type: 'ai_client', id: ai.id },
      `Access token issued to service client "${ai.name}"`,
      {
        grantType: 'client_credentials',
        jti: at.jti,
      },
    );
    return { access_token: at.token, token_type: 'Bearer', expires_in: at.expiresIn, scope };
  }

  private async issue(
    client: OAuthClientRecord,
    ai: AiClientRecord,
    userId: string,
    scope: string,
    resource: string,
    familyId: string,
    grantType: string,
    refreshScope = scope,
  ): Promise<TokenResponse> {
    const tenant = this.platform.tenantId;
    const user = await this.users.findById(tenant, userId);
    if (!user) throw new OAuthError('invalid_grant', 'The user of this grant no longer exists.');
    const at = await this.accessTokens.mint({
      subject: user.id,
      email: user.email,
      name: user.name,
      groups: user.groups,
      aiClientId: ai.id,
      oauthClientId: client.clientId,
      clientType: ai.type,
      scope,
      resource,
      userId: user.id,
      familyId,
    });
    const response: TokenResponse = {
      access_token: at.token,
      token_type: 'Bearer',
      expires_in: at.expiresIn,
      scope,
    };
    if (client.grantTypes.includes('refresh_token') || refreshScope.split(' ').includes('offline_access')) {
      const refresh = `pcrt_${randomToken(32)}`;
      await this.tokens.insertRefreshToken(tenant, {
        id: randomUUID(),
        tokenHash: sha256Hex(refresh),
        familyId,
        aiClientId: ai.id,
        oauthClientId: client.clientId,
        userId: user.id,
        scope: refreshScope,
        resource,
        ttlSeconds: this.cfg.REFRESH_TOKEN_TTL_SECONDS,
      });
      response.refresh_token = refresh;
    }
    await this.clients.touch(ai.id);
    await this.events.audit(
      'auth.token.issued',
      { type: 'user', id: user.id, ...(user.email ? { email: user.email } : {}) },
      { type: 'ai_client', id: ai.id },
      `Access token issued to "${ai.name}" for ${user.email ?? user.id} (${grantType})`,
      { grantType, jti: at.jti, scope, refreshTokenIssued: !!response.refresh_token },
    );
    return response;
  }
}
