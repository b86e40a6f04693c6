import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startOktaSim, type OktaSim } from '../index';
import { api, authorizeUrl, getCode, pkcePair, tokenRequest, userToken } from '../testkit';
import { decodeJwt, verifyJwtSignature } from './jwt';

let sim: OktaSim;

before(async () => {
  sim = await startOktaSim({ seed: 7 });
});
after(async () => {
  await sim.close();
});

const basicAuth = () => ({
  id: sim.fixtures.portcullisWebApp.clientId,
  secret: sim.fixtures.portcullisWebApp.clientSecret,
});

/** Fetches an authorize URL like a browser would and submits the hosted sign-in form. */
async function submitSignInForm(url: URL, username: string, password: string): Promise<URL> {
  const page = await fetch(url, { redirect: 'manual', headers: { Accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  const action = /<form id="okta-sign-in-form" method="post" action="([^"]+)"/.exec(html)?.[1];
  const stateToken = /name="stateToken" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(action && stateToken, 'sign-in form with stateToken');
  const res = await fetch(new URL(action, url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ stateToken, username, password }),
  });
  assert.equal(res.status, 302, await res.clone().text());
  return new URL(res.headers.get('location') as string);
}

interface OcV6 {
  discovery(
    server: URL,
    clientId: string,
    metadata?: string,
    auth?: unknown,
    options?: unknown,
  ): Promise<unknown>;
  allowInsecureRequests: unknown;
  ClientSecretBasic(secret: string): unknown;
  randomPKCECodeVerifier(): string;
  calculatePKCECodeChallenge(v: string): Promise<string>;
  randomState(): string;
  randomNonce(): string;
  buildAuthorizationUrl(config: unknown, params: Record<string, string>): URL;
  authorizationCodeGrant(config: unknown, url: URL, checks: Record<string, unknown>): Promise<TokenSetLike>;
  refreshTokenGrant(config: unknown, refreshToken: string): Promise<TokenSetLike>;
}
interface TokenSetLike {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  claims(): Record<string, unknown> | undefined;
}
interface OcV5 {
  Issuer: {
    discover(
      url: string,
    ): Promise<{ Client: new (m: Record<string, unknown>) => OcV5Client; metadata: Record<string, unknown> }>;
  };
  generators: { codeVerifier(): string; codeChallenge(v: string): string; state(): string; nonce(): string };
}
interface OcV5Client {
  authorizationUrl(p: Record<string, string>): string;
  callbackParams(url: string): Record<string, string>;
  callback(
    redirectUri: string,
    params: Record<string, string>,
    checks: Record<string, string>,
  ): Promise<TokenSetLike>;
  refresh(rt: string): Promise<TokenSetLike>;
}

describe('openid-client (authorization code + PKCE + refresh)', () => {
  it('completes the flow with the installed openid-client major version', async () => {
    const f = sim.fixtures;
    const redirectUri = 'http://127.0.0.1:45678/auth/callback';
    sim.org.addRedirectUri(f.portcullisWebApp.clientId, redirectUri);
    const scope = 'openid profile email groups offline_access okta.users.read';
    // openid-client is ESM-only in v6 and CommonJS in v5; load it dynamically and use whichever API exists.
    const loaded = (await import('openid-client')) as unknown as Record<string, unknown>;
    const mod =
      ('discovery' in loaded || 'Issuer' in loaded ? loaded : (loaded.default as Record<string, unknown>)) ??
      loaded;
    let tokens: TokenSetLike;
    let refreshed: TokenSetLike;
    if (typeof mod.discovery === 'function') {
      const oc = mod as unknown as OcV6;
      const config = await oc.discovery(
        new URL(sim.url),
        f.portcullisWebApp.clientId,
        f.portcullisWebApp.clientSecret,
        oc.ClientSecretBasic(f.portcullisWebApp.clientSecret),
        {
          execute: [oc.allowInsecureRequests],
        },
      );
      const verifier = oc.randomPKCECodeVerifier();
      const state = oc.randomState();
      const nonce = oc.randomNonce();
      const url = oc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope,
        code_challenge: await oc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const callback = await submitSignInForm(url, f.regularUser.login, f.regularUser.password);
      tokens = await oc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      refreshed = await oc.refreshTokenGrant(config, tokens.refresh_token as string);
    } else {
      const oc = mod as unknown as OcV5;
      const issuer = await oc.Issuer.discover(sim.url);
      assert.equal(issuer.metadata.issuer, sim.url);
      const client = new issuer.Client({
        client_id: f.portcullisWebApp.clientId,
        client_secret: f.portcullisWebApp.clientSecret,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const verifier = oc.generators.codeVerifier();
      const state = oc.generators.state();
      const nonce = oc.generators.nonce();
      const url = new URL(
        client.authorizationUrl({
          scope,
          code_challenge: oc.generators.codeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        }),
      );
      const callback = await submitSignInForm(url, f.regularUser.login, f.regularUser.password);
      tokens = await client.callback(redirectUri, client.callbackParams(callback.toString()), {
        code_verifier: verifier,
        state,
        nonce,
      });
      refreshed = await client.refresh(tokens.refresh_token as string);
    }
    const claims = tokens.claims() as Record<string, unknown>;
    assert.equal(claims.sub, f.regularUser.id);
    assert.equal(claims.iss, sim.url);
    assert.equal(claims.email, f.regularUser.email);
    assert.ok(
      Array.isArray(claims.groups) && (claims.groups as string[]).includes('Portcullis Demo'),
      'groups claim with group names',
    );
    assert.ok(tokens.refresh_token, 'offline_access → refresh token');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    // The access token works against the Management API (okta.users.read, self).
    const me = await api<{ id: string }>(sim, '/api/v1/users/me', { token: refreshed.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, f.regularUser.id);
  });
});

describe('discovery, keys, tokens', () => {
  it('serves both discovery documents with the org URL as issuer', async () => {
    const a = await api<Record<string, unknown>>(sim, '/.well-known/openid-configuration');
    const b = await api<Record<string, unknown>>(sim, '/.well-known/oauth-authorization-server');
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, b.body);
    assert.equal(a.body.issuer, sim.url);
    assert.equal(a.body.token_endpoint, `${sim.url}/oauth2/v1/token`);
    assert.deepEqual(a.body.code_challenge_methods_supported, ['S256']);
  });

  it('issues RS256 JWT access tokens shaped like Okta org AS tokens, verifiable with /keys', async () => {
    const t = await userToken(
      sim,
      sim.fixtures.regularUser.login,
      sim.fixtures.regularUser.password,
      'openid okta.users.read',
    );
    const decoded = decodeJwt(t.access_token as string);
    assert.ok(decoded);
    assert.equal(decoded.header.alg, 'RS256');
    assert.equal(decoded.payload.iss, sim.url);
    assert.equal(decoded.payload.aud, sim.url);
    assert.equal(decoded.payload.cid, sim.fixtures.portcullisWebApp.clientId);
    assert.equal(decoded.payload.uid, sim.fixtures.regularUser.id);
    assert.equal(decoded.payload.sub, sim.fixtures.regularUser.login);
    assert.deepEqual(decoded.payload.scp, ['openid', 'okta.users.read']);
    assert.equal((decoded.payload.exp as number) - (decoded.payload.iat as number), 3600);
    assert.equal(t.expires_in, 3600);
    assert.equal(t.refresh_token, undefined, 'no offline_access → no refresh token');
    const jwks = await api<{ keys: (JsonWebKey & { kid: string })[] }>(sim, '/oauth2/v1/keys');
    const jwk = jwks.body.keys.find((k) => k.kid === decoded.header.kid);
    assert.ok(jwk);
    assert.ok(verifyJwtSignature(decoded, createPublicKey({ key: jwk, format: 'jwk' })));
  });

  it('rotates signing keys and keeps the previous key published', async () => {
    const before1 = (await api<{ keys: { kid: string }[] }>(sim, '/oauth2/v1/keys')).body.keys.map(
      (k) => k.kid,
    );
    const { kid } = await sim.control.rotateSigningKeys();
    const after1 = (await api<{ keys: { kid: string }[] }>(sim, '/oauth2/v1/keys')).body.keys.map(
      (k) => k.kid,
    );
    assert.equal(after1[0], kid, 'new key listed first');
    for (const k of before1) assert.ok(after1.includes(k), 'old key still published');
    const t = await userToken(
      sim,
      sim.fixtures.regularUser.login,
      sim.fixtures.regularUser.password,
      'openid',
    );
    assert.equal(decodeJwt(t.id_token as string)?.header.kid, kid);
    await sim.control.rotateSigningKeys({ dropPrevious: true });
    assert.equal((await api<{ keys: unknown[] }>(sim, '/oauth2/v1/keys')).body.keys.length, 1);
  });

  it('introspects, revokes and serves userinfo', async () => {
    const f = sim.fixtures;
    const t = await userToken(
      sim,
      f.regularUser.login,
      f.regularUser.password,
      'openid profile email offline_access',
    );
    const form = (token: string) => ({
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${f.portcullisWebApp.clientId}:${f.portcullisWebApp.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    const intro = (await (
      await fetch(`${sim.url}/oauth2/v1/introspect`, form(t.access_token as string))
    ).json()) as Record<string, unknown>;
    assert.equal(intro.active, true);
    assert.equal(intro.username, f.regularUser.login);
    assert.equal(intro.uid, f.regularUser.id);
    const ui = await api<Record<string, unknown>>(sim, '/oauth2/v1/userinfo', {
      token: t.access_token as string,
    });
    assert.equal(ui.status, 200);
    assert.equal(ui.body.sub, f.regularUser.id);
    assert.equal(ui.body.preferred_username, f.regularUser.login);
    // Revoking the refresh token takes the access tokens of the same grant with it.
    const rev = await fetch(`${sim.url}/oauth2/v1/revoke`, form(t.refresh_token as string));
    assert.equal(rev.status, 200);
    const intro2 = (await (
      await fetch(`${sim.url}/oauth2/v1/introspect`, form(t.access_token as string))
    ).json()) as Record<string, unknown>;
    assert.deepEqual(intro2, { active: false });
    const rev2 = await fetch(`${sim.url}/oauth2/v1/revoke`, form('not-a-token'));
    assert.equal(rev2.status, 200, 'unknown tokens revoke silently');
    const ui2 = await api(sim, '/oauth2/v1/userinfo', { token: t.access_token as string });
    assert.equal(ui2.status, 401);
    assert.match(ui2.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('reuses the browser session (SSO) and logs out', async () => {
    const f = sim.fixtures;
    const pk = pkcePair();
    const url = authorizeUrl(sim, {
      client_id: f.portcullisWebApp.clientId,
      redirect_uri: f.portcullisWebApp.redirectUris[0],
      response_type: 'code',
      scope: 'openid',
      state: 's1',
      code_challenge: pk.challenge,
      code_challenge_method: 'S256',
    });
    const first = await sim.signIn(url, { username: f.regularUser.login, password: f.regularUser.password });
    assert.ok(first.cookie);
    const again = await fetch(url, { redirect: 'manual', headers: { Cookie: first.cookie } });
    assert.equal(again.status, 302, 'existing session skips the form');
    assert.ok(new URL(again.headers.get('location') as string).searchParams.get('code'));
    const none = authorizeUrl(sim, { ...Object.fromEntries(url.searchParams), prompt: 'none' });
    const noSession = await fetch(none, { redirect: 'manual' });
    assert.equal(
      new URL(noSession.headers.get('location') as string).searchParams.get('error'),
      'login_required',
    );
    const out = await fetch(`${sim.url}/oauth2/v1/logout`, {
      redirect: 'manual',
      headers: { Cookie: first.cookie },
    });
    assert.equal(out.status, 200);
    const afterLogout = await fetch(url, { redirect: 'manual', headers: { Cookie: first.cookie } });
    assert.equal(afterLogout.status, 200, 'session gone → sign-in form again');
  });
});

describe('authorization errors (Okta strings)', () => {
  const f = () => sim.fixtures;
  const base = () => ({
    client_id: f().portcullisWebApp.clientId,
    redirect_uri: f().portcullisWebApp.redirectUris[0],
    response_type: 'code',
    scope: 'openid',
    state: 'abc',
  });
  const redirectParams = async (params: Record<string, string | undefined>) => {
    const res = await fetch(authorizeUrl(sim, params), { redirect: 'manual' });
    assert.equal(res.status, 302, `expected redirect, got ${res.status}`);
    return new URL(res.headers.get('location') as string).searchParams;
  };

  it('requires state', async () => {
    const p = await redirectParams({ ...base(), state: undefined });
    assert.equal(p.get('error'), 'invalid_request');
    assert.equal(p.get('error_description'), "The authentication request has an invalid 'state' parameter.");
  });

  it('rejects an unregistered redirect_uri without redirecting', async () => {
    const res = await fetch(authorizeUrl(sim, { ...base(), redirect_uri: 'http://evil.example/cb' }), {
      redirect: 'manual',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.error, 'invalid_request');
    assert.equal(
      body.error_description,
      "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
    );
  });

  it('rejects scopes the app was not granted and unknown scopes', async () => {
    for (const scope of ['openid okta.policies.read', 'openid custom.scope']) {
      const p = await redirectParams({ ...base(), scope });
      assert.equal(p.get('error'), 'invalid_scope');
      assert.equal(
        p.get('error_description'),
        'One or more scopes are not configured for the authorization server resource.',
      );
      assert.equal(p.get('state'), 'abc');
    }
  });

  it('denies users not assigned to the app', async () => {
    const u = f().unassignedUser;
    const { callbackUrl } = await sim.signIn(authorizeUrl(sim, base()), {
      username: u.login,
      password: u.password,
    });
    assert.equal(callbackUrl.searchParams.get('error'), 'access_denied');
    assert.equal(
      callbackUrl.searchParams.get('error_description'),
      'User is not assigned to the client application.',
    );
  });

  it('requires PKCE for public clients', async () => {
    const spa = sim.org.createOidcApp({
      label: 'SPA',
      applicationType: 'browser',
      redirectUris: ['http://localhost:5173/cb'],
      assignedGroupIds: [f().demoGroup.id],
    });
    assert.equal(spa.oauth?.tokenEndpointAuthMethod, 'none');
    const p = await redirectParams({
      ...base(),
      client_id: spa.oauth?.clientId,
      redirect_uri: 'http://localhost:5173/cb',
    });
    assert.equal(p.get('error'), 'invalid_request');
    assert.equal(p.get('error_description'), 'PKCE code challenge is required by the application.');
    // With PKCE the public client completes the flow with no secret and gets a rotating refresh token.
    const { code, verifier } = await getCode(sim, {
      clientId: spa.oauth?.clientId,
      redirectUri: 'http://localhost:5173/cb',
      scope: 'openid offline_access',
    });
    const t = await tokenRequest(sim, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://localhost:5173/cb',
      code_verifier: verifier,
      client_id: spa.oauth?.clientId,
    });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.body.refresh_token);
  });

  it('shows the sign-in form again on a wrong password', async () => {
    const res = await fetch(
      authorizeUrl(sim, { ...base(), code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
      { headers: { Accept: 'text/html' } },
    );
    const stateToken = /name="stateToken" value="([^"]+)"/.exec(await res.text())?.[1] as string;
    const bad = await fetch(`${sim.url}/login/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ stateToken, username: f().regularUser.login, password: 'wrong' }),
    });
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /Unable to sign in/);
  });
});

describe('token endpoint errors (Okta strings)', () => {
  const f = () => sim.fixtures;

  it('codes are single use; a replay is invalid_grant and revokes the first tokens', async () => {
    const { code, verifier, redirectUri } = await getCode(sim, {});
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    };
    const first = await tokenRequest(sim, params, basicAuth());
    assert.equal(first.status, 200);
    const replay = await tokenRequest(sim, params, basicAuth());
    assert.equal(replay.status, 400);
    assert.deepEqual(replay.body, {
      error: 'invalid_grant',
      error_description: 'The authorization code is invalid or has expired.',
    });
    const me = await api(sim, '/api/v1/users/me', { token: first.body.access_token as string });
    assert.equal(me.status, 401, 'tokens from a replayed code are revoked');
  });

  it('redirect_uri must match the one used at /authorize', async () => {
    const { code, verifier } = await getCode(sim, {});
    const res = await tokenRequest(
      sim,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: f().portcullisWebApp.redirectUris[1],
        code_verifier: verifier,
      },
      basicAuth(),
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
    assert.equal(
      res.body.error_description,
      "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
    );
  });

  it('PKCE: verifier mismatch and missing verifier', async () => {
    const a = await getCode(sim, {});
    const bad = await tokenRequest(
      sim,
      {
        grant_type: 'authorization_code',
        code: a.code,
        redirect_uri: a.redirectUri,
        code_verifier: pkcePair().verifier,
      },
      basicAuth(),
    );
    assert.deepEqual(bad.body, { error: 'invalid_grant', error_description: 'PKCE verification failed.' });
    const missing = await tokenRequest(
      sim,
      { grant_type: 'authorization_code', code: a.code, redirect_uri: a.redirectUri },
      basicAuth(),
    );
    assert.deepEqual(missing.body, {
      error: 'invalid_request',
      error_description: 'PKCE code verifier is required by the application.',
    });
  });

  it('codes expire after 300 s', async () => {
    const a = await getCode(sim, {});
    sim.control.advanceClock(301_000);
    try {
      const res = await tokenRequest(
        sim,
        {
          grant_type: 'authorization_code',
          code: a.code,
          redirect_uri: a.redirectUri,
          code_verifier: a.verifier,
        },
        basicAuth(),
      );
      assert.equal(res.body.error, 'invalid_grant');
    } finally {
      sim.control.advanceClock(-301_000);
    }
  });

  it('no refresh token without offline_access; bogus refresh token is invalid_grant', async () => {
    const t = await userToken(sim, f().regularUser.login, f().regularUser.password, 'openid profile');
    assert.equal(t.refresh_token, undefined);
    const res = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: 'nope' }, basicAuth());
    assert.deepEqual(res.body, {
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid or expired.',
    });
  });

  it('client authentication failures are 401 invalid_client', async () => {
    const res = await tokenRequest(
      sim,
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { id: f().portcullisWebApp.clientId, secret: 'wrong' },
    );
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    const none = await tokenRequest(sim, { grant_type: 'authorization_code', code: 'x', redirect_uri: 'x' });
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, {
      error: 'invalid_client',
      error_description: 'No client credentials found.',
    });
  });

  it('grant types must be configured on the app', async () => {
    const res = await tokenRequest(
      sim,
      { grant_type: 'client_credentials', scope: 'okta.users.read' },
      basicAuth(),
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unauthorized_client');
    const unknown = await tokenRequest(sim, { grant_type: 'magic' }, basicAuth());
    assert.equal(unknown.body.error, 'unsupported_grant_type');
  });

  it('refresh token rotation per app, with leeway for the previous token', async () => {
    const app = sim.org.createOidcApp({
      label: 'Rotating web app',
      redirectUris: ['http://localhost:7000/cb'],
      grantedScopes: ['okta.users.read'],
      assignedUserIds: [f().regularUser.id],
      refreshTokenRotation: true,
    });
    const o = app.oauth as NonNullable<typeof app.oauth>;
    const auth = { id: o.clientId, secret: o.clientSecret as string };
    const { code, verifier } = await getCode(sim, {
      clientId: o.clientId,
      redirectUri: 'http://localhost:7000/cb',
      scope: 'openid offline_access okta.users.read',
    });
    const t = await tokenRequest(
      sim,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'http://localhost:7000/cb',
        code_verifier: verifier,
      },
      auth,
    );
    const rt1 = t.body.refresh_token as string;
    const r2 = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: rt1 }, auth);
    assert.equal(r2.status, 200);
    assert.notEqual(r2.body.refresh_token, rt1, 'rotated');
    assert.equal(
      (await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: rt1 }, auth)).status,
      200,
      'old token valid within leeway',
    );
    sim.control.advanceClock(31_000);
    try {
      const late = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: rt1 }, auth);
      assert.equal(late.body.error, 'invalid_grant');
      assert.equal(
        (
          await tokenRequest(
            sim,
            { grant_type: 'refresh_token', refresh_token: r2.body.refresh_token as string },
            auth,
          )
        ).status,
        200,
      );
    } finally {
      sim.control.advanceClock(-31_000);
    }
    // The Portcullis app is STATIC: the same refresh token comes back.
    const s = await userToken(sim, f().regularUser.login, f().regularUser.password, 'openid offline_access');
    const sr = await tokenRequest(
      sim,
      { grant_type: 'refresh_token', refresh_token: s.refresh_token as string },
      basicAuth(),
    );
    assert.equal(sr.body.refresh_token, s.refresh_token);
  });

  it('client_credentials with private_key_jwt for the API service app', async () => {
    const svc = sim.fixtures.serviceApp;
    const assertion = sim.createClientAssertion({
      clientId: svc.clientId,
      privateKey: svc.privateJwk,
      kid: svc.kid,
    });
    const ok = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      scope: 'okta.users.read okta.groups.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.scope, 'okta.users.read okta.groups.read');
    assert.equal(ok.body.refresh_token, undefined);
    const replay = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      scope: 'okta.users.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    assert.equal(replay.body.error_description, 'The client_assertion token has already been used.');
    const wrongAud = sim.createClientAssertion({
      clientId: svc.clientId,
      privateKey: svc.privateKeyPem,
      kid: svc.kid,
      audience: sim.url,
    });
    const bad = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      scope: 'okta.users.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: wrongAud,
    });
    assert.equal(bad.status, 401);
    assert.equal(
      bad.body.error_description,
      'The audience claim for client_assertion must be the endpoint invoked for the request.',
    );
    const fresh = sim.createClientAssertion({
      clientId: svc.clientId,
      privateKey: svc.privateKey,
      kid: svc.kid,
    });
    const openid = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      scope: 'openid',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: fresh,
    });
    assert.equal(openid.body.error, 'invalid_scope');
    // A key added at runtime works too.
    const pair = await sim.createServiceAppKey();
    const withNew = sim.createClientAssertion({
      clientId: svc.clientId,
      privateKey: pair.privateJwk,
      kid: pair.kid,
    });
    const ok2 = await tokenRequest(sim, {
      grant_type: 'client_credentials',
      scope: 'okta.logs.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: withNew,
    });
    assert.equal(ok2.status, 200, ok2.text);
  });
});
