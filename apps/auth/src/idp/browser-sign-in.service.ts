import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorPage } from '../common/html';
import { redirectTo, sendHtml } from '../common/http';
import type { BrowserSession } from '../sessions/session.repository';
import { SessionService } from '../sessions/session.service';
import { IdpService, IdpSignInError } from './idp.service';

/** "Signed in, or off to the IdP first": shared by the consent and connect pages. */
@Injectable()
export class BrowserSignIn {
  constructor(
    private readonly sessions: SessionService,
    private readonly idp: IdpService,
  ) {}

  /** The signed-in session, or null after answering with a redirect to the IdP (coming back to this URL). */
  async requireSession(
    req: Request,
    res: Response,
    returnTo = req.originalUrl,
  ): Promise<BrowserSession | null> {
    const session = await this.sessions.current(req);
    if (session) return session;
    await this.redirectToSignIn(res, returnTo);
    return null;
  }

  async redirectToSignIn(res: Response, returnTo: string): Promise<void> {
    try {
      redirectTo(res, await this.idp.loginUrl(returnTo));
    } catch (err) {
      if (err instanceof IdpSignInError) return sendHtml(res, 503, errorPage(err.error, err.description));
      throw err;
    }
  }
}
