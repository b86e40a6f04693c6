import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { constantTimeEqual, randomToken, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { readCookies } from '../common/http';
import { type BrowserSession, SessionRepository } from './session.repository';

/**
 * The signed-in browser: an HttpOnly, SameSite=Lax cookie (Secure and `__Host-` prefixed on https)
 * holding a random session id; the session itself lives in Postgres. The same session serves the
 * AI-client consent flow (/oauth/authorize) and the upstream connect flow (/connect).
 */
@Injectable()
export class SessionService {
  readonly cookieName: string;

  constructor(
    private readonly repo: SessionRepository,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.cookieName = cfg.secureCookies ? '__Host-portcullis_session' : 'portcullis_session';
  }

  async start(res: Response, userId: string): Promise<void> {
    const id = randomToken(32);
    await this.repo.create({
      idHash: sha256Hex(id),
      tenantId: this.platform.tenantId,
      userId,
      csrfSecret: randomToken(32),
      ttlSeconds: this.cfg.SESSION_TTL_SECONDS,
    });
    res.append('Set-Cookie', this.cookie(id, this.cfg.SESSION_TTL_SECONDS));
  }

  async current(req: Request): Promise<BrowserSession | null> {
    const id = readCookies(req)[this.cookieName];
    if (!id || id.length > 200) return null;
    return this.repo.find(this.platform.tenantId, sha256Hex(id));
  }

  async end(req: Request, res: Response): Promise<void> {
    const id = readCookies(req)[this.cookieName];
    if (id) await this.repo.delete(sha256Hex(id));
    res.append('Set-Cookie', this.cookie('', 0));
  }

  /** A form token bound to this session and purpose: a page from another session cannot be replayed. */
  csrfToken(session: BrowserSession, purpose: string): string {
    return createHmac('sha256', session.csrfSecret).update(purpose).digest('base64url');
  }

  checkCsrf(session: BrowserSession, purpose: string, token: string | undefined): boolean {
    return !!token && constantTimeEqual(this.csrfToken(session, purpose), token);
  }

  /** Same-origin check for form posts (in addition to the CSRF token): a foreign Origin is refused. */
  sameOrigin(req: Request): boolean {
    const origin = req.headers.origin;
    if (!origin || origin === 'null') return origin !== 'null';
    return origin === new URL(this.cfg.issuer).origin;
  }

  private cookie(value: string, maxAge: number): string {
    const parts = [`${this.cookieName}=${value}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Lax'];
    if (this.cfg.secureCookies) parts.push('Secure');
    return parts.join('; ');
  }
}
