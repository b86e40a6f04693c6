import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthEvents } from '../common/auth-events';
import { errorPage } from '../common/html';
import { redirectTo, sendHtml } from '../common/http';
import { SessionService } from '../sessions/session.service';
import { isAdminByGroups } from '../users/admin-role';
import { UserRepository } from '../users/user.repository';
import { IdpService, IdpSignInError } from './idp.service';

/** The organization IdP redirects here after sign-in: `${PUBLIC_URL}/oauth/idp/callback`. */
@Controller('oauth/idp')
export class IdpController {
  constructor(
    private readonly idp: IdpService,
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly events: AuthEvents,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    let result;
    try {
      result = await this.idp.complete(req);
    } catch (err) {
      if (err instanceof IdpSignInError) {
        this.platform.logger.info({ error: err.error }, 'IdP sign-in failed');
        await this.events.audit(
          'auth.user.sign_in_failed',
          { type: 'system', id: 'idp' },
          { type: 'user', id: 'unknown' },
          `Sign-in through the IdP failed: ${err.error}`,
          {
            error: err.error,
            description: err.description,
          },
        );
        return sendHtml(
          res,
          err.error === 'access_denied' ? 403 : 400,
          errorPage(err.error, err.description),
        );
      }
      throw err;
    }
    const { identity, returnTo } = result;
    const user = await this.users.upsertFromIdp({ tenantId: this.platform.tenantId, ...identity });
    await this.sessions.start(res, user.id);
    await this.events.audit(
      'auth.user.signed_in',
      { type: 'user', id: user.id, ...(user.email ? { email: user.email } : {}) },
      { type: 'user', id: user.id },
      `${user.email ?? user.id} signed in through the organization IdP`,
      { groups: user.groups, admin: isAdminByGroups(user.groups, this.cfg.ADMIN_GROUPS) },
    );
    redirectTo(res, returnTo);
  }
}
