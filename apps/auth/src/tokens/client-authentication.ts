import { Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request } from 'express';
import { ClientRepository, type OAuthClientRecord } from '../clients/client.repository';
import { OAuthError } from '../common/errors';

/**
 * Client authentication at the token and revocation endpoints: `client_secret_basic`,
 * `client_secret_post`, or `none` (public clients identify themselves with client_id and prove
 * possession with PKCE).
 */
@Injectable()
export class ClientAuthentication {
  constructor(
    private readonly clients: ClientRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async authenticate(req: Request, params: Record<string, string>): Promise<OAuthClientRecord> {
    let clientId = params['client_id'];
    let secret = params['client_secret'];
    let usedBasic = false;
    const header = req.headers.authorization;
    if (header && /^basic\s/i.test(header)) {
      const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const idx = decoded.indexOf(':');
      if (idx < 0) throw this.fail('The Basic authorization header is malformed.', true);
      try {
        // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
        const id = decodeURIComponent(decoded.slice(0, idx).replace(/\+/g, ' '));
        const sec = decodeURIComponent(decoded.slice(idx + 1).replace(/\+/g, ' '));
        if (clientId && clientId !== id)
          throw this.fail('client_id in the body differs from the one in the Authorization header.', true);
        if (secret)
          throw new OAuthError(
            'invalid_request',
            'Use one client authentication method, not both Basic and client_secret.',
          );
        clientId = id;
        secret = sec;
        usedBasic = true;
      } catch (err) {
        if (err instanceof OAuthError) throw err;
        throw this.fail('The Basic authorization header is malformed.', true);
      }
    }
    if (!clientId) throw this.fail('Client authentication failed: no client_id was sent.', usedBasic);
    const client = await this.clients.findOAuthClient(this.platform.tenantId, clientId);
    if (!client)
      throw this.fail(`Client authentication failed: unknown client "${clientId.slice(0, 200)}".`, usedBasic);
    if (client.tokenEndpointAuthMethod === 'none') {
      if (secret) throw this.fail('This is a public client; it must not send a client secret.', usedBasic);
      return client;
    }
    if (!secret || !client.secretHash || !constantTimeEqual(sha256Hex(secret), client.secretHash)) {
      throw this.fail('Client authentication failed: the client secret is missing or wrong.', usedBasic);
    }
    return client;
  }

  private fail(description: string, basic: boolean): OAuthError {
    return new OAuthError(
      'invalid_client',
      description,
      401,
      basic ? { 'WWW-Authenticate': 'Basic realm="portcullis"' } : {},
    );
  }
}
