import { createHash } from 'node:crypto';
import { OAuthError, OAuthErrors } from '../core/errors';
import { randomToken } from '../core/ids';
import type { LogActor, SimApp, SimUser } from '../core/model';
import { appTarget, displayName, userTarget } from '../core/org';
import { appActor, requestActorContext, userActor } from '../server/actors';
import type { SimContext } from '../server/context';
import {
  formBody,
  html,
  json,
  parseCookies,
  redirect,
  type SimRequest,
  type SimResponse,
} from '../server/http';
import type { Router } from '../server/router';
import { decodeJwt, verifyJwtSignature } from './jwt';
import { renderErrorPage, renderFormPost, renderSignedOut, renderSignInPage } from './login-page';
import type { AccessTokenRecord } from './tokens';

export const OIDC_SCOPES = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
  'groups',
]);
/** Any Okta API scope: `okta.<resource>.<read|manage>[.self]`. */
const OKTA_SCOPE_RE = /^okta\.[A-Za-z]+\.(read|manage)(\.self)?$/;
const PKCE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
const SESSION_COOKIE = 'sid';

interface AuthTransaction {
  stateToken: string;
  appId: string;
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  scopes: string[];
  state: string;
  nonce: string | null;
  codeChallenge: string | null;
  maxAge: number | null;
  exp: number;
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function wantsHtml(req: SimRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.includes('text/html') && !accept.startsWith('application/json');
}

const NO_STORE = { 'Cache-Control': 'no-cache, no-store', Pragma: 'no-cache', Expires: '0' };

export function oauthErrorResponse(err: OAuthError): SimResponse {
  return json(
    err.status,
    { error: err.error, error_description: err.description },
    { ...NO_STORE, ...err.headers },
  );
}

/**
 * The org authorization server (`/oauth2/v1/*`, discovery, hosted sign-in page).
 * Errors use Okta's exact `error` / `error_description` strings.
 */
export class OAuthServer {
  private readonly transactions = new Map<string, AuthTransaction>();

  constructor(private readonly ctx: SimContext) {}

  reset(): void {
    this.transactions.clear();
  }

  register(router: Router): void {
    const md = (req: SimRequest) => this.metadata(req);
    router.get('/.well-known/openid-configuration', md);
    router.get('/.well-known/oauth-authorization-server', md);
    router.get('/oauth2/v1/keys', () =>
      json(200, this.ctx.keys.jwks(), { 'Cache-Control': 'max-age=3832304, must-revalidate' }),
    );
    router.get('/oauth2/v1/authorize', (req) => this.authorize(req, req.query));
    router.post('/oauth2/v1/authorize', (req) => this.authorize(req, formBody(req)));
    router.post('/login/signin', (req) => this.signIn(req));
    router.post('/oauth2/v1/token', (req) => this.wrap(() => this.token(req)));
    router.post('/oauth2/v1/introspect', (req) => this.wrap(() => this.introspect(req)));
    router.post('/oauth2/v1/revoke', (req) => this.wrap(() => this.revoke(req)));
    router.get('/oauth2/v1/userinfo', (req) => this.wrap(() => this.userinfo(req)));
    router.post('/oauth2/v1/userinfo', (req) => this.wrap(() => this.userinfo(req)));
    router.get('/oauth2/v1/logout', (req) => this.logout(req, req.query));
    router.post('/oauth2/v1/logout', (req) => this.logout(req, formBody(req)));
  }

  private wrap(fn: () => SimResponse): SimResponse {
    try {
      return fn();
    } catch (e) {
      if (e instanceof OAuthError) return oauthErrorResponse(e);
      throw e;
    }
  }

  private get issuer(): string {
    return this.ctx.org.issuer;
  }

  // ---- discovery -----------------------------------------------------------------------------

  private metadata(_req: SimRequest): SimResponse {
    const iss = this.issuer;
    const authMethods = [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'none',
    ];
    return json(200, {
      issuer: iss,
      authorization_endpoint: `${iss}/oauth2/v1/authorize`,
      token_endpoint: `${iss}/oauth2/v1/token`,
      userinfo_endpoint: `${iss}/oauth2/v1/userinfo`,
      jwks_uri: `${iss}/oauth2/v1/keys`,
      response_types_supported: [
        'code',
        'id_token',
        'code id_token',
        'code token',
        'id_token token',
        'code id_token token',
      ],
      response_modes_supported: ['query', 'fragment', 'form_post', 'okta_post_message'],
      grant_types_supported: [
        'authorization_code',
        'implicit',
        'refresh_token',
        'password',
        'client_credentials',
      ],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile', 'address', 'phone', 'offline_access', 'groups'],
      token_endpoint_auth_methods_supported: authMethods,
      claims_supported: [
        'iss',
        'ver',
        'sub',
        'aud',
        'iat',
        'exp',
        'jti',
        'auth_time',
        'amr',
        'idp',
        'nonce',
        'name',
        'nickname',
        'preferred_username',
        'given_name',
        'middle_name',
        'family_name',
        'email',
        'email_verified',
        'profile',
        'zoneinfo',
        'locale',
        'address',
        'phone_number',
        'picture',
        'website',
        'gender',
        'birthdate',
        'updated_at',
        'at_hash',
        'c_hash',
        'groups',
      ],
      code_challenge_methods_supported: ['S256'],
      introspection_endpoint: `${iss}/oauth2/v1/introspect`,
      introspection_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint: `${iss}/oauth2/v1/revoke`,
      revocation_endpoint_auth_methods_supported: authMethods,
      end_session_endpoint: `${iss}/oauth2/v1/logout`,
      request_parameter_supported: false,
      request_object_signing_alg_values_supported: [
        'HS256',
        'HS384',
        'HS512',
        'RS256',
        'RS384',
        'RS512',
        'ES256',
        'ES384',
        'ES512',
      ],
    });
  }

  // ---- /authorize ----------------------------------------------------------------------------

  /** Errors that cannot be redirected (unknown client / unregistered redirect_uri) render a page. */
  private directError(req: SimRequest, status: number, error: string, description: string): SimResponse {
    if (wantsHtml(req)) return html(status, renderErrorPage(error, description), NO_STORE);
    return json(status, { error, error_description: description }, NO_STORE);
  }

  private redirectError(
    redirectUri: string,
    mode: AuthTransaction['responseMode'],
    state: string | null,
    error: string,
    description: string,
  ): SimResponse {
    const params: Record<string, string> = { error, error_description: description };
    if (state) params.state = state;
    return this.deliver(redirectUri, mode, params);
  }

  private deliver(
    redirectUri: string,
    mode: AuthTransaction['responseMode'],
    params: Record<string, string>,
  ): SimResponse {
    if (mode === 'form_post') return html(200, renderFormPost(redirectUri, params), NO_STORE);
    const qs = new URLSearchParams(params).toString();
    if (mode === 'fragment') return redirect(`${redirectUri}#${qs}`, NO_STORE);
    return redirect(`${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${qs}`, NO_STORE);
  }

  private authorize(req: SimRequest, q: URLSearchParams): SimResponse {
    const { org, tokens, clock } = this.ctx;
    const clientId = q.get('client_id');
    const app = clientId ? org.appByClientId(clientId) : undefined;
    if (!app?.oauth || app.status !== 'ACTIVE') {
      return this.directError(req, 400, 'invalid_client', "Invalid value for 'client_id' parameter.");
    }
    const redirectUri = q.get('redirect_uri');
    if (!redirectUri || !app.oauth.redirectUris.includes(redirectUri)) {
      return this.directError(
        req,
        400,
        'invalid_request',
        "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
      );
    }
    const state = q.get('state');
    const rawMode = q.get('response_mode') ?? 'query';
    const mode: AuthTransaction['responseMode'] =
      rawMode === 'fragment' || rawMode === 'form_post' ? rawMode : 'query';
    const fail = (error: string, description: string) =>
      this.redirectError(redirectUri, mode, state, error, description);

    if (app.oauth.applicationType === 'service') {
      return fail(
        'invalid_request',
        "Clients with 'application_type' of 'service' are not allowed to access the 'authorize' endpoint.",
      );
    }
    if (!['query', 'fragment', 'form_post'].includes(rawMode)) {
      if (rawMode === 'okta_post_message')
        return fail(
          'unsupported_response_mode',
          "'okta_post_message' response mode cannot be used with the 'code' response type.",
        );
      return fail(
        'unsupported_response_mode',
        'The response mode is not supported by the authorization server. Valid response modes: [query, fragment, form_post, okta_post_message].',
      );
    }
    if (q.get('response_type') !== 'code') {
      return fail(
        'unsupported_response_type',
        'The response type is not supported by the authorization server. Configured response types: [code].',
      );
    }
    if (!state)
      return fail('invalid_request', "The authentication request has an invalid 'state' parameter.");

    const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return fail('invalid_scope', 'No scopes were requested.');
    for (const s of scopes) {
      if (OIDC_SCOPES.has(s)) continue;
      // okta.* scopes must be in the app's grants collection; anything else is unknown to the org AS.
      if (!OKTA_SCOPE_RE.test(s) || !app.grants.has(s)) {
        return fail(
          'invalid_scope',
          'One or more scopes are not configured for the authorization server resource.',
        );
      }
    }
    if (scopes.includes('offline_access') && !app.oauth.grantTypes.includes('refresh_token')) {
      return fail(
        'invalid_scope',
        'The following scopes are not allowed for this request: [offline_access].',
      );
    }

    const challenge = q.get('code_challenge');
    const method = q.get('code_challenge_method');
    if (challenge !== null || method !== null) {
      if (method !== 'S256')
        return fail('invalid_request', 'PKCE code challenge method is not supported. Valid values: [S256]');
      if (!challenge || !PKCE_RE.test(challenge))
        return fail('invalid_request', 'PKCE code challenge contains illegal characters.');
    } else if (app.oauth.pkceRequired || app.oauth.tokenEndpointAuthMethod === 'none') {
      return fail('invalid_request', 'PKCE code challenge is required by the application.');
    }

    const maxAgeRaw = q.get('max_age');
    const maxAge = maxAgeRaw === null ? null : Number(maxAgeRaw);
    if (maxAge !== null && (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 2 ** 31 - 1)) {
      return fail(
        'invalid_request',
        "Invalid value for 'max_age' parameter. It should be within range 0 - 2^31-1.",
      );
    }
    const prompt = q.get('prompt');
    if (prompt && !['none', 'login', 'consent', 'login consent'].includes(prompt)) {
      return fail(
        'invalid_request',
        "Invalid value for 'prompt' parameter. Supported values: [none, login, consent, login consent]",
      );
    }

    const tx: AuthTransaction = {
      stateToken: randomToken(24),
      appId: app.id,
      redirectUri,
      responseMode: mode,
      scopes,
      state,
      nonce: q.get('nonce'),
      codeChallenge: challenge,
      maxAge,
      exp: clock.nowSeconds() + tokens.lifetimes.transactionSeconds,
    };

    // SSO: an existing session skips the form unless the client forces a prompt or the session is too old.
    const session = tokens.findSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    const fresh = session && (maxAge === null || clock.nowSeconds() - session.authTime <= maxAge);
    if (session && fresh && !(prompt ?? '').includes('login')) {
      const user = org.users.get(session.userId);
      if (user && user.status === 'ACTIVE')
        return this.complete(req, tx, app, user, session.id, session.authTime);
    }
    if (prompt === 'none')
      return fail('login_required', 'The client specified not to prompt, but the user is not logged in.');

    this.pruneTransactions();
    this.transactions.set(tx.stateToken, tx);
    return html(
      200,
      renderSignInPage({
        stateToken: tx.stateToken,
        appLabel: app.label,
        loginHint: q.get('login_hint') ?? undefined,
      }),
      NO_STORE,
    );
  }

  private pruneTransactions(): void {
    if (this.transactions.size < 5000) return;
    const now = this.ctx.clock.nowSeconds();
    for (const [k, t] of this.transactions) if (t.exp <= now) this.transactions.delete(k);
  }

  private signIn(req: SimRequest): SimResponse {
    const { org, tokens, clock } = this.ctx;
    const form = formBody(req);
    const tx = this.transactions.get(form.get('stateToken') ?? '');
    if (!tx || tx.exp <= clock.nowSeconds()) {
      return this.directError(
        req,
        400,
        'login_required',
        'Request expired, please start over and try again.',
      );
    }
    const app = org.apps.get(tx.appId);
    if (!app?.oauth || app.status !== 'ACTIVE')
      return this.directError(req, 400, 'invalid_client', "Invalid value for 'client_id' parameter.");
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const user = username ? org.findUser(username) : undefined;
    const page = (status: number, error: string) =>
      html(
        status,
        renderSignInPage({ stateToken: tx.stateToken, appLabel: app.label, loginHint: username, error }),
        NO_STORE,
      );

    const anon: LogActor = {
      id: 'unknown',
      type: 'User',
      alternateId: username || 'unknown',
      displayName: 'unknown',
      detailEntry: null,
    };
    if (!user) {
      org.log(requestActorContext(req, anon), 'user.session.start', 'User login to Okta', [], {
        result: 'FAILURE',
        reason: 'VERIFICATION_ERROR',
      });
      return page(401, 'Unable to sign in');
    }
    const actorCtx = requestActorContext(req, userActor(user), app.oauth.clientId);
    if (user.status === 'LOCKED_OUT') {
      org.log(actorCtx, 'user.session.start', 'User login to Okta', [], {
        result: 'FAILURE',
        reason: 'LOCKED_OUT',
      });
      return page(401, 'Your account is locked. Please contact your administrator.');
    }
    if (user.password === null || user.password !== password) {
      org.recordFailedLogin(user, actorCtx);
      org.log(actorCtx, 'user.session.start', 'User login to Okta', [], {
        result: 'FAILURE',
        reason: 'INVALID_CREDENTIALS',
      });
      return page(401, 'Unable to sign in');
    }
    if (user.status === 'PASSWORD_EXPIRED') {
      org.log(actorCtx, 'user.session.start', 'User login to Okta', [], {
        result: 'FAILURE',
        reason: 'PASSWORD_EXPIRED',
      });
      return page(401, 'Your password has expired. Please contact your administrator.');
    }
    if (user.status !== 'ACTIVE') {
      org.log(actorCtx, 'user.session.start', 'User login to Okta', [], {
        result: 'FAILURE',
        reason: 'INVALID_USER_STATUS',
      });
      return page(401, 'Unable to sign in');
    }
    org.recordLogin(user);
    const session = tokens.createSession(user.id);
    org.log(actorCtx, 'user.session.start', 'User login to Okta', [], {
      legacy: 'core.user_auth.login_success',
    });
    this.transactions.delete(tx.stateToken);
    const res = this.complete(req, tx, app, user, session.id, session.authTime);
    res.headers['Set-Cookie'] = `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax`;
    return res;
  }

  /** Authenticated user + validated request → code (or access_denied when not assigned). */
  private complete(
    req: SimRequest,
    tx: AuthTransaction,
    app: SimApp,
    user: SimUser,
    sessionId: string,
    authTime: number,
  ): SimResponse {
    const { org, tokens } = this.ctx;
    const clientId = (app.oauth as NonNullable<SimApp['oauth']>).clientId;
    const actorCtx = requestActorContext(req, userActor(user), clientId);
    if (!org.isAssigned(app, user.id)) {
      org.log(
        actorCtx,
        'app.oauth2.authorize',
        'OIDC authorization request',
        [appTarget(app), userTarget(user)],
        {
          result: 'FAILURE',
          reason: 'User is not assigned to the client application.',
        },
      );
      return this.redirectError(
        tx.redirectUri,
        tx.responseMode,
        tx.state,
        'access_denied',
        'User is not assigned to the client application.',
      );
    }
    const code = tokens.createCode({
      clientId,
      redirectUri: tx.redirectUri,
      userId: user.id,
      scopes: tx.scopes,
      codeChallenge: tx.codeChallenge,
      nonce: tx.nonce,
      authTime,
      sessionId,
    });
    org.log(
      actorCtx,
      'app.oauth2.authorize.code',
      'OAuth2 authorization code request',
      [appTarget(app), userTarget(user)],
      {
        debug: { grantedScopes: tx.scopes.join(' ') },
      },
    );
    return this.deliver(tx.redirectUri, tx.responseMode, { code: code.code, state: tx.state });
  }

  // ---- /token --------------------------------------------------------------------------------

  private token(req: SimRequest): SimResponse {
    const params = formBody(req);
    const grantType = params.get('grant_type');
    if (!grantType) throw OAuthErrors.missingGrantType();
    const client = this.ctx.clients.authenticate(req, params, `${this.issuer}/oauth2/v1/token`);
    const oauth = client.app.oauth as NonNullable<SimApp['oauth']>;
    const known = [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'password',
      'implicit',
      'urn:ietf:params:oauth:grant-type:device_code',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ];
    if (!known.includes(grantType)) throw OAuthErrors.unsupportedGrant();
    if (!oauth.grantTypes.includes(grantType)) throw OAuthErrors.unauthorizedClient(oauth.grantTypes);
    switch (grantType) {
      case 'authorization_code':
        return this.codeGrant(req, params, client.app);
      case 'refresh_token':
        return this.refreshGrant(req, params, client.app);
      case 'client_credentials':
        if (oauth.applicationType !== 'service') throw OAuthErrors.clientCredsNotService();
        if (client.method !== 'private_key_jwt') throw OAuthErrors.clientCredsNeedPrivateKeyJwt();
        return this.clientCredentialsGrant(req, params, client.app);
      default:
        throw OAuthErrors.unsupportedGrant();
    }
  }

  private tokenResponse(
    at: AccessTokenRecord,
    extra: { refreshToken?: string; idToken?: string },
  ): SimResponse {
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      expires_in: at.exp - at.iat,
      access_token: at.token,
      scope: at.scopes.join(' '),
    };
    if (extra.refreshToken) body.refresh_token = extra.refreshToken;
    if (extra.idToken) body.id_token = extra.idToken;
    return json(200, body, NO_STORE);
  }

  private logGrant(
    req: SimRequest,
    app: SimApp,
    user: SimUser | null,
    at: AccessTokenRecord,
    kinds: string[],
    grantType: string,
  ): void {
    const actor = user ? userActor(user) : appActor(app);
    const ctx = requestActorContext(req, actor, at.clientId);
    const targets = [appTarget(app), ...(user ? [userTarget(user)] : [])];
    for (const kind of kinds) {
      this.ctx.org.log(
        ctx,
        `app.oauth2.token.grant.${kind}`,
        `OAuth2 ${kind.replace('_', ' ')} is granted`,
        targets,
        {
          debug: { grantType, grantedScopes: at.scopes.join(' '), clientId: at.clientId },
        },
      );
    }
  }

  private codeGrant(req: SimRequest, params: URLSearchParams, app: SimApp): SimResponse {
    const { org, tokens } = this.ctx;
    const oauth = app.oauth as NonNullable<SimApp['oauth']>;
    const codeValue = params.get('code');
    if (!codeValue) throw OAuthErrors.missingParam('code');
    const code = tokens.findCode(codeValue);
    if (!code || tokens.codeExpired(code)) throw OAuthErrors.invalidCode();
    if (code.used) {
      // RFC 6749 §4.1.2: a replayed code revokes everything minted from it.
      tokens.revokeGrant(code.grantId);
      const user = org.users.get(code.userId);
      org.log(
        requestActorContext(req, appActor(app), oauth.clientId),
        'app.oauth2.token.detect_reuse',
        'Authorization code reuse detected',
        user ? [appTarget(app), userTarget(user)] : [appTarget(app)],
        { result: 'FAILURE', reason: 'AUTHORIZATION_CODE_REUSED' },
      );
      throw OAuthErrors.invalidCode();
    }
    if (code.clientId !== oauth.clientId) throw OAuthErrors.mismatchedClient();
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri) throw OAuthErrors.missingParam('redirect_uri');
    if (redirectUri !== code.redirectUri) throw OAuthErrors.redirectMismatch();
    const verifier = params.get('code_verifier');
    if (code.codeChallenge) {
      if (!verifier) throw OAuthErrors.pkceVerifierRequired();
      if (!PKCE_RE.test(verifier) || s256(verifier) !== code.codeChallenge) throw OAuthErrors.pkceFailed();
    } else if (verifier) {
      throw OAuthErrors.pkceChallengeMissingVerifierPresent();
    }
    const user = org.users.get(code.userId);
    if (!user || user.status !== 'ACTIVE') throw OAuthErrors.invalidCode();
    code.used = true;

    const at = tokens.issueAccessToken(app, user, code.scopes, code.grantId);
    const kinds = ['access_token'];
    let refreshToken: string | undefined;
    if (code.scopes.includes('offline_access') && oauth.grantTypes.includes('refresh_token')) {
      refreshToken = tokens.issueRefreshToken(app, user, code.scopes, code.grantId, code.authTime).token;
      kinds.push('refresh_token');
    }
    let idToken: string | undefined;
    if (code.scopes.includes('openid')) {
      idToken = tokens.issueIdToken(app, user, code.scopes, {
        nonce: code.nonce,
        authTime: code.authTime,
        accessToken: at.token,
      });
      kinds.push('id_token');
    }
    this.logGrant(req, app, user, at, kinds, 'authorization_code');
    return this.tokenResponse(at, { refreshToken, idToken });
  }

  private refreshGrant(req: SimRequest, params: URLSearchParams, app: SimApp): SimResponse {
    const { org, tokens } = this.ctx;
    const oauth = app.oauth as NonNullable<SimApp['oauth']>;
    const value = params.get('refresh_token');
    if (!value) throw OAuthErrors.missingParam('refresh_token');
    const rt = tokens.findUsableRefresh(value);
    if (!rt || rt.clientId !== oauth.clientId) throw OAuthErrors.invalidRefresh();
    const user = org.users.get(rt.userId);
    if (!user || user.status !== 'ACTIVE') throw OAuthErrors.invalidRefresh();
    let scopes = rt.scopes;
    const requested = params.get('scope');
    if (requested) {
      const req2 = requested.split(' ').filter(Boolean);
      const denied = req2.filter((s) => !rt.scopes.includes(s));
      if (denied.length) throw OAuthErrors.refreshScopesDenied(denied);
      scopes = req2;
    }
    const at = tokens.issueAccessToken(app, user, scopes, rt.grantId);
    const kinds = ['access_token'];
    let refreshToken = rt.token;
    if (oauth.refreshTokenRotation) {
      tokens.markRotated(rt, oauth.refreshTokenLeewaySeconds);
      refreshToken = tokens.issueRefreshToken(app, user, rt.scopes, rt.grantId, rt.authTime, rt.exp).token;
      kinds.push('refresh_token');
    }
    let idToken: string | undefined;
    if (scopes.includes('openid')) {
      idToken = tokens.issueIdToken(app, user, scopes, {
        nonce: null,
        authTime: rt.authTime,
        accessToken: at.token,
      });
      kinds.push('id_token');
    }
    this.logGrant(req, app, user, at, kinds, 'refresh_token');
    return this.tokenResponse(at, { refreshToken, idToken });
  }

  private clientCredentialsGrant(req: SimRequest, params: URLSearchParams, app: SimApp): SimResponse {
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) throw OAuthErrors.noScopes();
    for (const s of scopes) {
      if (OIDC_SCOPES.has(s)) throw OAuthErrors.openidNotAllowedClientCreds();
      if (s.endsWith('.self')) throw OAuthErrors.selfScopeClientCreds();
      if (!OKTA_SCOPE_RE.test(s) || !app.grants.has(s)) throw OAuthErrors.invalidScopeNotConfigured();
    }
    const at = this.ctx.tokens.issueAccessToken(app, null, scopes, randomToken(12));
    this.logGrant(req, app, null, at, ['access_token'], 'client_credentials');
    return this.tokenResponse(at, {});
  }

  // ---- introspect / revoke / userinfo / logout -----------------------------------------------

  private introspect(req: SimRequest): SimResponse {
    const params = formBody(req);
    const client = this.ctx.clients.authenticate(req, params, `${this.issuer}/oauth2/v1/introspect`);
    const token = params.get('token');
    if (!token) throw OAuthErrors.missingToken();
    const clientId = (client.app.oauth as NonNullable<SimApp['oauth']>).clientId;
    const { tokens, org } = this.ctx;
    const hint = params.get('token_type_hint');
    const tryAccess = () => {
      const check = tokens.checkAccessToken(token);
      if (!check.ok || check.record.clientId !== clientId) return null;
      const r = check.record;
      const user = r.userId ? org.users.get(r.userId) : undefined;
      return {
        active: true,
        scope: r.scopes.join(' '),
        username: user ? user.profile.login : r.clientId,
        exp: r.exp,
        iat: r.iat,
        sub: user ? user.profile.login : r.clientId,
        aud: this.issuer,
        iss: this.issuer,
        jti: r.jti,
        token_type: 'Bearer',
        client_id: r.clientId,
        ...(user ? { uid: user.id } : {}),
      };
    };
    const tryRefresh = () => {
      const r = tokens.findUsableRefresh(token);
      if (!r || r.clientId !== clientId) return null;
      const user = org.users.get(r.userId);
      return {
        active: true,
        token_type: 'refresh_token',
        scope: r.scopes.join(' '),
        client_id: r.clientId,
        username: user?.profile.login,
        exp: r.exp,
        iat: r.iat,
        sub: user?.profile.login,
        aud: this.issuer,
        iss: this.issuer,
        uid: r.userId,
      };
    };
    const result = hint === 'refresh_token' ? (tryRefresh() ?? tryAccess()) : (tryAccess() ?? tryRefresh());
    return json(200, result ?? { active: false }, NO_STORE);
  }

  private revoke(req: SimRequest): SimResponse {
    const params = formBody(req);
    const client = this.ctx.clients.authenticate(req, params, `${this.issuer}/oauth2/v1/revoke`);
    const token = params.get('token');
    if (!token) throw OAuthErrors.missingToken();
    const clientId = (client.app.oauth as NonNullable<SimApp['oauth']>).clientId;
    // Always 200 (RFC 7009): unknown, expired and foreign tokens are not distinguishable.
    if (this.ctx.tokens.revokeToken(token, clientId)) {
      this.ctx.org.log(
        requestActorContext(req, appActor(client.app), clientId),
        'app.oauth2.token.revoke',
        'OAuth2 token revocation request',
        [appTarget(client.app)],
      );
    }
    return { status: 200, headers: { ...NO_STORE } };
  }

  private userinfo(req: SimRequest): SimResponse {
    const auth = String(req.headers.authorization ?? '');
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const invalid = {
      'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is invalid."',
    };
    if (!m) return { status: 401, headers: { ...NO_STORE, ...invalid } };
    const check = this.ctx.tokens.checkAccessToken(m[1] as string);
    if (!check.ok || !check.record.userId) return { status: 401, headers: { ...NO_STORE, ...invalid } };
    const scopes = check.record.scopes;
    if (!scopes.includes('openid')) {
      return {
        status: 403,
        headers: {
          ...NO_STORE,
          'WWW-Authenticate':
            'Bearer error="insufficient_scope", error_description="The access token must provide access to at least one of these scopes - profile, email, address or phone"',
        },
      };
    }
    const user = this.ctx.org.users.get(check.record.userId);
    if (!user) return { status: 401, headers: { ...NO_STORE, ...invalid } };
    const claims: Record<string, unknown> = { sub: user.id };
    if (scopes.includes('profile')) {
      Object.assign(claims, {
        name: displayName(user),
        locale: 'en_US',
        preferred_username: user.profile.login,
        given_name: user.profile.firstName,
        family_name: user.profile.lastName,
        zoneinfo: 'America/Los_Angeles',
        updated_at: Math.floor(Date.parse(user.lastUpdated) / 1000),
      });
    }
    if (scopes.includes('email')) Object.assign(claims, { email: user.profile.email, email_verified: true });
    if (scopes.includes('phone') && user.profile.mobilePhone) claims.phone_number = user.profile.mobilePhone;
    if (scopes.includes('groups')) claims.groups = this.ctx.org.groupsOf(user.id).map((g) => g.profile.name);
    return json(200, claims, NO_STORE);
  }

  private logout(req: SimRequest, q: URLSearchParams): SimResponse {
    const { org, tokens, keys } = this.ctx;
    const hint = q.get('id_token_hint');
    let app: SimApp | undefined;
    if (hint) {
      const decoded = decodeJwt(hint);
      const key =
        decoded && typeof decoded.header.kid === 'string' ? keys.find(decoded.header.kid) : undefined;
      if (
        !decoded ||
        !key ||
        !verifyJwtSignature(decoded, key.privateKey) ||
        decoded.payload.iss !== this.issuer
      ) {
        return this.directError(req, 400, 'invalid_request', 'The id_token_hint cannot be parsed.');
      }
      const aud = decoded.payload.aud;
      app = typeof aud === 'string' ? org.appByClientId(aud) : undefined;
    }
    const cookies = parseCookies(req.headers.cookie);
    const session = tokens.findSession(cookies[SESSION_COOKIE]);
    if (session) {
      tokens.endSession(session.id);
      const user = org.users.get(session.userId);
      if (user)
        org.log(
          requestActorContext(req, userActor(user), app?.oauth?.clientId ?? null),
          'user.session.end',
          'User logout from Okta',
          [],
        );
    }
    const clear = { 'Set-Cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` };
    const post = q.get('post_logout_redirect_uri');
    if (post) {
      if (!app?.oauth || !app.oauth.postLogoutRedirectUris.includes(post)) {
        return this.directError(
          req,
          400,
          'invalid_request',
          "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.",
        );
      }
      const state = q.get('state');
      return redirect(
        state ? `${post}${post.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}` : post,
        { ...NO_STORE, ...clear },
      );
    }
    return html(200, renderSignedOut(), { ...NO_STORE, ...clear });
  }
}
