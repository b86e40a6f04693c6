import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOktaSim } from './index';
import { api, userToken } from './testkit';

function snapshot(sim: Awaited<ReturnType<typeof startOktaSim>>) {
  const users = [...sim.org.users.values()].map((u) => [
    u.id,
    u.status,
    u.created,
    u.lastLogin,
    JSON.stringify(u.profile),
    u.roles.map((r) => r.type).join(','),
  ]);
  const groups = [...sim.org.groups.values()].map((g) => [
    g.id,
    g.profile.name,
    g.type,
    [...g.members].join(','),
  ]);
  const apps = [...sim.org.apps.values()].map((a) => [
    a.id,
    a.label,
    a.status,
    a.signOnMode,
    a.oauth?.clientSecret ?? '',
    [...a.userAssignments.keys()].join(','),
    [...a.groupAssignments.keys()].join(','),
  ]);
  return JSON.stringify({ users, groups, apps, ssws: sim.fixtures.ssws });
}

describe('seeded org', () => {
  it('same seed + size → identical org; different seed → different org', async () => {
    const a = await startOktaSim({ seed: 99, size: { users: 500, groups: 30, apps: 20 } });
    const b = await startOktaSim({ seed: 99, size: { users: 500, groups: 30, apps: 20 } });
    const c = await startOktaSim({ seed: 100, size: { users: 500, groups: 30, apps: 20 } });
    try {
      assert.equal(snapshot(a), snapshot(b));
      assert.notEqual(snapshot(a), snapshot(c));
      assert.equal(a.fixtures.portcullisWebApp.clientId, b.fixtures.portcullisWebApp.clientId);
      assert.equal(a.fixtures.superAdmin.id, b.fixtures.superAdmin.id);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it("'demo' size has a realistic mix", async () => {
    const sim = await startOktaSim();
    try {
      assert.equal(sim.org.users.size, 300);
      assert.equal(sim.org.groups.size, 40);
      assert.equal(sim.org.apps.size, 25);
      const statuses = new Set([...sim.org.users.values()].map((u) => u.status));
      for (const s of ['ACTIVE', 'STAGED', 'PROVISIONED', 'SUSPENDED', 'DEPROVISIONED', 'LOCKED_OUT'])
        assert.ok(statuses.has(s as never), s);
      const f = sim.fixtures;
      assert.equal(f.demoGroupName, 'Portcullis Demo');
      assert.ok(f.demoGroup.memberIds.length >= 10);
      assert.ok(f.demoGroup.memberIds.includes(f.regularUser.id));
      assert.ok(!f.demoGroup.memberIds.includes(f.unassignedUser.id));
      assert.deepEqual(f.superAdmin.roles, ['SUPER_ADMIN']);
      assert.deepEqual(f.regularUser.roles, []);
      assert.deepEqual(f.groupAdmin.roles, ['USER_ADMIN']);
      assert.equal(f.groupAdmin.targetGroupName, 'Sales');
      assert.ok(f.portcullisWebApp.grantedScopes.includes('okta.users.read'));
      assert.ok(f.serviceApp.privateJwk.d, 'private JWK available to tests');
      const departments = new Set([...sim.org.users.values()].map((u) => u.profile.department));
      assert.ok(departments.size >= 10);
    } finally {
      await sim.close();
    }
  });
});

describe('control', () => {
  it('reset() restores the seeded state but keeps runtime redirect URIs', async () => {
    const sim = await startOktaSim({ seed: 5 });
    try {
      const before = snapshot(sim);
      const f = sim.fixtures;
      sim.org.addRedirectUri(f.portcullisWebApp.clientId, 'http://127.0.0.1:59999/cb');
      const t = await userToken(sim, f.regularUser.login, f.regularUser.password, 'okta.users.read');
      sim.org.suspendUser(f.readOnlyAdmin.id);
      sim.org.createGroup({ name: 'Ephemeral' });
      sim.control.setLatency({ fixedMs: 5 });
      await sim.control.reset();
      assert.equal(snapshot(sim), before);
      assert.ok(f.portcullisWebApp.redirectUris.includes('http://127.0.0.1:59999/cb'));
      assert.equal(sim.control.faults().latency, null);
      assert.equal(
        (await api(sim, '/api/v1/users/me', { token: t.access_token as string })).status,
        401,
        'tokens are gone',
      );
      assert.equal(
        (await api(sim, '/api/v1/users/me', { ssws: f.ssws })).status,
        200,
        'fixture credentials still work',
      );
    } finally {
      await sim.close();
    }
  });

  it('issueAccessToken shortcut and issuerUrl override', async () => {
    const sim = await startOktaSim({ issuerUrl: 'http://okta.test:9999/', controlSecret: false });
    try {
      assert.equal(sim.url, 'http://okta.test:9999');
      const local = `http://127.0.0.1:${sim.port}`;
      const md = (await (await fetch(`${local}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
        token_endpoint: string;
      };
      assert.equal(md.issuer, 'http://okta.test:9999');
      assert.equal(md.token_endpoint, 'http://okta.test:9999/oauth2/v1/token');
      assert.equal((await fetch(`${local}/__sim/state`)).status, 404, 'control API disabled');
      const { accessToken } = sim.issueAccessToken({
        user: sim.fixtures.appAdmin.login,
        scopes: ['okta.apps.read'],
      });
      assert.ok(accessToken.split('.').length === 3);
      assert.throws(() =>
        sim.issueAccessToken({ user: sim.fixtures.appAdmin.login, scopes: ['okta.policies.read'] }),
      );
    } finally {
      await sim.close();
    }
  });
});
