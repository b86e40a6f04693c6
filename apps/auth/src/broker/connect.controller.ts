import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { EnvelopeCipher } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { generators } from 'openid-client';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthEvents } from '../common/auth-events';
import { escapeHtml, messagePage, page } from '../common/html';
import { queryParams, redirectTo, sendHtml } from '../common/http';
import { BrowserSignIn } from '../idp/browser-sign-in.service';
import { FlowStateRepository } from '../sessions/flow-state.repository';
import type { BrowserSession } from '../sessions/session.repository';
import { SessionService } from '../sessions/session.service';
import { isAdminByGroups } from '../users/admin-role';
import { ConnectTicketError } from './connect-tickets';
import {
  type ConnectionMode,
  ConnectionRepository,
  SERVICE_SUBJECT,
  userSubject,
} from './connection.repository';
import { TokenBroker } from './token-broker.service';
import { UpstreamClientsService } from './upstream-clients.service';
import { identityFromIdToken, UpstreamOAuthError } from './upstream-oauth.client';
import type { UpstreamClientRecord } from './upstream-client.repository';

interface UpstreamConnectState {
  serverId: string;
  userId: string;
  mode: Exclude<ConnectionMode, 'client_credentials'>;
  codeVerifier: string;
  nonce: string;
  revision: number;
  scopes: string[];
}

const CONNECT_TTL_SECONDS = 600;

/**
 * Connecting an upstream account (URL-mode elicitation target). The browser must be signed in to
 * Portcullis as the very user the link was issued to; then it goes to the upstream's authorization
 * endpoint (code + PKCE + offline_access) and comes back to the ONE redirect URI for all upstreams,
 * `${PUBLIC_URL}/auth/callback`, where the tokens are sealed and bound to the user.
 */
@Controller()
export class ConnectController {
  constructor(
    private readonly broker: TokenBroker,
    private readonly configs: UpstreamClientsService,
    private readonly connections: ConnectionRepository,
    private readonly flows: FlowStateRepository,
    private readonly sessions: SessionService,
    private readonly signIn: BrowserSignIn,
    private readonly events: AuthEvents,
    private readonly cipher: EnvelopeCipher,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private get redirectUri(): string {
    return `${this.cfg.issuer}/auth/callback`;
  }

  @Get('connect/start')
  async start(@Req() req: Request, @Res() res: Response): Promise<void> {
    let ticket;
    try {
      ticket = await this.broker.tickets.verify(queryParams(req)['ticket'] ?? '');
    } catch (err) {
      if (err instanceof ConnectTicketError)
        return sendHtml(
          res,
          400,
          messagePage('Link not valid', err.message, { kind: 'error', id: 'connect-error' }),
        );
      throw err;
    }
    const session = await this.signIn.requireSession(req, res);
    if (!session) return;
    if (session.user.id !== ticket.userId) {
      await this.events.audit(
        'auth.connection.connect_refused',
        this.actor(session),
        { type: 'upstream_client', id: ticket.serverId },
        'A connect link issued to another user was opened; refused',
        {
          ticketUserId: ticket.userId,
        },
      );
      return sendHtml(
        res,
        403,
        messagePage(
          'This link is for someone else',
          `This connect link was issued to a different Portcullis user than the one signed in here (${session.user.email ?? session.user.id}). Links cannot be forwarded: run the tool from your own AI client to get your own link.`,
          { kind: 'error', id: 'connect-refused' },
        ),
      );
    }
    const cfg = await this.configs.get(ticket.serverId);
    if (!cfg || cfg.credentialMode !== 'per_user') {
      return sendHtml(
        res,
        404,
        messagePage(
          'Nothing to connect',
          `Server "${ticket.serverId}" does not use per-user connections (any more).`,
          { kind: 'error', id: 'connect-error' },
        ),
      );
    }
    await this.redirectUpstream(res, cfg, session.user.id, 'per_user');
  }

  @Get('connect/service/start')
  async startService(@Req() req: Request, @Res() res: Response): Promise<void> {
    const serverId = queryParams(req)['serverId'] ?? '';
    const session = await this.signIn.requireSession(req, res);
    if (!session) return;
    if (!isAdminByGroups(session.user.groups, this.cfg.ADMIN_GROUPS)) {
      return sendHtml(
        res,
        403,
        messagePage(
          'Administrators only',
          'Only a Portcullis administrator can connect a shared service account.',
          { kind: 'error', id: 'connect-refused' },
        ),
      );
    }
    const cfg = await this.configs.get(serverId);
    if (!cfg || cfg.credentialMode !== 'service') {
      return sendHtml(
        res,
        404,
        messagePage(
          'Nothing to connect',
          `Server "${serverId}" is not configured for a shared service account.`,
          { kind: 'error', id: 'connect-error' },
        ),
      );
    }
    await this.redirectUpstream(res, cfg, session.user.id, 'service');
  }

  private async redirectUpstream(
    res: Response,
    cfg: UpstreamClientRecord,
    userId: string,
    mode: UpstreamConnectState['mode'],
  ): Promise<void> {
    const client = this.configs.open(cfg);
    if (!client.authorizationEndpoint) {
      return sendHtml(
        res,
        500,
        messagePage('Server misconfigured', `${cfg.displayName} has no authorization endpoint configured.`, {
          kind: 'error',
        }),
      );
    }
    const codeVerifier = generators.codeVerifier();
    const nonce = generators.nonce();
    const scopes = this.configs.requestedScopes(cfg);
    const state = await this.flows.put<UpstreamConnectState>(
      this.platform.tenantId,
      'upstream_connect',
      { serverId: cfg.serverId, userId, mode, codeVerifier, nonce, revision: cfg.revision, scopes },
      CONNECT_TTL_SECONDS,
    );
    const url = new URL(client.authorizationEndpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client.clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('scope', scopes.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', generators.codeChallenge(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (scopes.includes('openid')) url.searchParams.set('nonce', nonce);
    redirectTo(res, url.toString());
  }

  @Get('auth/callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = queryParams(req);
    const flow = q['state']
      ? await this.flows.take<UpstreamConnectState>(this.platform.tenantId, 'upstream_connect', q['state'])
      : null;
    if (!flow)
      return sendHtml(
        res,
        400,
        messagePage(
          'Link expired',
          'This connection attempt has expired or was already completed. Run the tool again in your AI client.',
          { kind: 'error', id: 'connect-error' },
        ),
      );
    const session = await this.sessions.current(req);
    if (!session || session.user.id !== flow.userId) {
      return sendHtml(
        res,
        403,
        messagePage(
          'Signed-in user changed',
          'The browser finishing this connection is not signed in as the user who started it. Start again.',
          { kind: 'error', id: 'connect-refused' },
        ),
      );
    }
    const cfg = await this.configs.require(flow.serverId).catch(() => null);
    if (!cfg)
      return sendHtml(
        res,
        404,
        messagePage('Server removed', `Server "${flow.serverId}" was removed while you were connecting.`, {
          kind: 'error',
          id: 'connect-error',
        }),
      );
    if (q['error']) {
      await this.events.audit(
        'auth.connection.connect_failed',
        this.actor(session),
        { type: 'upstream_client', id: cfg.serverId },
        `${cfg.displayName} refused the connection: ${q['error']}`,
        {
          error: q['error'],
          description: q['error_description'],
        },
      );
      return sendHtml(
        res,
        403,
        messagePage(
          `${cfg.displayName} refused`,
          `${cfg.displayName} did not authorize the connection: ${q['error_description'] ?? q['error']}. Ask your administrator if you expected access.`,
          {
            kind: 'error',
            id: 'connect-error',
          },
        ),
      );
    }
    if (!q['code'])
      return sendHtml(
        res,
        400,
        messagePage('No authorization code', `${cfg.displayName} returned neither a code nor an error.`, {
          kind: 'error',
          id: 'connect-error',
        }),
      );
    const subject = flow.mode === 'service' ? SERVICE_SUBJECT : userSubject(flow.userId);
    let tokens;
    try {
      tokens = await this.broker.upstream.token(this.configs.open(cfg), {
        grant_type: 'authorization_code',
        code: q['code'],
        redirect_uri: this.redirectUri,
        code_verifier: flow.codeVerifier,
      });
    } catch (err) {
      const why =
        err instanceof UpstreamOAuthError ? `${err.error}: ${err.description}` : (err as Error).message;
      this.platform.logger.warn({ serverId: cfg.serverId, why }, 'upstream code exchange failed');
      return sendHtml(
        res,
        502,
        messagePage(
          'Connection failed',
          `Exchanging the authorization with ${cfg.displayName} failed (${why}). Try again.`,
          { kind: 'error', id: 'connect-error' },
        ),
      );
    }
    const identity = identityFromIdToken(tokens.idToken);
    if (identity.nonce && identity.nonce !== flow.nonce) {
      return sendHtml(
        res,
        400,
        messagePage(
          'Connection failed',
          `${cfg.displayName} answered for a different sign-in (nonce mismatch). Try again.`,
          { kind: 'error', id: 'connect-error' },
        ),
      );
    }
    const saved = await this.connections.upsertConnected(this.platform.tenantId, {
      serverId: cfg.serverId,
      subject,
      userId: flow.mode === 'service' ? null : flow.userId,
      mode: flow.mode,
      authorizedAs: identity.authorizedAs,
      authorizedBy: flow.mode === 'service' ? flow.userId : null,
      accessTokenSealed: this.seal(tokens.accessToken, cfg.serverId, subject, 'access'),
      accessTokenExpiresAt: tokens.expiresAt,
      refreshTokenSealed: tokens.refreshToken
        ? this.seal(tokens.refreshToken, cfg.serverId, subject, 'refresh')
        : null,
      scopes: tokens.scopes ?? flow.scopes,
      tokenType: 'Bearer',
    });
    await this.broker.forget(cfg, subject);
    await this.events.connectionChanged([
      {
        serverId: cfg.serverId,
        ...(saved.userId ? { userId: saved.userId } : {}),
        change: 'connected',
        mode: flow.mode,
        ...(identity.authorizedAs ? { authorizedAs: identity.authorizedAs } : {}),
      },
    ]);
    await this.events.audit(
      'auth.connection.connected',
      this.actor(session),
      { type: 'connection', id: saved.id },
      `${session.user.email ?? session.user.id} connected ${cfg.displayName}${flow.mode === 'service' ? ' as the shared service account' : ''} (authorized as ${identity.authorizedAs ?? 'unknown'})`,
      {
        serverId: cfg.serverId,
        mode: flow.mode,
        authorizedAs: identity.authorizedAs,
        scopes: saved.scopes,
        refreshToken: !!tokens.refreshToken,
      },
    );
    sendHtml(
      res,
      200,
      page(
        'Connected',
        `<h1 id="connected">Connected — go back to your AI client</h1>
<p>${escapeHtml(cfg.displayName)} is now connected${flow.mode === 'service' ? ' as the shared service account' : ''}${identity.authorizedAs ? ` as <strong id="authorized-as">${escapeHtml(identity.authorizedAs)}</strong>` : ''}.</p>
<p class="muted">You can close this tab and run the tool again. You can disconnect at any time from your Portcullis connections.</p>`,
      ),
    );
  }

  private seal(value: string, serverId: string, subject: string, which: 'access' | 'refresh'): string {
    return this.cipher.encrypt(value, this.broker.connectionContext(serverId, subject, which));
  }

  private actor(session: BrowserSession) {
    return {
      type: 'user' as const,
      id: session.user.id,
      ...(session.user.email ? { email: session.user.email } : {}),
    };
  }
}
