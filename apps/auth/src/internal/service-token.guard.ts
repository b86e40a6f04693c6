import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  ForbiddenException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ServiceName, ServiceTokenError, ServiceTokenVerifier } from '@portcullis/crypto';
import type { Request } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';

const CALLERS = 'portcullis:internal-callers';

/** Which Portcullis services may call an internal route (service token `iss`). */
export const InternalCallers = (...callers: ServiceName[]) => SetMetadata(CALLERS, callers);

export type InternalRequest = Request & { caller?: ServiceName };

/** Internal channel: a short-lived service token for `auth`, from one of the allowed callers. */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly verifiers = new Map<string, ServiceTokenVerifier>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const callers =
      this.reflector.getAllAndOverride<ServiceName[]>(CALLERS, [ctx.getHandler(), ctx.getClass()]) ?? [];
    const key = callers.join(',');
    let verifier = this.verifiers.get(key);
    if (!verifier) {
      verifier = new ServiceTokenVerifier(this.cfg.INTERNAL_SERVICE_SECRET, 'auth', callers);
      this.verifiers.set(key, verifier);
    }
    const req = ctx.switchToHttp().getRequest<InternalRequest>();
    try {
      req.caller = await verifier.verify(req.headers.authorization);
      return true;
    } catch (err) {
      if (err instanceof ServiceTokenError) {
        if (/may not call/.test(err.message)) throw new ForbiddenException(err.message);
        throw new UnauthorizedException(err.message);
      }
      throw err;
    }
  }
}
