import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidTokenError } from '../common/errors';
import { bearerToken } from '../common/http';
import { type AccessTokenClaims, AccessTokenService } from './access-token.service';

export type UserRequest = Request & { claims?: AccessTokenClaims };

/** Self-service routes (/api/v1/me/*): the caller's own Portcullis access token. */
@Injectable()
export class UserTokenGuard implements CanActivate {
  constructor(private readonly accessTokens: AccessTokenService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<UserRequest>();
    const token = bearerToken(req);
    if (!token)
      throw new InvalidTokenError('Send your Portcullis access token as "Authorization: Bearer <token>".');
    const v = await this.accessTokens.verify(token);
    if (!v.ok) throw new InvalidTokenError(v.reason);
    if (v.claims.client_type === 'service')
      throw new ForbiddenException('Service clients have no personal connections; use a user access token.');
    req.claims = v.claims;
    return true;
  }
}
