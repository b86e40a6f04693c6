import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startOktaSim, type OktaSim } from '../index';
import { api, userToken } from '../testkit';

let sim: OktaSim;
let ssws: string;

before(async () => {
  sim = await startOktaSim({ seed: 11 });
  ssws = sim.fixtures.ssws;
});
after(async () => {
  await sim.close();
});

type User = { id: string; status: string; profile: Record<string, string>; _links: Record<string, unknown> };
type OktaErr = {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
};

async function tokenFor(who: { login: string; password: string }, scope: string): Promise<string> {
  return (await userToken(sim, who.login, who.password, scope)).access_token as string;
}

function createStagedUser(login: string): Promise<{ status: number; body: User }> {
  return api<User>(sim, '/api/v1/users?activate=false', {
    method: 'POST',
    ssws,
    body: {
      profile: { firstName: 'Test', lastName: 'User', email: login, login },
      credentials: { password: { value: 'Sup3r-secret!' } },
    },
  });
}

describe('Management API authentication and authorization', () => {
  it('no credentials → 403 E0000005; bad tokens → 401 E0000011', async () => {
    const none = await api<OktaErr>(sim, '/api/v1/users');
    assert.equal(none.status, 403);
    assert.equal(none.body.errorCode, 'E0000005');
    const bad = await api<OktaErr>(sim, '/api/v1/users', { token: 'eyJ.bad.token' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.errorCode, 'E0000011');
    assert.equal(bad.body.errorSummary, 'Invalid token provided');
    assert.equal(bad.body.errorLink, 'E0000011');
    assert.ok(bad.body.errorId);
    assert.deepEqual(bad.body.errorCauses, []);
    const badSsws = await api<OktaErr>(sim, '/api/v1/users', { ssws: 'nope' });
    assert.equal(badSsws.status, 401);
    assert.equal(badSsws.body.errorCode, 'E0000011');
  });

  it('expired and revoked tokens → 401 E0000011', async () => {
    const f = sim.fixtures;
    const t1 = await tokenFor(f.superAdmin, 'okta.users.read');
    assert.equal((await api(sim, '/api/v1/users/me', { token: t1 })).status, 200);
    sim.control.expireToken(t1);
    assert.equal((await api<OktaErr>(sim, '/api/v1/users/me', { token: t1 })).body.errorCode, 'E0000011');
    const t2 = await tokenFor(f.superAdmin, 'okta.users.read');
    assert.ok(sim.control.revokeUserTokens(f.superAdmin.login) >= 1);
    const r = await api<OktaErr>(sim, '/api/v1/users/me', { token: t2 });
    assert.equal(r.status, 401);
    assert.equal(r.body.errorCode, 'E0000011');
  });

  it('token without the scope → 403, empty body, Okta WWW-Authenticate header', async () => {
    const t = await tokenFor(sim.fixtures.superAdmin, 'okta.groups.read');
    const res = await api(sim, '/api/v1/users?limit=1', { token: t });
    assert.equal(res.status, 403);
    assert.equal(res.text, '');
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer authorization_uri="${sim.url}/oauth2/v1/authorize", realm="${sim.url}", scope="okta.users.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/users"`,
    );
    const g = await api(sim, `/api/v1/groups/${sim.fixtures.demoGroup.id}/users`, {
      token: await tokenFor(sim.fixtures.superAdmin, 'okta.users.read'),
    });
    assert.match(
      g.headers.get('www-authenticate') ?? '',
      new RegExp(`scope="okta.groups.read".*resource="/api/v1/groups/${sim.fixtures.demoGroup.id}/users"`),
    );
  });

  it('scope granted but admin role missing → 403 E0000006', async () => {
    const f = sim.fixtures;
    const ro = await tokenFor(f.readOnlyAdmin, 'okta.users.read okta.users.manage');
    assert.equal(
      (await api(sim, '/api/v1/users?limit=5', { token: ro })).status,
      200,
      'read-only admin can read',
    );
    const target = f.regularUser.id;
    const w = await api<OktaErr>(sim, `/api/v1/users/${target}/lifecycle/suspend`, {
      method: 'POST',
      token: ro,
      headers: { 'Content-Length': '0' },
    });
    assert.equal(w.status, 403);
    assert.equal(w.body.errorCode, 'E0000006');
    assert.equal(w.body.errorSummary, 'You do not have permission to perform the requested action');
    // A non-admin may read only themself.
    const regular = await tokenFor(f.regularUser, 'okta.users.read');
    assert.equal((await api<OktaErr>(sim, '/api/v1/users', { token: regular })).body.errorCode, 'E0000006');
    assert.equal((await api<User>(sim, '/api/v1/users/me', { token: regular })).body.id, f.regularUser.id);
    assert.equal((await api<User>(sim, `/api/v1/users/${f.regularUser.id}`, { token: regular })).status, 200);
    assert.equal(
      (await api<OktaErr>(sim, `/api/v1/users/${f.superAdmin.id}`, { token: regular })).body.errorCode,
      'E0000006',
    );
  });

  it('group admins see and manage only users of their target groups', async () => {
    const f = sim.fixtures;
    const t = await tokenFor(f.groupAdmin, 'okta.users.read okta.users.manage');
    const list = await api<User[]>(sim, '/api/v1/users?limit=200', { token: t });
    assert.equal(list.status, 200);
    assert.ok(list.body.length > 0);
    const sales = sim.org.groups.get(f.groupAdmin.targetGroupIds[0] as string);
    for (const u of list.body) assert.ok(sales?.members.has(u.id), `${u.profile.login} is in Sales`);
    const salesUser = [...(sales?.members ?? [])]
      .map((id) => sim.org.users.get(id))
      .find((u) => u && u.status === 'ACTIVE' && u.roles.length === 0);
    assert.ok(salesUser);
    const ok = await api(sim, `/api/v1/users/${salesUser.id}/lifecycle/suspend`, {
      method: 'POST',
      token: t,
      headers: { 'Content-Length': '0' },
    });
    assert.equal(ok.status, 200);
    const outsider = await api<OktaErr>(sim, `/api/v1/users/${f.regularUser.id}/lifecycle/suspend`, {
      method: 'POST',
      token: t,
      headers: { 'Content-Length': '0' },
    });
    assert.equal(outsider.body.errorCode, 'E0000006');
  });

  it('SSWS tokens act as the super admin who created them', async () => {
    const me = await api<User>(sim, '/api/v1/users/me', { ssws });
    assert.equal(me.body.id, sim.fixtures.superAdmin.id);
  });
});

describe('conventions: headers, errors, paging', () => {
  it('every response carries X-Okta-Request-Id and X-Rate-Limit-* headers', async () => {
    for (const path of [
      '/api/v1/users?limit=1',
      '/api/v1/nope',
      '/oauth2/v1/keys',
      '/.well-known/openid-configuration',
    ]) {
      const r = await api(sim, path, { ssws });
      assert.ok(r.headers.get('x-okta-request-id'), path);
      assert.ok(Number(r.headers.get('x-rate-limit-limit')) > 0, path);
      assert.ok(r.headers.get('x-rate-limit-remaining') !== null, path);
      assert.ok(Number(r.headers.get('x-rate-limit-reset')) > Date.now() / 1000 - 1, path);
    }
  });

  it('404 E0000007 for unknown resources, 405 E0000022 for unsupported methods', async () => {
    const nf = await api<OktaErr>(sim, '/api/v1/users/00uDoesNotExist12345', { ssws });
    assert.equal(nf.status, 404);
    assert.equal(nf.body.errorCode, 'E0000007');
    assert.equal(nf.body.errorSummary, 'Not found: Resource not found: 00uDoesNotExist12345 (User)');
    const m = await api<OktaErr>(sim, '/api/v1/users', { ssws, method: 'PATCH' });
    assert.equal(m.status, 405);
    assert.equal(m.body.errorCode, 'E0000022');
  });

  it('411 for a body-less POST without Content-Length', async () => {
    const url = new URL(sim.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), url.hostname, () => {
        sock.write(
          `POST /api/v1/users/${sim.fixtures.regularUser.id}/lifecycle/expire_password HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: SSWS ${ssws}\r\nConnection: close\r\n\r\n`,
        );
      });
      let data = '';
      sock.on('data', (c) => (data += c.toString()));
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 411 /);
    assert.equal(sim.org.users.get(sim.fixtures.regularUser.id)?.status, 'ACTIVE', 'nothing happened');
  });

  it('malformed or unsupported filter/search → 400 E0000031, never 500', async () => {
    const cases = [
      'filter=status eq ACTIVE',
      'filter=status eq "ACTIVE" and',
      'filter=(status eq "ACTIVE"',
      'filter=profile.department eq "Sales"',
      'filter=status sw "ACT"',
      'search=status ne "ACTIVE"',
      'search=profile.department zz "x"',
      'search="unterminated',
      'search=profile.title co "Engineer"',
      'search=',
    ];
    for (const c of cases) {
      const [k, v] = c.split(/=(.*)/s) as [string, string];
      const r = await api<OktaErr>(sim, `/api/v1/users?${new URLSearchParams({ [k]: v })}`, { ssws });
      assert.equal(r.status, 400, c);
      assert.equal(r.body.errorCode, 'E0000031', c);
      assert.equal(r.body.errorSummary, 'Invalid search criteria.');
    }
  });

  it('search and filter select the right users', async () => {
    const s = await api<User[]>(
      sim,
      `/api/v1/users?${new URLSearchParams({ search: 'profile.department eq "Engineering" and (status eq "ACTIVE" or status eq "SUSPENDED")', limit: '200' })}`,
      { ssws },
    );
    assert.equal(s.status, 200);
    assert.ok(s.body.length > 0);
    for (const u of s.body) {
      assert.equal(u.profile.department, 'Engineering');
      assert.ok(['ACTIVE', 'SUSPENDED'].includes(u.status));
    }
    const expected = [...sim.org.users.values()].filter(
      (u) => u.profile.department === 'Engineering' && (u.status === 'ACTIVE' || u.status === 'SUSPENDED'),
    ).length;
    assert.equal(s.body.length, expected);
    const deprov = await api<User[]>(
      sim,
      `/api/v1/users?${new URLSearchParams({ filter: 'status eq "DEPROVISIONED"' })}`,
      { ssws },
    );
    assert.ok(deprov.body.length > 0 && deprov.body.every((u) => u.status === 'DEPROVISIONED'));
    const plain = await api<User[]>(sim, '/api/v1/users?limit=200', { ssws });
    assert.ok(
      plain.body.every((u) => u.status !== 'DEPROVISIONED'),
      'plain list omits DEPROVISIONED',
    );
    const q = await api<User[]>(sim, '/api/v1/users?q=uma', { ssws });
    assert.ok(q.body.some((u) => u.id === sim.fixtures.regularUser.id));
    const sorted = await api<User[]>(
      sim,
      `/api/v1/users?${new URLSearchParams({ search: 'status eq "ACTIVE"', sortBy: 'profile.lastName', sortOrder: 'desc', limit: '50' })}`,
      { ssws },
    );
    const names = sorted.body.map((u) => u.profile.lastName.toLowerCase());
    assert.deepEqual(names, [...names].sort().reverse());
    const byLogin = await api<User>(
      sim,
      `/api/v1/users/${encodeURIComponent(sim.fixtures.regularUser.login)}`,
      { ssws },
    );
    assert.equal(byLogin.body.id, sim.fixtures.regularUser.id);
  });

  it('pages with Link headers and opaque after cursors', async () => {
    const seen = new Set<string>();
    let url: string | null = '/api/v1/users?limit=37';
    let pages = 0;
    while (url) {
      const r: Awaited<ReturnType<typeof api<User[]>>> = await api<User[]>(sim, url, { ssws });
      assert.equal(r.status, 200);
      const link = r.headers.get('link') ?? '';
      assert.match(link, /rel="self"/);
      for (const u of r.body) {
        assert.ok(!seen.has(u.id), 'no duplicates');
        seen.add(u.id);
      }
      const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? null;
      if (next) assert.ok(next.startsWith(sim.url), 'absolute next URL');
      url = next;
      pages++;
    }
    const expected = [...sim.org.users.values()].filter((u) => u.status !== 'DEPROVISIONED').length;
    assert.equal(seen.size, expected);
    assert.equal(pages, Math.ceil(expected / 37));
    const bad = await api<OktaErr>(sim, '/api/v1/users?after=garbage!', { ssws });
    assert.equal(bad.status, 400);
  });
});

describe('rate limits and faults', () => {
  it('429 E0000047 with rate-limit headers when a bucket is spent', async () => {
    // An hour-long window so a minute boundary cannot reset the bucket mid-test.
    sim.control.setRateLimits({ limits: { 'api/v1/groups': 3 }, windowSeconds: 3600 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await api(sim, '/api/v1/groups?limit=1', { ssws });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-rate-limit-limit'), '3');
        assert.equal(r.headers.get('x-rate-limit-remaining'), String(2 - i));
      }
      const r = await api<OktaErr>(sim, '/api/v1/groups?limit=1', { ssws });
      assert.equal(r.status, 429);
      assert.equal(r.body.errorCode, 'E0000047');
      assert.equal(r.body.errorSummary, 'API call exceeded rate limit due to too many requests.');
      assert.equal(r.headers.get('x-rate-limit-limit'), '3');
      assert.equal(r.headers.get('x-rate-limit-remaining'), '0');
      const reset = Number(r.headers.get('x-rate-limit-reset'));
      assert.ok(reset >= Math.floor(Date.now() / 1000) && reset <= Date.now() / 1000 + 3601);
      assert.equal(
        (await api(sim, '/api/v1/users?limit=1', { ssws })).status,
        200,
        'other buckets unaffected',
      );
    } finally {
      sim.control.setRateLimits({ limits: { 'api/v1/groups': 6000 }, windowSeconds: 60 });
    }
  });

  it('429 storms, 5xx injection and latency via the HTTP control API', async () => {
    const secret = sim.control.secret;
    const ctl = (path: string, method: string, body?: unknown) =>
      api(sim, `/__sim/${path}`, { method, body, headers: { 'X-Sim-Control': secret } });
    assert.equal((await api(sim, '/__sim/state')).status, 403, 'control API needs the secret');
    assert.equal(
      (await ctl('rate-limit-storm', 'POST', { requests: 2, pathPrefix: '/api/v1/users' })).status,
      200,
    );
    assert.equal((await api(sim, '/api/v1/users?limit=1', { ssws })).status, 429);
    assert.equal((await api(sim, '/api/v1/users?limit=1', { ssws })).status, 429);
    assert.equal(
      (await api(sim, '/api/v1/users?limit=1', { ssws })).status,
      200,
      'storm over after 2 requests',
    );
    await ctl('errors', 'POST', { rate: 1, status: 503, pathPrefix: '/api/v1/apps' });
    const e = await api<OktaErr>(sim, '/api/v1/apps', { ssws });
    assert.equal(e.status, 503);
    assert.equal(e.body.errorCode, 'E0000010');
    await ctl('errors', 'DELETE');
    assert.equal((await api(sim, '/api/v1/apps?limit=1', { ssws })).status, 200);
    await ctl('latency', 'POST', { fixedMs: 120, pathPrefix: '/api/v1/groups' });
    const t0 = Date.now();
    await api(sim, '/api/v1/groups?limit=1', { ssws });
    assert.ok(Date.now() - t0 >= 110);
    await ctl('faults', 'DELETE');
    const state = await ctl('state', 'GET');
    assert.deepEqual((state.body as { faults: unknown }).faults, {
      latency: null,
      errors: null,
      storm: null,
    });
  });
});

describe('user lifecycle rules', () => {
  it('follows Okta status rules and errors', async () => {
    const created = await createStagedUser('lifecycle.one@example.com');
    assert.equal(created.status, 200);
    assert.equal(created.body.status, 'STAGED');
    const id = created.body.id;
    const post = (action: string) =>
      api<OktaErr & Record<string, unknown>>(sim, `/api/v1/users/${id}/lifecycle/${action}`, {
        method: 'POST',
        ssws,
        headers: { 'Content-Length': '0' },
      });

    const suspendStaged = await post('suspend');
    assert.equal(suspendStaged.status, 400);
    assert.equal(suspendStaged.body.errorCode, 'E0000001');
    assert.equal(suspendStaged.body.errorSummary, 'Api validation failed: suspend');
    assert.deepEqual(suspendStaged.body.errorCauses, [
      { errorSummary: 'Cannot suspend a user that is not active' },
    ]);

    const act = await api(sim, `/api/v1/users/${id}/lifecycle/activate?sendEmail=false`, {
      method: 'POST',
      ssws,
      headers: { 'Content-Length': '0' },
    });
    assert.equal(act.status, 200);
    assert.ok((act.body as { activationToken?: string }).activationToken);
    assert.equal(sim.org.users.get(id)?.status, 'ACTIVE');
    const again = await post('activate');
    assert.equal(again.status, 403);
    assert.equal(again.body.errorCode, 'E0000016');

    assert.equal((await post('unsuspend')).body.errorCode, 'E0000001');
    assert.equal((await post('suspend')).status, 200);
    assert.equal(sim.org.users.get(id)?.status, 'SUSPENDED');
    assert.equal((await post('unsuspend')).status, 200);
    assert.equal((await post('unlock')).body.errorCode, 'E0000032');
    const reset = await api<{ resetPasswordUrl: string }>(
      sim,
      `/api/v1/users/${id}/lifecycle/reset_password?sendEmail=false`,
      { method: 'POST', ssws, headers: { 'Content-Length': '0' } },
    );
    assert.ok(reset.body.resetPasswordUrl.startsWith(sim.url));
    assert.equal(sim.org.users.get(id)?.status, 'RECOVERY');

    // DELETE on a non-deprovisioned user deactivates first; the second DELETE deletes.
    const del1 = await api(sim, `/api/v1/users/${id}`, { method: 'DELETE', ssws });
    assert.equal(del1.status, 204);
    const still = await api<User>(sim, `/api/v1/users/${id}`, { ssws });
    assert.equal(still.status, 200);
    assert.equal(still.body.status, 'DEPROVISIONED');
    assert.equal((await api(sim, `/api/v1/users/${id}`, { method: 'DELETE', ssws })).status, 204);
    assert.equal((await api<OktaErr>(sim, `/api/v1/users/${id}`, { ssws })).body.errorCode, 'E0000007');
  });

  it('validates profiles and rejects duplicate logins', async () => {
    const dup = await api<OktaErr>(sim, '/api/v1/users', {
      method: 'POST',
      ssws,
      body: {
        profile: {
          firstName: 'A',
          lastName: 'B',
          email: sim.fixtures.regularUser.login,
          login: sim.fixtures.regularUser.login,
        },
      },
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.errorCode, 'E0000001');
    assert.deepEqual(dup.body.errorCauses, [
      { errorSummary: 'login: An object with this field already exists in the current organization' },
    ]);
    const noPw = await api<User>(sim, '/api/v1/users?activate=true', {
      method: 'POST',
      ssws,
      body: {
        profile: { firstName: 'N', lastName: 'P', email: 'no.pw@example.com', login: 'no.pw@example.com' },
      },
    });
    assert.equal(noPw.body.status, 'PROVISIONED');
    const malformed = await fetch(`${sim.url}/api/v1/users`, {
      method: 'POST',
      headers: { Authorization: `SSWS ${ssws}`, 'Content-Type': 'application/json' },
      body: '{"profile": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as OktaErr).errorCode, 'E0000003');
  });

  it('partial (POST) vs full (PUT) profile updates', async () => {
    const { body: u } = await createStagedUser('update.me@example.com');
    const p = await api<User>(sim, `/api/v1/users/${u.id}`, {
      method: 'POST',
      ssws,
      body: { profile: { title: 'Boss' } },
    });
    assert.equal(p.body.profile.title, 'Boss');
    assert.equal(p.body.profile.firstName, 'Test');
    const put = await api<User>(sim, `/api/v1/users/${u.id}`, {
      method: 'PUT',
      ssws,
      body: {
        profile: {
          firstName: 'Only',
          lastName: 'Required',
          email: 'update.me@example.com',
          login: 'update.me@example.com',
        },
      },
    });
    assert.equal(put.body.profile.title, undefined, 'PUT drops unspecified properties');
  });

  it('user relations: groups, appLinks, factors, sessions', async () => {
    const f = sim.fixtures;
    const groups = await api<{ profile: { name: string } }[]>(
      sim,
      `/api/v1/users/${f.regularUser.id}/groups`,
      { ssws },
    );
    assert.ok(groups.body.some((g) => g.profile.name === 'Portcullis Demo'));
    assert.ok(groups.body.some((g) => g.profile.name === 'Everyone'));
    const links = await api<{ appInstanceId: string }[]>(sim, `/api/v1/users/${f.regularUser.id}/appLinks`, {
      ssws,
    });
    assert.ok(links.body.some((l) => l.appInstanceId === f.portcullisWebApp.appId));
    const factors = await api<unknown[]>(sim, `/api/v1/users/${f.regularUser.id}/factors`, { ssws });
    assert.equal(factors.status, 200);
    const t = await tokenFor(f.regularUser, 'okta.users.read');
    const s = await api(sim, `/api/v1/users/${f.regularUser.id}/sessions?oauthTokens=true`, {
      method: 'DELETE',
      ssws,
    });
    assert.equal(s.status, 204);
    assert.equal(
      (await api(sim, '/api/v1/users/me', { token: t })).status,
      401,
      'oauthTokens=true revokes tokens',
    );
  });
});

describe('groups and apps', () => {
  it('group CRUD and membership', async () => {
    const g = await api<{ id: string; type: string }>(sim, '/api/v1/groups', {
      method: 'POST',
      ssws,
      body: { profile: { name: 'Sim Test Group', description: 'x' } },
    });
    assert.equal(g.status, 200);
    assert.equal(g.body.type, 'OKTA_GROUP');
    const dup = await api<OktaErr>(sim, '/api/v1/groups', {
      method: 'POST',
      ssws,
      body: { profile: { name: 'Sim Test Group' } },
    });
    assert.equal(dup.body.errorCode, 'E0000001');
    const add = await api(sim, `/api/v1/groups/${g.body.id}/users/${sim.fixtures.regularUser.id}`, {
      method: 'PUT',
      ssws,
      headers: { 'Content-Length': '0' },
    });
    assert.equal(add.status, 204);
    const members = await api<User[]>(sim, `/api/v1/groups/${g.body.id}/users`, { ssws });
    assert.deepEqual(
      members.body.map((u) => u.id),
      [sim.fixtures.regularUser.id],
    );
    const q = await api<{ id: string }[]>(sim, '/api/v1/groups?q=Sim%20Test', { ssws });
    assert.deepEqual(
      q.body.map((x) => x.id),
      [g.body.id],
    );
    const everyone = sim.org.groups.get(sim.org.everyoneGroupId);
    const delBuiltIn = await api<OktaErr>(sim, `/api/v1/groups/${everyone?.id}`, { method: 'DELETE', ssws });
    assert.equal(delBuiltIn.status, 403);
    assert.equal(
      (
        await api(sim, `/api/v1/groups/${g.body.id}/users/${sim.fixtures.regularUser.id}`, {
          method: 'DELETE',
          ssws,
        })
      ).status,
      204,
    );
    assert.equal((await api(sim, `/api/v1/groups/${g.body.id}`, { method: 'DELETE', ssws })).status, 204);
  });

  it('app listing, filters, assignments and lifecycle', async () => {
    const f = sim.fixtures;
    const apps = await api<{ id: string; label: string }[]>(
      sim,
      `/api/v1/apps?${new URLSearchParams({ filter: `user.id eq "${f.regularUser.id}"` })}`,
      { ssws },
    );
    assert.ok(apps.body.some((a) => a.id === f.portcullisWebApp.appId));
    const app = await api<{ id: string; status: string }>(sim, '/api/v1/apps', {
      method: 'POST',
      ssws,
      body: {
        name: 'bookmark',
        label: 'Sim Bookmark',
        signOnMode: 'BOOKMARK',
        settings: { app: { url: 'https://x.example' } },
      },
    });
    assert.equal(app.body.status, 'ACTIVE');
    const id = app.body.id;
    const assign = await api<{ scope: string }>(sim, `/api/v1/apps/${id}/users`, {
      method: 'POST',
      ssws,
      body: { id: f.regularUser.id, scope: 'USER' },
    });
    assert.equal(assign.body.scope, 'USER');
    const dup = await api<OktaErr>(sim, `/api/v1/apps/${id}/users`, {
      method: 'POST',
      ssws,
      body: { id: f.regularUser.id, scope: 'USER' },
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.errorCode, 'E0000062');
    const ga = await api(sim, `/api/v1/apps/${id}/groups/${f.demoGroup.id}`, {
      method: 'PUT',
      ssws,
      body: {},
    });
    assert.equal(ga.status, 200);
    const au = await api<{ id: string; scope: string }[]>(sim, `/api/v1/apps/${id}/users?limit=500`, {
      ssws,
    });
    assert.ok(au.body.some((x) => x.id === f.superAdmin.id && x.scope === 'GROUP'));
    const delActive = await api<OktaErr>(sim, `/api/v1/apps/${id}`, { method: 'DELETE', ssws });
    assert.equal(delActive.body.errorCode, 'E0000056');
    assert.equal(
      (
        await api(sim, `/api/v1/apps/${id}/lifecycle/deactivate`, {
          method: 'POST',
          ssws,
          headers: { 'Content-Length': '0' },
        })
      ).status,
      200,
    );
    assert.equal((await api(sim, `/api/v1/apps/${id}`, { method: 'DELETE', ssws })).status, 204);
  });
});

describe('System Log', () => {
  it('records every mutation with the acting user or app as actor', async () => {
    const f = sim.fixtures;
    const { body: u } = await createStagedUser('log.target@example.com');
    // 1) SSWS → super admin
    await api(sim, `/api/v1/users/${u.id}/lifecycle/activate`, {
      method: 'POST',
      ssws,
      headers: { 'Content-Length': '0' },
    });
    // 2) OAuth user token → org admin
    const orgAdminToken = await tokenFor(f.orgAdmin, 'okta.users.manage');
    assert.equal(
      (
        await api(sim, `/api/v1/users/${u.id}/lifecycle/suspend`, {
          method: 'POST',
          token: orgAdminToken,
          headers: { 'Content-Length': '0' },
        })
      ).status,
      200,
    );
    // 3) service app token → PublicClientApp
    const svc = f.serviceApp;
    const cc = await fetch(`${sim.url}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'okta.users.manage',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: sim.createClientAssertion({
          clientId: svc.clientId,
          privateKey: svc.privateKey,
          kid: svc.kid,
        }),
      }),
    });
    const svcToken = ((await cc.json()) as { access_token: string }).access_token;
    assert.equal(
      (
        await api(sim, `/api/v1/users/${u.id}/lifecycle/unsuspend`, {
          method: 'POST',
          token: svcToken,
          headers: { 'Content-Length': '0' },
        })
      ).status,
      200,
    );

    const logToken = await tokenFor(f.readOnlyAdmin, 'okta.logs.read');
    type Ev = {
      eventType: string;
      actor: { id: string; type: string; alternateId: string; displayName: string };
      target: { id: string }[];
      client: { id: string | null };
      published: string;
      uuid: string;
    };
    const logs = await api<Ev[]>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ filter: `target.id eq "${u.id}"`, limit: '100' })}`,
      { token: logToken },
    );
    assert.equal(logs.status, 200);
    const byType = new Map(logs.body.map((e) => [e.eventType, e]));
    assert.equal(byType.get('user.lifecycle.create')?.actor.id, f.superAdmin.id);
    assert.equal(byType.get('user.lifecycle.activate')?.actor.id, f.superAdmin.id);
    const suspend = byType.get('user.lifecycle.suspend');
    assert.deepEqual(suspend?.actor, {
      id: f.orgAdmin.id,
      type: 'User',
      alternateId: f.orgAdmin.login,
      displayName: `${f.orgAdmin.firstName} ${f.orgAdmin.lastName}`,
      detailEntry: null,
    });
    assert.equal(suspend?.client.id, f.portcullisWebApp.clientId);
    const unsuspend = byType.get('user.lifecycle.unsuspend');
    assert.equal(unsuspend?.actor.type, 'PublicClientApp');
    assert.equal(unsuspend?.actor.id, svc.clientId);
    // Token grants are logged too.
    const grants = await api<Ev[]>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ filter: `eventType eq "app.oauth2.token.grant.access_token" and actor.id eq "${f.orgAdmin.id}"` })}`,
      { token: logToken },
    );
    assert.ok(grants.body.length >= 1);
    // Polling semantics: ascending without `until` always has a next link.
    const poll = await api<Ev[]>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ filter: 'eventType eq "no.such.event"' })}`,
      { token: logToken },
    );
    assert.deepEqual(poll.body, []);
    assert.match(poll.headers.get('link') ?? '', /rel="next"/);
    const bounded = await api<Ev[]>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ since: new Date(Date.now() - 60_000).toISOString(), until: new Date(Date.now() + 60_000).toISOString(), sortOrder: 'DESCENDING', limit: '5' })}`,
      { token: logToken },
    );
    assert.equal(bounded.body.length, 5);
    const times = bounded.body.map((e) => e.published);
    assert.deepEqual(times, [...times].sort().reverse());
    const q = await api<Ev[]>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ q: 'log.target@example.com suspend' })}`,
      { token: logToken },
    );
    assert.ok(q.body.some((e) => e.eventType === 'user.lifecycle.suspend'));
    const badFilter = await api<OktaErr>(
      sim,
      `/api/v1/logs?${new URLSearchParams({ filter: 'published gt "2024-01-01T00:00:00Z"' })}`,
      { token: logToken },
    );
    assert.equal(badFilter.body.errorCode, 'E0000031');
  });
});
