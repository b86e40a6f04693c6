import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { IntrospectionClient, IntrospectionUnavailableError, type Principal } from './introspection';

export const ADMIN_INTROSPECTION = Symbol('ADMIN_INTROSPECTION');

export type AdminRequest = Request & { principal?: Principal };

/**
 * Guards admin API routes: a bearer credential that auth says is active and belongs to an admin.
 * Fails closed when auth cannot be asked (503), never open.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly introspection: IntrospectionClient) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) {
      throw new UnauthorizedException('Send an admin API token or an admin\'s access token as "Authorization: Bearer <token>".');
    }
    let result;
    try {
      result = await this.introspection.introspect(m[1]!);
    } catch (err) {
      if (err instanceof IntrospectionUnavailableError) {
        throw new ServiceUnavailableException('Cannot verify the credential right now (auth is unavailable); retry shortly.');
      }
      throw err;
    }
    if (!result.active) throw new UnauthorizedException(`The bearer token is not valid${result.reason ? `: ${result.reason}` : ''}.`);
    if (!result.admin) throw new ForbiddenException('This credential does not carry the Portcullis admin role.');
    req.principal = result;
    return true;
  }
}
