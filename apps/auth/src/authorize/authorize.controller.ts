import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { randomToken, sha256Hex } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request, Response } from 'express';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { ClientRepository } from '../clients/client.repository';
import { ClientRegistry, type ResolvedClient } from '../clients/client-registry.service';
import { redirectUriMatches } from '../clients/redirect-uri';
import { AuthEvents } from '../common/auth-events';
import { OAuthError } from '../common/errors';
import { errorPage, messagePage } from '../common/html';
import { bodyParams, queryParams, redirectTo, sendHtml, withQuery } from '../common/http';
import { BrowserSignIn } from '../idp/browser-sign-in.service';
import { FlowStateRepository } from '../sessions/flow-state.repository';
import { SessionService } from '../sessions/session.service';
import { TokenRepository } from '../tokens/token.repository';
import { PKCE_VALUE } from '../tokens/pkce';
import { grantScope } from '../tokens/scopes';
import { renderConsentPage } from './consent-page';
import { AUTHORIZATION_REQUEST_TTL_SECONDS, type PendingAuthorization } from './pending-authorization';

/**
 * The authorization endpoint for AI clients (OAuth 2.1 authorization code + PKCE S256 + RFC 8707
 * resource): validate, sign the user in through the organization IdP, ask consent, return a code.
 *
 * Errors before the redirect URI is trusted are shown to the user (never redirected to an
 * unverified URI); later errors go back to the client as `error` + `error_description`.
 */
@Controller('oauth')
export class AuthorizeController {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly clients: ClientRepository,
    private readonly flows: FlowStateRepository,
    private readonly sessions: SessionService,
    private readonly signIn: BrowserSignIn,
    private readonly tokens: TokenRepository,
    private readonly events: AuthEvents,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Get('authorize')
  async authorize(@Req() req: Request, @Res() res: Response): Promise<void> {
    const q = queryParams(req);
    const clientId = q['client_id'];
    if (!clientId) return this.directError(req, res, 'invalid_request', 'client_id is required.');
    let client: ResolvedClient;
    try {
      client = await this.registry.resolve(clientId);
    } catch (err) {
      if (err instanceof OAuthError) return this.directError(req, res, err.error, err.description);
      throw err;
    }
    if (client.registration === 'admin') {
      return this.directError(
        req,
        res,
        'unauthorized_client',
        'Service clients use the client_credentials grant; they cannot sign users in.',
      );
    }
    let redirectUri = q['redirect_uri'];
    if (!redirectUri) {
      if (client.redirectUris.length !== 1)
        return this.directError(
          req,
          res,
          'invalid_request',
          'redirect_uri is required (the client registered more than one).',
        );
      redirectUri = client.redirectUris[0]!;
    }
    if (!redirectUriMatches(client.redirectUris, redirectUri)) {
      return this.directError(
        req,
        res,
        'invalid_request',
        `redirect_uri "${redirectUri.slice(0, 300)}" is not registered for this client (exact match required; loopback URIs may use any port).`,
      );
    }
    const state = q['state'];
    const fail = (error: string, description: string) =>
      redirectTo(
        res,
        withQuery(redirectUri, { error, error_description: description, state, iss: this.cfg.issuer }),
      );

    if (q['response_type'] !== 'code')
      return fail('unsupported_response_type', 'response_type must be "code".');
    if (q['request'] || q['request_uri'])
      return fail('request_not_supported', 'Request objects are not supported; send parameters directly.');
    const challenge = q['code_challenge'];
    const method = q['code_challenge_method'];
    if (!challenge)
      return fail('invalid_request', 'code_challenge is required: Portcullis requires PKCE with S256.');
    if (method !== 'S256') {
      return fail(
        'invalid_request',
        `code_challenge_method must be S256${method ? ` ("${method.slice(0, 20)}" is not accepted)` : ' (it was missing, which means "plain")'}.`,
      );
    }
    if (!PKCE_VALUE.test(challenge))
      return fail(
        'invalid_request',
        'code_challenge must be 43-128 characters of base64url (the S256 hash of the verifier).',
      );
    const resource = q['resource'];
    if (!resource)
      return fail(
        'invalid_target',
        `resource is required (RFC 8707); use the gateway's MCP URL ${this.cfg.GATEWAY_RESOURCE_URL}.`,
      );
    if (resource !== this.cfg.GATEWAY_RESOURCE_URL) {
      return fail(
        'invalid_target',
        `resource "${resource.slice(0, 300)}" is not served by this authorization server; use ${this.cfg.GATEWAY_RESOURCE_URL}.`,
      );
    }
    const pending: PendingAuthorization = {
      clientId: client.clientId,
      clientName: client.name,
      registration: client.registration,
      clientUri: client.clientUri,
      redirectUri,
      ...(state !== undefined ? { state } : {}),
      codeChallenge: challenge,
      resource,
      scope: grantScope(q['scope']),
      grantTypes: client.grantTypes,
      ...(client.document ? { document: client.document } : {}),
    };
    const handle = await this.flows.put(
      this.platform.tenantId,
      'authorization_request',
      pending,
      AUTHORIZATION_REQUEST_TTL_SECONDS,
    );
    const consentPath = `/oauth/consent?request=${encodeURIComponent(handle)}`;
    const session = await this.sessions.current(req);
    if (session) return redirectTo(res, consentPath);
    if (q['prompt'] === 'none') return fail('login_required', 'The user is not signed in to Portcullis.');
    await this.signIn.redirectToSignIn(res, consentPath);
  }

  @Get('consent')
  async consentPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    const handle = queryParams(req)['request'] ?? '';
    const pending = handle
      ? await this.flows.peek<PendingAuthorization>(this.platform.tenantId, 'authorization_request', handle)
      : null;
    if (!pending)
      return sendHtml(
        res,
        400,
        errorPage(
          'invalid_request',
          'This authorization request has expired or was already answered. Start again from your AI client.',
        ),
      );
    const session = await this.signIn.requireSession(req, res);
    if (!session) return;
    sendHtml(
      res,
      200,
      renderConsentPage({
        request: pending,
        handle,
        csrf: this.sessions.csrfToken(session, `consent:${handle}`),
        userLabel: session.user.email ?? session.user.name ?? session.user.id,
      }),
    );
  }

  @Post('consent')
  async consent(@Req() req: Request, @Res() res: Response): Promise<void> {
    const b = bodyParams(req);
    const handle = b['request'] ?? '';
    const session = await this.sessions.current(req);
    if (!session)
      return sendHtml(
        res,
        401,
        errorPage('login_required', 'Your Portcullis sign-in has ended. Start again from your AI client.'),
      );
    if (!this.sessions.sameOrigin(req) || !this.sessions.checkCsrf(session, `consent:${handle}`, b['csrf'])) {
      return sendHtml(
        res,
        403,
        errorPage(
          'invalid_request',
          'This consent form did not come from your Portcullis session (CSRF check failed). Start again from your AI client.',
        ),
      );
    }
    const pending = await this.flows.take<PendingAuthorization>(
      this.platform.tenantId,
      'authorization_request',
      handle,
    );
    if (!pending)
      return sendHtml(
        res,
        400,
        errorPage(
          'invalid_request',
          'This authorization request has expired or was already answered. Start again from your AI client.',
        ),
      );
    const user = session.user;
    const actor = { type: 'user' as const, id: user.id, ...(user.email ? { email: user.email } : {}) };
    const back = (params: Record<string, string | undefined>) =>
      redirectTo(
        res,
        withQuery(pending.redirectUri, { ...params, state: pending.state, iss: this.cfg.issuer }),
      );

    if (b['decision'] !== 'approve') {
      await this.events.audit(
        'auth.client.consent_denied',
        actor,
        { type: 'oauth_client', id: pending.clientId },
        `${user.email ?? user.id} denied "${pending.clientName}"`,
      );
      return back({ error: 'access_denied', error_description: 'The user denied the request.' });
    }
    if (pending.registration === 'cimd' && pending.document) {
      const d = pending.document;
      await this.clients.upsertOAuthClient(this.platform.tenantId, {
        clientId: pending.clientId,
        registration: 'cimd',
        clientName: d.client_name ?? null,
        clientUri: d.client_uri ?? null,
        logoUri: d.logo_uri ?? null,
        redirectUris: d.redirect_uris,
        grantTypes: d.grant_types ?? ['authorization_code'],
        tokenEndpointAuthMethod: 'none',
        secretHash: null,
        scope: d.scope ?? null,
        metadata: d as unknown as Record<string, unknown>,
      });
    } else if (!(await this.clients.findOAuthClient(this.platform.tenantId, pending.clientId))) {
      return sendHtml(
        res,
        400,
        messagePage(
          'Client no longer registered',
          'This client was removed while you were signing in. Start again from your AI client.',
          { kind: 'error' },
        ),
      );
    }
    const ai = await this.clients.findOrCreateAiClient(this.platform.tenantId, {
      oauthClientId: pending.clientId,
      ownerUserId: user.id,
      ownerLabel: user.email,
      name: pending.clientName,
      type: 'personal',
    });
    if (ai.state === 'closed') {
      await this.events.audit(
        'auth.client.consent_refused',
        actor,
        { type: 'ai_client', id: ai.id },
        `"${ai.name}" is closed; sign-in refused`,
      );
      return back({
        error: 'access_denied',
        error_description:
          'This AI client has been closed by a Portcullis administrator; ask them to re-activate it.',
      });
    }
    const code = `pcac_${randomToken(32)}`;
    await this.tokens.insertCode(this.platform.tenantId, {
      codeHash: sha256Hex(code),
      aiClientId: ai.id,
      oauthClientId: pending.clientId,
      userId: user.id,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      resource: pending.resource,
      scope: pending.scope,
      familyId: randomUUID(),
      ttlSeconds: this.cfg.AUTHORIZATION_CODE_TTL_SECONDS,
    });
    await this.events.audit(
      'auth.client.consent_granted',
      actor,
      { type: 'ai_client', id: ai.id },
      `${user.email ?? user.id} allowed "${ai.name}"`,
      {
        oauthClientId: pending.clientId,
        registration: pending.registration,
        scope: pending.scope,
        redirectUri: pending.redirectUri,
      },
    );
    back({ code });
  }

  /** Errors shown to the user: JSON for API callers (Accept: application/json), a page for browsers. */
  private directError(req: Request, res: Response, error: string, description: string): void {
    const accept = String(req.headers.accept ?? '');
    if (accept.includes('application/json') && !accept.includes('text/html')) {
      res.status(400).set({ 'Cache-Control': 'no-store' }).json({ error, error_description: description });
      return;
    }
    sendHtml(res, 400, errorPage(error, description));
  }
}
