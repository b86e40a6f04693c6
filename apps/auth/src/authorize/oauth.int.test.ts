import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Browser, eventually, HeadlessOAuthProvider } from '@portcullis/testing';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  authorizeUrl,
  obtainCode,
  pkce,
  registerClient,
  signInThroughAuth,
  tokenRequest,
} from '../testing/flows';
import { type AuthHarness, type AuthInstance, startAuthHarness } from '../testing/harness';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../testing/tls-fixture';

/**
 * Issue 5 acceptance: the official MCP TypeScript SDK (v1) signs in against auth headlessly, by
 * Client ID Metadata Document and by Dynamic Client Registration, through the organization IdP
 * (the Okta simulator) and the consent page; the token verifies against /oauth/jwks. Then every
 * way a request can be wrong gets a clear OAuth error.
 */
let h: AuthHarness;
let docs: {
  https: Server;
  http: Server;
  httpsUrl: string;
  httpUrl: string;
  documents: Map<string, string | ((url: string) => string)>;
};
let jwks: ReturnType<typeof createRemoteJWKSet>;

async function startDocumentServers() {
  const documents = new Map<string, string | ((url: string) => string)>();
  const handler =
    (base: () => string) =>
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const doc = documents.get(req.url ?? '');
      if (doc === undefined) return void res.writeHead(404).end();
      const body = typeof doc === 'function' ? doc(`${base()}${req.url}`) : doc;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    };
  let httpsUrl = '';
  let httpUrl = '';
  const https = createHttpsServer(
    { cert: TEST_TLS_CERT, key: TEST_TLS_KEY },
    handler(() => httpsUrl),
  );
  const http = createHttpServer(handler(() => httpUrl));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { https, http, httpsUrl, httpUrl, documents };
}

const creds = (u: { login: string; password: string }) => ({ username: u.login, password: u.password });

async function introspect(token: string, inst: { url: string } = h) {
  const res = await fetch(`${inst.url}/internal/v1/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await h.serviceToken('gateway') },
    body: JSON.stringify({ token }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

function redirectError(res: Response): {
  error: string | null;
  description: string | null;
  state: string | null;
} {
  assert.equal(res.status, 302, `expected a redirect, got ${res.status}`);
  const loc = new URL(res.headers.get('location')!);
  return {
    error: loc.searchParams.get('error'),
    description: loc.searchParams.get('error_description'),
    state: loc.searchParams.get('state'),
  };
}

before(async () => {
  docs = await startDocumentServers();
  h = await startAuthHarness({ CIMD_CA_CERTS: TEST_TLS_CERT });
  jwks = createRemoteJWKSet(new URL(`${h.url}/oauth/jwks`));
});

after(async () => {
  await h?.close();
  docs?.https.close();
  docs?.http.close();
});

describe('authorization server metadata', () => {
  it('advertises PKCE S256, metadata documents, registration, JWKS and revocation at both well-known locations', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await fetch(`${h.url}${path}`);
      assert.equal(res.status, 200);
      const md = (await res.json()) as Record<string, unknown>;
      assert.equal(md.issuer, h.url);
      assert.deepEqual(md.code_challenge_methods_supported, ['S256']);
      assert.equal(md.client_id_metadata_document_supported, true);
      assert.equal(md.registration_endpoint, `${h.url}/oauth/register`);
      assert.equal(md.jwks_uri, `${h.url}/oauth/jwks`);
      assert.equal(md.revocation_endpoint, `${h.url}/oauth/revoke`);
      assert.equal(md.token_endpoint, `${h.url}/oauth/token`);
    }
  });
});

describe('the MCP SDK signs in headlessly', () => {
  it('with Dynamic Client Registration: token verifies against the JWKS with the IdP groups', async () => {
    const uma = h.sim.fixtures.regularUser;
    const provider = new HeadlessOAuthProvider(new Browser(creds(uma)), 'http://127.0.0.1:53682/callback');
    assert.equal(await auth(provider, { serverUrl: h.resource }), 'REDIRECT');
    assert.ok(provider.capturedCode, `no code captured (${JSON.stringify(provider.capturedError)})`);
    assert.match(String(provider.clientInformation()?.client_id), /^dcr_/);
    assert.equal(
      await auth(provider, { serverUrl: h.resource, authorizationCode: provider.capturedCode }),
      'AUTHORIZED',
    );
    const tokens = provider.tokens()!;
    assert.ok(tokens.refresh_token);
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: h.url,
      audience: h.resource,
    });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(payload.email, uma.email);
    assert.ok(
      Array.isArray(payload.groups) &&
        (payload.groups as string[]).includes('Engineering') &&
        (payload.groups as string[]).includes('Portcullis Demo'),
      `groups: ${JSON.stringify(payload.groups)}`,
    );
    assert.match(String(payload.sub), /^[0-9a-f-]{36}$/);
    assert.match(String(payload.client_id), /^aic_/);
    assert.equal(payload.azp, provider.clientInformation()?.client_id);
    assert.equal(payload.client_type, 'personal');
    assert.match(String(payload.scope), /\bmcp\b/);
    assert.ok(payload.jti);
    assert.equal(payload.exp! - payload.iat!, 600);
    // The authorize request carried the RFC 8707 resource and PKCE S256.
    assert.equal(provider.lastAuthorizationUrl?.searchParams.get('resource'), h.resource);
    assert.equal(provider.lastAuthorizationUrl?.searchParams.get('code_challenge_method'), 'S256');
    // And the SDK refreshes with rotation.
    const before = tokens.refresh_token;
    assert.equal(await auth(provider, { serverUrl: h.resource }), 'AUTHORIZED');
    assert.notEqual(provider.tokens()!.refresh_token, before);
  });

  it('with a Client ID Metadata Document (https URL as client_id)', async () => {
    const redirect = 'http://127.0.0.1:61000/oauth/callback';
    docs.documents.set('/mcp-client.json', (url) =>
      JSON.stringify({
        client_id: url,
        client_name: 'CIMD Test Client',
        redirect_uris: [redirect],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    );
    const clientId = `${docs.httpsUrl}/mcp-client.json`;
    const oscar = h.sim.fixtures.orgAdmin;
    const provider = new HeadlessOAuthProvider(new Browser(creds(oscar)), redirect, clientId);
    assert.equal(await auth(provider, { serverUrl: h.resource }), 'REDIRECT');
    assert.ok(provider.capturedCode, `no code captured (${JSON.stringify(provider.capturedError)})`);
    assert.equal(provider.clientInformation()?.client_id, clientId);
    assert.equal(
      await auth(provider, { serverUrl: h.resource, authorizationCode: provider.capturedCode }),
      'AUTHORIZED',
    );
    const { payload } = await jwtVerify(provider.tokens()!.access_token, jwks, {
      issuer: h.url,
      audience: h.resource,
    });
    assert.equal(payload.azp, clientId);
    assert.equal(payload.email, oscar.email);
    assert.ok((payload.groups as string[]).includes('IT'));
    const info = await introspect(provider.tokens()!.access_token);
    assert.equal(info.active, true);
    assert.equal(info.admin, true, 'IT is an admin group in this test');
  });

  it('the consent page names the client, the user and what the client may do', async () => {
    const client = await registerClient(h.url, { client_name: 'Consent Page Client' });
    const { challenge } = pkce();
    const browser = new Browser(creds(h.sim.fixtures.regularUser));
    const stop = await browser.navigate(
      authorizeUrl(h, { clientId: client.client_id, redirectUri: 'http://127.0.0.1:7777/cb', challenge }),
      (u) => u.pathname === '/oauth/consent',
    );
    const res = await browser.fetch(stop.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const html = await res.text();
    assert.match(html, /Allow <span id="client-name">Consent Page Client<\/span>/);
    assert.match(html, /call the MCP tools your administrators have made available to you/);
    assert.match(html, /registered itself; its name is self-declared/);
    assert.ok(html.includes(h.sim.fixtures.regularUser.email));
    assert.match(html, /name="csrf"/);
  });

  it('denying consent sends access_denied back to the client', async () => {
    const client = await registerClient(h.url, { client_name: 'Deny Me Too' });
    const { challenge } = pkce();
    const browser = new Browser(creds(h.sim.fixtures.regularUser), 'deny');
    const page = await browser.navigate(
      authorizeUrl(h, {
        clientId: client.client_id,
        redirectUri: 'http://127.0.0.1:7777/cb',
        challenge,
        state: 'keep-me',
      }),
      (u) => u.port === '7777',
    );
    assert.equal(page.url.searchParams.get('error'), 'access_denied');
    assert.equal(page.url.searchParams.get('state'), 'keep-me');
    assert.equal(page.url.searchParams.get('iss'), h.url);
  });

  it('a consent form from another session is refused (CSRF)', async () => {
    const client = await registerClient(h.url);
    const { challenge } = pkce();
    const victim = new Browser(creds(h.sim.fixtures.regularUser));
    // The victim signs in once (so it has a session), then an attacker's form posts into it.
    await signInThroughAuth(h, creds(h.sim.fixtures.regularUser), victim);
    const res = await victim.fetch(
      authorizeUrl(h, { clientId: client.client_id, redirectUri: 'http://127.0.0.1:7777/cb', challenge }),
    );
    const consentUrl = new URL(res.headers.get('location')!, h.url);
    const handle = consentUrl.searchParams.get('request')!;
    const forged = await victim.fetch(`${h.url}/oauth/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: handle, csrf: 'forged', decision: 'approve' }),
    });
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /CSRF/);
  });
});

describe('authorization request errors', () => {
  let clientId: string;
  const redirectUri = 'http://127.0.0.1:9999/cb';
  before(async () => {
    clientId = (await registerClient(h.url, { redirect_uris: [redirectUri] })).client_id;
  });
  const get = (url: string) => fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } });

  it('refuses a request without PKCE', async () => {
    const e = redirectError(await get(authorizeUrl(h, { clientId, redirectUri, method: null })));
    assert.equal(e.error, 'invalid_request');
    assert.match(e.description!, /PKCE/);
    assert.equal(e.state, 'st4te');
  });

  it('refuses plain PKCE (and a missing method, which means plain)', async () => {
    const { challenge } = pkce();
    const plain = redirectError(
      await get(authorizeUrl(h, { clientId, redirectUri, challenge, method: 'plain' })),
    );
    assert.equal(plain.error, 'invalid_request');
    assert.match(plain.description!, /S256/);
    const missing = redirectError(
      await get(authorizeUrl(h, { clientId, redirectUri, challenge, method: null })),
    );
    assert.equal(missing.error, 'invalid_request');
    assert.match(missing.description!, /plain/);
  });

  it('refuses a missing or foreign resource (RFC 8707)', async () => {
    const { challenge } = pkce();
    const missing = redirectError(
      await get(authorizeUrl(h, { clientId, redirectUri, challenge, resource: null })),
    );
    assert.equal(missing.error, 'invalid_target');
    assert.match(missing.description!, /resource is required/);
    const wrong = redirectError(
      await get(
        authorizeUrl(h, { clientId, redirectUri, challenge, resource: 'https://elsewhere.example.com/mcp' }),
      ),
    );
    assert.equal(wrong.error, 'invalid_target');
    assert.match(wrong.description!, /not served by this authorization server/);
  });

  it('never redirects to an unregistered redirect URI; loopback URIs may use any port', async () => {
    const { challenge } = pkce();
    const res = await get(
      authorizeUrl(h, { clientId, redirectUri: 'https://attacker.example.com/cb', challenge }),
    );
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_request');
    assert.match(body.error_description, /not registered/);
    const otherPath = await get(
      authorizeUrl(h, { clientId, redirectUri: 'http://127.0.0.1:9999/other', challenge }),
    );
    assert.equal(otherPath.status, 400);
    const otherPort = await get(
      authorizeUrl(h, { clientId, redirectUri: 'http://127.0.0.1:41234/cb', challenge }),
    );
    assert.equal(otherPort.status, 302);
    assert.ok(otherPort.headers.get('location')!.startsWith(h.sim.url), 'went on to sign-in at the IdP');
  });

  it('an unknown client gets invalid_client', async () => {
    const res = await get(
      authorizeUrl(h, { clientId: 'dcr_nope', redirectUri, challenge: pkce().challenge }),
    );
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });
});

describe('token endpoint errors', () => {
  let clientId: string;
  const redirectUri = 'http://127.0.0.1:7777/cb';
  const browser = () => new Browser(creds(h.sim.fixtures.regularUser));
  let b: Browser;
  before(async () => {
    clientId = (await registerClient(h.url)).client_id;
    b = browser();
  });
  const exchange = (code: string, extra: Record<string, string>) =>
    tokenRequest(h.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      resource: h.resource,
      ...extra,
    });

  it('refuses a wrong verifier (and the code is then spent)', async () => {
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const wrong = await exchange(code, { code_verifier: pkce().verifier });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.match(String(wrong.body.error_description), /PKCE verification failed/);
    const again = await exchange(code, { code_verifier: verifier });
    assert.equal(again.body.error, 'invalid_grant');
  });

  it('requires the verifier', async () => {
    const { challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const r = await exchange(code, {});
    assert.equal(r.body.error, 'invalid_request');
    assert.match(String(r.body.error_description), /code_verifier is required/);
  });

  it('refuses a different redirect URI', async () => {
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const r = await exchange(code, { code_verifier: verifier, redirect_uri: 'http://127.0.0.1:7777/other' });
    assert.equal(r.body.error, 'invalid_grant');
    assert.match(String(r.body.error_description), /redirect_uri/);
  });

  it('refuses a different resource than the one authorized', async () => {
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const r = await exchange(code, {
      code_verifier: verifier,
      resource: 'https://elsewhere.example.com/mcp',
    });
    assert.equal(r.body.error, 'invalid_target');
  });

  it('a reused code is refused and the tokens from its first use are revoked', async () => {
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const first = await exchange(code, { code_verifier: verifier });
    assert.equal(first.status, 200);
    assert.equal((await introspect(String(first.body.access_token))).active, true);
    const second = await exchange(code, { code_verifier: verifier });
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    assert.match(String(second.body.error_description), /already been used/);
    const after = await introspect(String(first.body.access_token));
    assert.equal(after.active, false);
    assert.match(String(after.reason), /revoked/);
    const refresh = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: String(first.body.refresh_token),
      client_id: clientId,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  it('a code is bound to its client', async () => {
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId, redirectUri, challenge });
    const other = (await registerClient(h.url)).client_id;
    const r = await tokenRequest(h.url, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: other,
      code_verifier: verifier,
    });
    assert.equal(r.body.error, 'invalid_grant');
    assert.match(String(r.body.error_description), /another client/);
  });

  it('a replayed refresh token revokes the whole family', async () => {
    const s = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser), b);
    const r1 = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: s.refreshToken,
      client_id: s.clientId,
    });
    assert.equal(r1.status, 200);
    const rotated = String(r1.body.refresh_token);
    assert.notEqual(rotated, s.refreshToken);
    const replay = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: s.refreshToken,
      client_id: s.clientId,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(String(replay.body.error_description), /already been used/);
    // The rotated (legitimate-looking) token is dead too, and so are the access tokens.
    const next = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: rotated,
      client_id: s.clientId,
    });
    assert.equal(next.body.error, 'invalid_grant');
    assert.equal((await introspect(String(r1.body.access_token))).active, false);
    assert.equal((await introspect(s.accessToken)).active, false);
    const jti = String(decodeJwt(String(r1.body.access_token)).jti);
    await eventually('ClientChanged(tokens_revoked) with the access token ids', async () =>
      h.published.clientChanged.some(
        (e) => e.payload.change === 'tokens_revoked' && e.payload.revokedTokenIds?.includes(jti),
      ),
    );
    await eventually('an audit record of the reuse', async () =>
      h.published.audit.some((e) => e.payload.action === 'auth.token.refresh_reuse_detected'),
    );
  });

  it('a confidential DCR client (client_secret_basic by default) must authenticate', async () => {
    const reg = await registerClient(h.url, { token_endpoint_auth_method: undefined });
    assert.match(String(reg.client_secret), /^pccs_/);
    const { verifier, challenge } = pkce();
    const code = await obtainCode(h, b, { clientId: reg.client_id, redirectUri, challenge });
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      resource: h.resource,
    };
    const noSecret = await tokenRequest(h.url, { ...params, client_id: reg.client_id });
    assert.equal(noSecret.status, 401);
    assert.equal(noSecret.body.error, 'invalid_client');
    const ok = await tokenRequest(h.url, params, { id: reg.client_id, secret: reg.client_secret! });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('unsupported grants and unknown clients get clear errors', async () => {
    const r = await tokenRequest(h.url, {
      grant_type: 'password',
      username: 'x',
      password: 'y',
      client_id: clientId,
    });
    assert.equal(r.body.error, 'unsupported_grant_type');
    const c = await tokenRequest(h.url, {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: 'dcr_unknown',
      code_verifier: pkce().verifier,
    });
    assert.equal(c.status, 401);
    assert.equal(c.body.error, 'invalid_client');
  });

  it('RFC 7009 revocation of a refresh token ends its family', async () => {
    const s = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser), b);
    const res = await fetch(`${h.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: s.refreshToken,
        token_type_hint: 'refresh_token',
        client_id: s.clientId,
      }),
    });
    assert.equal(res.status, 200);
    assert.equal((await introspect(s.accessToken)).active, false);
    const r = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: s.refreshToken,
      client_id: s.clientId,
    });
    assert.equal(r.body.error, 'invalid_grant');
  });
});

describe('client ID metadata documents are fetched safely', () => {
  const get = (clientId: string) =>
    fetch(
      authorizeUrl(h, { clientId, redirectUri: 'http://127.0.0.1:7777/cb', challenge: pkce().challenge }),
      { redirect: 'manual', headers: { accept: 'application/json' } },
    );
  const refused = async (clientId: string, pattern: RegExp) => {
    const res = await get(clientId);
    assert.equal(res.status, 400, `expected refusal of ${clientId}`);
    const body = (await res.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, pattern);
  };

  it('refuses documents on private, link-local and metadata addresses', async () => {
    await refused('https://10.1.2.3/client.json', /private address/);
    await refused('https://192.168.1.10/client.json', /private address/);
    await refused('https://169.254.169.254/latest/meta-data', /metadata address/);
    await refused('https://[fd00::1]/client.json', /private address/);
    await refused('https://[::ffff:10.0.0.1]/client.json', /private address/);
  });

  it('refuses non-https URLs and URLs without a path', async () => {
    await refused('http://example.com/client.json', /must be an https URL/);
    await refused(`${docs.httpsUrl}/`, /must have a path/);
  });

  it('refuses an oversized document', async () => {
    docs.documents.set('/big.json', (url) =>
      JSON.stringify({
        client_id: url,
        redirect_uris: ['http://127.0.0.1:7777/cb'],
        padding: 'x'.repeat(6000),
      }),
    );
    await refused(`${docs.httpUrl}/big.json`, /limit is 5120|exceeds the 5120-byte limit/);
  });

  it('refuses malformed documents', async () => {
    docs.documents.set('/broken.json', '{"client_id": ');
    await refused(`${docs.httpUrl}/broken.json`, /not valid JSON/);
    docs.documents.set('/array.json', '[]');
    await refused(`${docs.httpUrl}/array.json`, /must be a JSON object/);
    docs.documents.set(
      '/other-id.json',
      JSON.stringify({
        client_id: 'https://somewhere.example.com/x.json',
        redirect_uris: ['http://127.0.0.1:7777/cb'],
      }),
    );
    await refused(`${docs.httpUrl}/other-id.json`, /must equal its own URL/);
    docs.documents.set('/no-redirects.json', (url) => JSON.stringify({ client_id: url }));
    await refused(`${docs.httpUrl}/no-redirects.json`, /redirect_uris/);
    docs.documents.set('/secret.json', (url) =>
      JSON.stringify({
        client_id: url,
        redirect_uris: ['http://127.0.0.1:7777/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    );
    await refused(`${docs.httpUrl}/secret.json`, /supports only "none"/);
    docs.documents.set('/js.json', (url) =>
      JSON.stringify({ client_id: url, redirect_uris: ['javascript:alert(1)'] }),
    );
    await refused(`${docs.httpUrl}/js.json`, /forbidden scheme/);
  });

  it('refuses documents it cannot fetch', async () => {
    await refused(`${docs.httpUrl}/missing.json`, /answered HTTP 404/);
  });
});

describe('access tokens', () => {
  let shortLived: AuthInstance;
  let service: { clientId: string; clientSecret: string };
  let expiring: string;
  const otherAudience = 'https://another-gateway.example.com/mcp';

  before(async () => {
    // A replica configured for another gateway, with one-second tokens.
    shortLived = await h.startReplica({ ACCESS_TOKEN_TTL_SECONDS: '1', GATEWAY_RESOURCE_URL: otherAudience });
    const res = await h.admin('/api/v1/clients', { body: { name: 'nightly-job', groups: ['Automation'] } });
    assert.equal(res.status, 201);
    service = (await res.json()) as { clientId: string; clientSecret: string };
    const t = await tokenRequest(
      shortLived.url,
      { grant_type: 'client_credentials', resource: otherAudience },
      { id: service.clientId, secret: service.clientSecret },
    );
    assert.equal(t.status, 200, JSON.stringify(t.body));
    expiring = String(t.body.access_token);
  });

  it('client credentials for a service client', async () => {
    const t = await tokenRequest(
      h.url,
      { grant_type: 'client_credentials', resource: h.resource },
      { id: service.clientId, secret: service.clientSecret },
    );
    assert.equal(t.status, 200);
    const { payload } = await jwtVerify(String(t.body.access_token), jwks, {
      issuer: h.url,
      audience: h.resource,
    });
    assert.equal(payload.client_type, 'service');
    assert.deepEqual(payload.groups, ['Automation']);
    assert.equal(t.body.refresh_token, undefined);
    const bad = await tokenRequest(
      h.url,
      { grant_type: 'client_credentials' },
      { id: service.clientId, secret: 'wrong' },
    );
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_client');
  });

  it('a token for another audience is refused', async () => {
    const info = await introspect(expiring);
    assert.equal(info.active, false);
    assert.match(String(info.reason), /another audience/);
    await assert.rejects(jwtVerify(expiring, jwks, { issuer: h.url, audience: h.resource }), /aud/);
  });

  it('a forged signature is refused', async () => {
    const s = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser));
    const [head, body, sig] = s.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    claims.groups = [...claims.groups, 'IT'];
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const info = await introspect(forged);
    assert.equal(info.active, false);
    assert.match(String(info.reason), /signature is invalid/);
    await assert.rejects(jwtVerify(forged, jwks, { issuer: h.url, audience: h.resource }));
    const wrongKid = `${Buffer.from(JSON.stringify({ ...decodeProtectedHeader(s.accessToken), kid: 'nope' })).toString('base64url')}.${body}.${sig}`;
    assert.match(String((await introspect(wrongKid)).reason), /does not \(or no longer\) publish/);
  });

  it('signing-key rotation keeps earlier tokens valid', async () => {
    const s = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser));
    const oldKid = decodeProtectedHeader(s.accessToken).kid;
    const rot = await h.admin('/api/v1/signing-keys/rotate', { method: 'POST' });
    assert.equal(rot.status, 200);
    const { kid, previousKid } = (await rot.json()) as { kid: string; previousKid: string };
    assert.equal(previousKid, oldKid);
    assert.notEqual(kid, oldKid);
    const published = (
      (await (await fetch(`${h.url}/oauth/jwks`)).json()) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);
    assert.ok(published.includes(kid) && published.includes(oldKid!), `JWKS ${published.join(',')}`);
    // The old token: still verifies (fresh JWKS fetch) and is still active.
    await jwtVerify(s.accessToken, createRemoteJWKSet(new URL(`${h.url}/oauth/jwks`)), {
      issuer: h.url,
      audience: h.resource,
    });
    assert.equal((await introspect(s.accessToken)).active, true);
    // New tokens are signed with the new key, including after a refresh.
    const r = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: s.refreshToken,
      client_id: s.clientId,
    });
    assert.equal(decodeProtectedHeader(String(r.body.access_token)).kid, kid);
    await jwtVerify(String(r.body.access_token), createRemoteJWKSet(new URL(`${h.url}/oauth/jwks`)), {
      issuer: h.url,
      audience: h.resource,
    });
  });

  it('an expired token is refused', async () => {
    // Tokens from the one-second replica; verification allows 5 s of clock skew.
    await eventually(
      'the short-lived token to expire',
      async () => {
        const info = await introspect(expiring, shortLived);
        return info.active === false && /expired/.test(String(info.reason));
      },
      15_000,
      500,
    );
    await assert.rejects(jwtVerify(expiring, jwks, { issuer: h.url, audience: otherAudience }), /exp/);
  });
});

describe('AI clients and admin API tokens', () => {
  it('an admin API token is shown once, works as admin, is listed without its secret, and can be revoked', async () => {
    const created = await h.admin('/api/v1/admin-tokens', { body: { name: 'terraform' } });
    assert.equal(created.status, 201);
    const t = (await created.json()) as { id: string; token: string };
    assert.match(t.token, /^pcat_/);
    const info = await introspect(t.token);
    assert.equal(info.active, true);
    assert.equal(info.kind, 'admin_api_token');
    assert.equal(info.admin, true);
    const list = await fetch(`${h.url}/api/v1/admin-tokens`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    assert.equal(list.status, 200);
    const text = await list.text();
    assert.ok(!text.includes(t.token), 'the list must not contain the token');
    assert.match(text, /terraform/);
    const del = await fetch(`${h.url}/api/v1/admin-tokens/${t.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.token}` },
    });
    assert.equal(del.status, 200);
    const after = await introspect(t.token);
    assert.equal(after.active, false);
    assert.match(String(after.reason), /revoked/);
    const refused = await fetch(`${h.url}/api/v1/admin-tokens`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    assert.equal(refused.status, 401);
  });

  it('admin APIs: admins by IdP group are allowed, other users are refused', async () => {
    const user = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser));
    const r = await fetch(`${h.url}/api/v1/clients`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    assert.equal(r.status, 403);
    assert.match(String(r.headers.get('content-type')), /application\/problem\+json/);
    const admin = await signInThroughAuth(h, creds(h.sim.fixtures.superAdmin));
    const ok = await fetch(`${h.url}/api/v1/clients`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    assert.equal(ok.status, 200);
    const none = await fetch(`${h.url}/api/v1/clients`);
    assert.equal(none.status, 401);
  });

  it('closing an AI client revokes its tokens and tells the gateways', async () => {
    const s = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser));
    const claims = decodeJwt(s.accessToken);
    const aiClientId = String(claims.client_id);
    const got = (await (await h.admin(`/api/v1/clients/${aiClientId}`)).json()) as Record<string, unknown>;
    assert.equal(got.state, 'active');
    assert.equal(got.type, 'personal');
    assert.equal((got.owner as { email: string }).email, h.sim.fixtures.regularUser.email);
    assert.ok(got.lastUsedAt);
    const hidden = await h.admin(`/api/v1/clients/${aiClientId}`, {
      method: 'PATCH',
      body: { state: 'hidden', name: 'Uma laptop' },
    });
    assert.equal(((await hidden.json()) as { state: string }).state, 'hidden');
    assert.equal((await introspect(s.accessToken)).active, true, 'hidden clients keep working');
    const closed = await h.admin(`/api/v1/clients/${aiClientId}`, {
      method: 'PATCH',
      body: { state: 'closed' },
    });
    assert.equal(closed.status, 200);
    const info = await introspect(s.accessToken);
    assert.equal(info.active, false);
    const refresh = await tokenRequest(h.url, {
      grant_type: 'refresh_token',
      refresh_token: s.refreshToken,
      client_id: s.clientId,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
    await eventually('ClientChanged(closed) with the live token id', async () =>
      h.published.clientChanged.some(
        (e) =>
          e.payload.clientId === aiClientId &&
          e.payload.change === 'closed' &&
          e.payload.revokedTokenIds?.includes(String(claims.jti)),
      ),
    );
    // A closed client cannot sign in again until an admin re-activates it.
    const { challenge } = pkce();
    const page = await s.browser.navigate(
      authorizeUrl(h, { clientId: s.clientId, redirectUri: 'http://127.0.0.1:7777/cb', challenge }),
      (u) => u.port === '7777',
    );
    assert.equal(page.url.searchParams.get('error'), 'access_denied');
    const reopened = await h.admin(`/api/v1/clients/${aiClientId}`, {
      method: 'PATCH',
      body: { state: 'active' },
    });
    assert.equal(((await reopened.json()) as { state: string }).state, 'active');
    await signInThroughAuth(h, creds(h.sim.fixtures.regularUser), s.browser);
  });

  it('registration settings switch dynamic registration off and on', async () => {
    const off = await h.admin('/api/v1/client-registration-settings', {
      method: 'PUT',
      body: { allowDcr: false },
    });
    assert.deepEqual(((await off.json()) as { allowDcr: boolean; allowCimd: boolean }).allowDcr, false);
    const reg = await fetch(`${h.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:1/cb'] }),
    });
    assert.equal(reg.status, 403);
    assert.equal(((await reg.json()) as { error: string }).error, 'access_denied');
    const md = (await (await fetch(`${h.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(md.registration_endpoint, undefined);
    await h.admin('/api/v1/client-registration-settings', { method: 'PUT', body: { allowDcr: true } });
    const reg2 = await fetch(`${h.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://example.com/cb'] }),
    });
    assert.equal(reg2.status, 400);
    assert.equal(((await reg2.json()) as { error: string }).error, 'invalid_redirect_uri');
  });

  it('sign-ins, consents, token issues and client changes are audited', async () => {
    await eventually('audit records', async () => {
      const actions = new Set(h.published.audit.map((e) => e.payload.action));
      return [
        'auth.user.signed_in',
        'auth.client.consent_granted',
        'auth.client.consent_denied',
        'auth.token.issued',
        'auth.token.revoked',
        'auth.client.state_changed',
        'auth.admin_token.created',
        'auth.signing_key.rotated',
      ].every((a) => actions.has(a));
    });
  });
});
