import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request } from 'express';
import { AiClientsService } from '../clients/ai-clients.service';
import { AuthEvents } from '../common/auth-events';
import { OAuthError } from '../common/errors';
import { AccessTokenService } from './access-token.service';
import { ClientAuthentication } from './client-authentication';
import { TokenRepository } from './token.repository';

/**
 * RFC 7009 revocation. A client may revoke only its own tokens. Revoking a refresh token revokes
 * its whole family (and the access tokens minted from it); revoking an access token revokes that
 * token. Gateways are told by ClientChanged(tokens_revoked). Unknown tokens answer 200 as well.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly clientAuth: ClientAuthentication,
    private readonly tokens: TokenRepository,
    private readonly accessTokens: AccessTokenService,
    private readonly aiClients: AiClientsService,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async revoke(req: Request, p: Record<string, string>): Promise<void> {
    const client = await this.clientAuth.authenticate(req, p);
    const token = p['token'];
    if (!token) throw new OAuthError('invalid_request', 'token is required.');
    const hint = p['token_type_hint'];
    const tryRefresh = async () => {
      const rt = await this.tokens.findRefreshToken(this.platform.tenantId, sha256Hex(token));
      if (!rt || rt.oauthClientId !== client.clientId) return false;
      const jtis = await this.aiClients.revokeFamily(rt.aiClientId, rt.familyId);
      await this.events.audit(
        'auth.token.revoked',
        { type: 'user', id: rt.userId },
        { type: 'ai_client', id: rt.aiClientId },
        'Refresh token revoked by its client (RFC 7009); its token family was revoked',
        {
          tokenType: 'refresh_token',
          revokedAccessTokens: jtis.length,
        },
      );
      return true;
    };
    const tryAccess = async () => {
      const v = await this.accessTokens.verify(token, { checkRevocation: false });
      if (!v.ok || v.claims.azp !== client.clientId) return false;
      if (await this.tokens.revokeAccessToken(this.platform.tenantId, v.claims.jti)) {
        await this.events.clientChanged({
          clientId: v.claims.client_id,
          change: 'tokens_revoked',
          revokedTokenIds: [v.claims.jti],
        });
        await this.events.audit(
          'auth.token.revoked',
          { type: 'user', id: v.claims.sub },
          { type: 'ai_client', id: v.claims.client_id },
          'Access token revoked by its client (RFC 7009)',
          {
            tokenType: 'access_token',
            jti: v.claims.jti,
          },
        );
      }
      return true;
    };
    if (hint === 'access_token') {
      if (!(await tryAccess())) await tryRefresh();
    } else if (!(await tryRefresh())) {
      await tryAccess();
    }
  }
}
