import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { Browser, eventually } from '@portcullis/testing';
import { KeyRotationService } from '../keys/key-rotation.service';
import { type SignedIn, signInThroughAuth } from '../testing/flows';
import { type AuthHarness, type AuthInstance, freePort, startAuthHarness } from '../testing/harness';

/**
 * The token broker against the Okta simulator as the upstream authorization server: connect flow,
 * upstream-token states, single-flight refresh across replicas, revoked grants, Redis outage,
 * scope changes, secret rotation, KEK rotation, service and client-credentials modes.
 */
type TokenAnswer = {
  status: string;
  accessToken?: string;
  connectUrl?: string;
  reason?: string;
  message?: string;
  authorizedAs?: string;
  tokenType?: string;
  headers?: Record<string, string>;
  scopes?: string[];
  expiresAt?: string;
};

let h: AuthHarness;
let upstream: { clientId: string; clientSecret: string };
let uma: SignedIn;
let alice: SignedIn;
const SERVER = 'okta-main';
const creds = (u: { login: string; password: string }) => ({ username: u.login, password: u.password });

async function upstreamToken(
  userId: string,
  serverId = SERVER,
  inst: { url: string } = h,
): Promise<TokenAnswer> {
  const res = await fetch(`${inst.url}/internal/v1/upstream-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: await h.serviceToken('gateway') },
    body: JSON.stringify({ serverId, userId }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as TokenAnswer;
}

async function putUpstream(serverId: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${h.url}/internal/v1/upstream-clients/${serverId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: await h.serviceToken('governance') },
    body: JSON.stringify(body),
  });
}

function oktaConfig(extra: Record<string, unknown> = {}) {
  return {
    kind: 'okta',
    displayName: 'Okta',
    credentialMode: 'per_user',
    oktaOrgUrl: h.sim.url,
    clientId: upstream.clientId,
    clientSecret: upstream.clientSecret,
    scopes: ['okta.users.read', 'okta.groups.read'],
    ...extra,
  };
}

/** Refresh-token grants the simulator has answered for the upstream client. */
function refreshGrants(clientId = upstream.clientId): number {
  let n = 0;
  for (const e of h.sim.org.logs.values()) {
    const d = e.debugContext.debugData;
    if (
      e.eventType === 'app.oauth2.token.grant.access_token' &&
      d.grantType === 'refresh_token' &&
      d.clientId === clientId
    )
      n++;
  }
  return n;
}

async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new Client({ connectionString: h.db.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Makes the stored upstream access token expired, and its cached copy unreachable (a config write bumps the revision). */
async function expireStoredToken(serverId = SERVER, config: Record<string, unknown> = oktaConfig()): Promise<void> {
  await sql(
    `UPDATE auth.connections SET access_token_expires_at = now() - interval '1 minute' WHERE server_id = $1`,
    [serverId],
  );
  const { clientSecret: _omit, ...keep } = config;
  assert.equal((await putUpstream(serverId, keep)).status, 200);
}

/** Opens a connect link in a browser and follows it through the upstream's authorization. */
async function connect(browser: Browser, connectUrl: string) {
  return browser.navigate(connectUrl);
}

async function okAtOkta(accessToken: string): Promise<{ status: number; login?: string }> {
  const res = await fetch(`${h.sim.url}/api/v1/users/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const body = (await res.json()) as { profile?: { login: string } };
  return { status: res.status, ...(body.profile ? { login: body.profile.login } : {}) };
}

before(async () => {
  h = await startAuthHarness();
  const app = h.sim.org.createOidcApp({
    label: 'Okta MCP upstream',
    applicationType: 'web',
    redirectUris: [`${h.url}/auth/callback`],
    grantTypes: ['authorization_code', 'refresh_token'],
    grantedScopes: ['okta.users.read', 'okta.groups.read', 'okta.apps.read'],
    assignedGroupIds: [h.sim.fixtures.demoGroup.id],
    refreshTokenRotation: true,
    refreshTokenLeewaySeconds: 0,
  });
  upstream = { clientId: app.oauth!.clientId, clientSecret: app.oauth!.clientSecret! };
  uma = await signInThroughAuth(h, creds(h.sim.fixtures.regularUser));
  alice = await signInThroughAuth(h, creds(h.sim.fixtures.superAdmin));
  const res = await putUpstream(SERVER, oktaConfig());
  assert.equal(res.status, 200, await res.clone().text());
});

after(async () => {
  await h?.close();
});

describe('upstream client configuration', () => {
  it('is write-only for secrets and reachable only by governance', async () => {
    const res = await fetch(`${h.url}/internal/v1/upstream-clients/${SERVER}`, {
      headers: { authorization: await h.serviceToken('governance') },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(upstream.clientSecret), 'the secret must never be returned');
    const view = JSON.parse(text) as Record<string, unknown>;
    assert.equal(view.clientSecret, 'configured');
    assert.equal(view.authorizationEndpoint, `${h.sim.url}/oauth2/v1/authorize`);
    assert.equal(view.redirectUri, `${h.url}/auth/callback`);
    const asGateway = await fetch(`${h.url}/internal/v1/upstream-clients/${SERVER}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: await h.serviceToken('gateway') },
      body: '{}',
    });
    assert.equal(asGateway.status, 403);
    const anonymous = await fetch(`${h.url}/internal/v1/upstream-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(anonymous.status, 401);
    const incomplete = await putUpstream('broken', {
      kind: 'okta',
      displayName: 'Broken',
      credentialMode: 'per_user',
      scopes: [],
    });
    assert.equal(incomplete.status, 400);
    assert.match(
      ((await incomplete.json()) as { detail: string }).detail,
      /oktaOrgUrl: required.*clientId: required/,
    );
  });

  it('not_configured for an unknown server', async () => {
    const r = await upstreamToken(uma.userId, 'nope');
    assert.equal(r.status, 'not_configured');
    assert.match(r.message!, /No upstream credentials/);
  });
});

describe('per-user connection', () => {
  it('connect_required, then the connect flow, then ok', async () => {
    const first = await upstreamToken(uma.userId);
    assert.equal(first.status, 'connect_required');
    assert.ok(first.connectUrl!.startsWith(`${h.url}/connect/start?ticket=`));
    // A link for Uma opened in Alice's browser is refused: no phishing by forwarded links.
    const refused = await alice.browser.navigate(first.connectUrl!);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /issued to a different Portcullis user/);
    // Uma opens it (already signed in to Portcullis and the IdP: straight through to Okta and back).
    const page = await connect(uma.browser, first.connectUrl!);
    assert.equal(page.status, 200, page.body.slice(0, 500));
    assert.match(page.body, /Connected — go back to your AI client/);
    assert.equal(page.url.pathname, '/auth/callback');
    const second = await upstreamToken(uma.userId);
    assert.equal(second.status, 'ok', JSON.stringify(second));
    assert.equal(second.tokenType, 'Bearer');
    assert.equal(second.authorizedAs, h.sim.fixtures.regularUser.login);
    assert.ok(second.scopes!.includes('okta.users.read'));
    assert.ok(Date.parse(second.expiresAt!) > Date.now());
    assert.deepEqual(await okAtOkta(second.accessToken!), {
      status: 200,
      login: h.sim.fixtures.regularUser.login,
    });
    // Second call: served from the cache, same token.
    assert.equal((await upstreamToken(uma.userId)).accessToken, second.accessToken);
    // Sealed at rest.
    const rows = await sql(
      `SELECT access_token_sealed, refresh_token_sealed FROM auth.connections WHERE server_id = $1`,
      [SERVER],
    );
    assert.ok(!JSON.stringify(rows).includes(second.accessToken!));
    await eventually('ConnectionChanged(connected)', async () =>
      h.published.connectionChanged.some(
        (e) => e.payload.change === 'connected' && e.payload.userId === uma.userId,
      ),
    );
    await eventually('audit of the connection', async () =>
      h.published.audit.some((e) => e.payload.action === 'auth.connection.connected'),
    );
  });

  it('a user who is not signed in signs in through the IdP first', async () => {
    const gina = h.sim.fixtures.groupAdmin;
    const browser = new Browser(creds(gina));
    const ginaUser = await signInThroughAuth(h, creds(gina), browser);
    browser.clearCookies();
    const r = await upstreamToken(ginaUser.userId);
    assert.equal(r.status, 'connect_required');
    const page = await connect(browser, r.connectUrl!);
    assert.match(page.body, /Connected/);
    assert.equal((await upstreamToken(ginaUser.userId)).authorizedAs, gina.login);
  });

  it("lists and disconnects the user's own connections", async () => {
    const list = await fetch(`${h.url}/api/v1/me/connections`, {
      headers: { authorization: `Bearer ${uma.accessToken}` },
    });
    assert.equal(list.status, 200);
    const mine = (
      (await list.json()) as { data: { serverId: string; status: string; authorizedAs: string }[] }
    ).data;
    assert.deepEqual(
      mine.find((c) => c.serverId === SERVER),
      {
        ...mine.find((c) => c.serverId === SERVER),
        status: 'connected',
        authorizedAs: h.sim.fixtures.regularUser.login,
      },
    );
    const bad = await fetch(`${h.url}/api/v1/me/connections`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(bad.status, 401);
    assert.match(String(bad.headers.get('www-authenticate')), /invalid_token/);
  });

  it('50 concurrent requests on an expired token cause ONE refresh at the upstream, across two replicas', async () => {
    const replica = await h.startReplica();
    try {
      const before = await upstreamToken(uma.userId);
      await expireStoredToken();
      const grantsBefore = refreshGrants();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => upstreamToken(uma.userId, SERVER, i % 2 ? replica : h)),
      );
      assert.equal(refreshGrants() - grantsBefore, 1, 'exactly one refresh_token grant at the simulator');
      assert.ok(
        answers.every((a) => a.status === 'ok'),
        JSON.stringify(answers.find((a) => a.status !== 'ok')),
      );
      const tokens = new Set(answers.map((a) => a.accessToken));
      assert.equal(tokens.size, 1, 'everyone got the one refreshed token');
      assert.notEqual([...tokens][0], before.accessToken);
      assert.equal((await okAtOkta([...tokens][0]!)).status, 200);
      // Refresh-token rotation: the stored refresh token changed and still works next time.
      await expireStoredToken();
      const again = await upstreamToken(uma.userId);
      assert.equal(again.status, 'ok');
      assert.equal(refreshGrants() - grantsBefore, 2);
    } finally {
      await replica.close();
    }
  });

  it('a refresh token revoked at Okta → reconnect_required (and the gateways are told)', async () => {
    const revoked = h.sim.control.revokeUserTokens(h.sim.fixtures.regularUser.login);
    assert.ok(revoked > 0);
    await expireStoredToken();
    const r = await upstreamToken(uma.userId);
    assert.equal(r.status, 'reconnect_required', JSON.stringify(r));
    assert.match(r.reason!, /refused the stored grant/);
    assert.ok(r.connectUrl!.includes('/connect/start?ticket='));
    assert.equal(
      (await upstreamToken(uma.userId)).status,
      'reconnect_required',
      'stays so until reconnected',
    );
    await eventually('ConnectionChanged(needs_reconnect)', async () =>
      h.published.connectionChanged.some(
        (e) => e.payload.change === 'needs_reconnect' && e.payload.userId === uma.userId,
      ),
    );
    // Reconnecting (the Okta session was revoked too, so Uma signs in at Okta again) fixes it.
    const page = await connect(uma.browser, r.connectUrl!);
    assert.match(page.body, /Connected/);
    assert.equal((await upstreamToken(uma.userId)).status, 'ok');
  });

  it('with Redis down the database path still answers, and still refreshes once', async () => {
    const closedPort = await freePort();
    const noRedis: AuthInstance = await h.startReplica({ REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    try {
      const r = await upstreamToken(uma.userId, SERVER, noRedis);
      assert.equal(r.status, 'ok', JSON.stringify(r));
      await expireStoredToken();
      const grantsBefore = refreshGrants();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => upstreamToken(uma.userId, SERVER, noRedis)),
      );
      assert.ok(answers.every((a) => a.status === 'ok'));
      assert.equal(new Set(answers.map((a) => a.accessToken)).size, 1);
      assert.equal(refreshGrants() - grantsBefore, 1);
    } finally {
      await noRedis.close();
    }
  });

  it('a client secret rotated at Portcullis before Okta knows it breaks nothing (the previous secret is retried)', async () => {
    const rot = await h.admin(`/api/v1/upstream-clients/${SERVER}/client-secret`, {
      body: { clientSecret: 'not-yet-known-at-okta' },
    });
    assert.equal(rot.status, 200, await rot.clone().text());
    const view = (await rot.json()) as { previousClientSecret: { acceptedUntil: string } | null };
    assert.ok(view.previousClientSecret?.acceptedUntil);
    await sql(
      `UPDATE auth.connections SET access_token_expires_at = now() - interval '1 minute' WHERE server_id = $1`,
      [SERVER],
    );
    const r = await upstreamToken(uma.userId);
    assert.equal(r.status, 'ok', JSON.stringify(r));
    // Back to the real secret.
    assert.equal((await putUpstream(SERVER, oktaConfig())).status, 200);
  });

  it('a scope change makes connections need a reconnect', async () => {
    const res = await putUpstream(
      SERVER,
      oktaConfig({ scopes: ['okta.users.read', 'okta.groups.read', 'okta.apps.read'] }),
    );
    assert.equal(res.status, 200);
    const r = await upstreamToken(uma.userId);
    assert.equal(r.status, 'reconnect_required');
    assert.match(r.reason!, /scopes configured for Okta changed/);
    await eventually('ConnectionChanged(scopes_changed)', async () =>
      h.published.connectionChanged.some(
        (e) => e.payload.change === 'scopes_changed' && e.payload.userId === uma.userId,
      ),
    );
    const page = await connect(uma.browser, r.connectUrl!);
    assert.match(page.body, /Connected/);
    const ok = await upstreamToken(uma.userId);
    assert.equal(ok.status, 'ok');
    assert.ok(ok.scopes!.includes('okta.apps.read'));
  });

  it('the user disconnects: the grant is revoked at Okta and the next call asks to connect again', async () => {
    const before = await upstreamToken(uma.userId);
    const del = await fetch(`${h.url}/api/v1/me/connections/${SERVER}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${uma.accessToken}` },
    });
    assert.equal(del.status, 204);
    assert.equal((await upstreamToken(uma.userId)).status, 'connect_required');
    assert.equal(
      (await okAtOkta(before.accessToken!)).status,
      401,
      'revoking the refresh token revoked its access tokens at Okta',
    );
    await eventually('ConnectionChanged(disconnected)', async () =>
      h.published.connectionChanged.some(
        (e) => e.payload.change === 'disconnected' && e.payload.userId === uma.userId,
      ),
    );
  });
});

describe('key-encryption-key rotation', () => {
  it('re-seals every stored secret under the new key; the old key can then be dropped', async () => {
    const r = await upstreamToken(uma.userId);
    if (r.status !== 'ok') await connect(uma.browser, r.connectUrl!);
    const newKek = `k2:${Buffer.alloc(32, 7).toString('base64')}`;
    const both = await h.startReplica({ PORTCULLIS_KEKS: `${newKek},${h.kek}` });
    try {
      const report = await both.app.get(KeyRotationService).rewrapAll({ type: 'system', id: 'test' });
      assert.equal(report.primaryKeyId, 'k2');
      assert.ok(
        report.signingKeys >= 1 && report.upstreamClientSecrets >= 1 && report.connectionTokens >= 1,
        JSON.stringify(report),
      );
    } finally {
      await both.close();
    }
    const onlyNew = await h.startReplica({ PORTCULLIS_KEKS: newKek });
    try {
      const ok = await upstreamToken(uma.userId, SERVER, onlyNew);
      assert.equal(ok.status, 'ok', JSON.stringify(ok));
      assert.equal((await fetch(`${onlyNew.url}/oauth/jwks`)).status, 200);
    } finally {
      await onlyNew.close();
    }
  });
});

describe('shared credentials', () => {
  it('service mode: an admin connects once; every user gets that identity', async () => {
    assert.equal(
      (
        await putUpstream(
          'okta-svc',
          oktaConfig({ credentialMode: 'service', displayName: 'Okta (service)' }),
        )
      ).status,
      200,
    );
    const r = await upstreamToken(uma.userId, 'okta-svc');
    assert.equal(r.status, 'connect_required');
    assert.match(r.connectUrl!, /\/connect\/service\/start\?serverId=okta-svc/);
    const notAdmin = await uma.browser.navigate(r.connectUrl!);
    assert.equal(notAdmin.status, 403);
    const page = await alice.browser.navigate(r.connectUrl!);
    assert.match(page.body, /Connected/, page.body.slice(0, 400));
    const forUma = await upstreamToken(uma.userId, 'okta-svc');
    assert.equal(forUma.status, 'ok');
    assert.equal(forUma.authorizedAs, h.sim.fixtures.superAdmin.login);
    const forAlice = await upstreamToken(alice.userId, 'okta-svc');
    assert.equal(forAlice.accessToken, forUma.accessToken);
  });

  it('client credentials with private_key_jwt (an Okta API services app)', async () => {
    const svc = h.sim.fixtures.serviceApp;
    const res = await putUpstream('okta-cc', {
      kind: 'okta',
      displayName: 'Okta (API service)',
      credentialMode: 'client_credentials',
      oktaOrgUrl: h.sim.url,
      clientId: svc.clientId,
      tokenEndpointAuthMethod: 'private_key_jwt',
      privateKey: svc.privateKeyPem,
      privateKeyId: svc.kid,
      scopes: ['okta.users.read'],
    });
    assert.equal(res.status, 200, await res.clone().text());
    const view = (await res.json()) as Record<string, unknown>;
    assert.equal(view.privateKey, 'configured');
    const r = await upstreamToken(uma.userId, 'okta-cc');
    assert.equal(r.status, 'ok', JSON.stringify(r));
    const users = await fetch(`${h.sim.url}/api/v1/users?limit=1`, {
      headers: { authorization: `Bearer ${r.accessToken}` },
    });
    assert.equal(users.status, 200);
    assert.equal((await upstreamToken(alice.userId, 'okta-cc')).accessToken, r.accessToken);
  });

  it('a client-credentials grant refused by the authorization server is an admin problem, never a user connect link', async () => {
    // A generic OAuth server's token endpoint; it starts refusing the client's grant mid-life (a
    // policy changed at the authorization server) until the admin fixes it there.
    let refuse = false;
    let issued = 0;
    const requests: string[] = [];
    const tokenServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push(body);
        res.setHeader('content-type', 'application/json');
        if (refuse) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'The client is not allowed this grant.' }));
        } else {
          res.end(JSON.stringify({ access_token: `cc-token-${++issued}`, token_type: 'Bearer', expires_in: 3600, scope: 'reports.read' }));
        }
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    try {
      const port = (tokenServer.address() as { port: number }).port;
      const config = {
        kind: 'oauth',
        displayName: 'Reports',
        credentialMode: 'client_credentials',
        tokenEndpoint: `http://127.0.0.1:${port}/token`,
        clientId: 'portcullis-reports',
        clientSecret: 'cc-secret',
        tokenEndpointAuthMethod: 'client_secret_post',
        scopes: ['reports.read'],
      };
      const put = await putUpstream('reports-cc', config);
      assert.equal(put.status, 200, await put.clone().text());
      const ask = async () =>
        fetch(`${h.url}/internal/v1/upstream-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: await h.serviceToken('gateway') },
          body: JSON.stringify({ serverId: 'reports-cc', userId: uma.userId }),
        }).then(async (res) => ({ status: res.status, text: await res.text() }));
      const first = await ask();
      assert.equal(first.status, 200, first.text);
      assert.equal((JSON.parse(first.text) as TokenAnswer).accessToken, 'cc-token-1');

      // The token expires; the next grant is refused. Reconnecting one user cannot fix a client's
      // grant, so the answer is an error for the administrator, not a user's connect link.
      await expireStoredToken('reports-cc', config);
      refuse = true;
      for (let i = 0; i < 2; i++) {
        const refused = await ask();
        assert.equal(refused.status, 502, refused.text);
        assert.match(refused.text, /invalid_grant/);
        assert.match(refused.text, /administrator must check the client/);
        assert.doesNotMatch(refused.text, /connect/i);
      }
      // Fixed at the authorization server: the next call gets a token; nothing stayed "needs reconnect".
      refuse = false;
      const ok = await ask();
      assert.equal(ok.status, 200, ok.text);
      assert.equal((JSON.parse(ok.text) as TokenAnswer).accessToken, 'cc-token-2');
      assert.ok(requests.every((r) => r.includes('grant_type=client_credentials')));
    } finally {
      tokenServer.close();
    }
  });

  it('static credentials for a generic server (and SSWS for Okta API tokens)', async () => {
    assert.equal(
      (
        await putUpstream('generic', {
          kind: 'static',
          displayName: 'Generic',
          credentialMode: 'static',
          scopes: [],
          staticHeaders: { Authorization: 'Bearer s3cret', 'X-Team': 'blue' },
        })
      ).status,
      200,
    );
    const g = await upstreamToken(uma.userId, 'generic');
    assert.deepEqual(
      { status: g.status, tokenType: g.tokenType, headers: g.headers },
      { status: 'ok', tokenType: 'static', headers: { Authorization: 'Bearer s3cret', 'X-Team': 'blue' } },
    );
    const view = await (
      await fetch(`${h.url}/internal/v1/upstream-clients/generic`, {
        headers: { authorization: await h.serviceToken('governance') },
      })
    ).text();
    assert.ok(!view.includes('s3cret'));
    assert.equal(
      (
        await putUpstream('okta-ssws', {
          kind: 'okta',
          displayName: 'Okta (API token)',
          credentialMode: 'static',
          scopes: [],
          staticHeaders: { Authorization: `SSWS ${h.sim.fixtures.ssws}` },
        })
      ).status,
      200,
    );
    const s = await upstreamToken(uma.userId, 'okta-ssws');
    assert.equal(s.tokenType, 'SSWS');
    assert.equal(s.accessToken, h.sim.fixtures.ssws);
  });

  it('discovery (which acts for no user) gets a server’s shared credential, never a user’s', async () => {
    const asDiscovery = async (serverId: string, userId = 'discovery'): Promise<TokenAnswer> => {
      const res = await fetch(`${h.url}/internal/v1/upstream-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await h.serviceToken('discovery') },
        body: JSON.stringify({ serverId, userId }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as TokenAnswer;
    };
    // Static headers, the connected service account, client credentials: the same credential users get.
    const g = await asDiscovery('generic');
    assert.deepEqual(
      { status: g.status, headers: g.headers },
      { status: 'ok', headers: { Authorization: 'Bearer s3cret', 'X-Team': 'blue' } },
    );
    const svc = await asDiscovery('okta-svc');
    assert.equal(svc.status, 'ok', JSON.stringify(svc.status));
    assert.equal(svc.accessToken, (await upstreamToken(uma.userId, 'okta-svc')).accessToken);
    const cc = await asDiscovery('okta-cc');
    assert.equal(cc.status, 'ok');
    assert.equal(cc.accessToken, (await upstreamToken(uma.userId, 'okta-cc')).accessToken);
    // A service account nobody connected yet: the administrator's connect link, no per-user ticket.
    assert.equal(
      (
        await putUpstream(
          'okta-svc-new',
          oktaConfig({ credentialMode: 'service', displayName: 'Okta (new service)' }),
        )
      ).status,
      200,
    );
    const notYet = await asDiscovery('okta-svc-new');
    assert.equal(notYet.status, 'connect_required');
    assert.match(notYet.connectUrl!, /\/connect\/service\/start\?serverId=okta-svc-new$/);
    // Per-user OAuth: never a user's token, not even when discovery names a real user.
    for (const userId of ['discovery', uma.userId, alice.userId]) {
      const r = await asDiscovery(SERVER, userId);
      assert.equal(r.status, 'user_required', JSON.stringify(r.status));
      assert.equal(r.accessToken, undefined);
      assert.equal(r.connectUrl, undefined);
      assert.match(r.message!, /per-user OAuth/);
    }
    assert.notEqual((await upstreamToken(alice.userId)).status, 'user_required', 'the gateway is unaffected');
  });

  it('deleting a server configuration removes its connections', async () => {
    const del = await fetch(`${h.url}/internal/v1/upstream-clients/okta-svc`, {
      method: 'DELETE',
      headers: { authorization: await h.serviceToken('governance') },
    });
    assert.equal(del.status, 204);
    assert.equal((await upstreamToken(uma.userId, 'okta-svc')).status, 'not_configured');
    await eventually('ConnectionChanged(revoked) for the service connection', async () =>
      h.published.connectionChanged.some(
        (e) => e.payload.serverId === 'okta-svc' && e.payload.change === 'revoked',
      ),
    );
  });
});
