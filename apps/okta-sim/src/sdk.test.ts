import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as okta from '@okta/okta-sdk-nodejs';
import { startOktaSim, type OktaSim } from './index';

/**
 * The official Okta Node SDK against the simulator. Notes on what it takes:
 *  - an `http://` orgUrl is accepted as is (no https check in 8.x);
 *  - `cacheMiddleware: null`, otherwise the SDK caches GETs by URL across calls;
 *  - lifecycle POSTs are sent with `Content-Length: 0` by node-fetch, so the 411 rule does not bite.
 */
let sim: OktaSim;
let client: okta.Client;

before(async () => {
  sim = await startOktaSim({ seed: 3 });
  client = new okta.Client({ orgUrl: sim.url, token: sim.fixtures.ssws, cacheMiddleware: null });
});
after(async () => {
  await sim.close();
});

describe('@okta/okta-sdk-nodejs against the simulator', () => {
  it('lists and pages through users with a small limit', async () => {
    const ids: string[] = [];
    const collection = await client.userApi.listUsers({ limit: 25 });
    for await (const u of collection) {
      if (u) ids.push(u.id as string);
    }
    const expected = [...sim.org.users.values()].filter((u) => u.status !== 'DEPROVISIONED').length;
    assert.equal(ids.length, expected, 'iterated across pages via Link headers');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    const searched: string[] = [];
    await (
      await client.userApi.listUsers({ search: 'profile.department eq "Sales"', limit: 10 })
    ).each((u) => {
      searched.push(u.profile?.department as string);
    });
    assert.ok(searched.length > 10 && searched.every((d) => d === 'Sales'));
  });

  it('creates, updates, runs lifecycle operations on and deletes a user', async () => {
    const created = await client.userApi.createUser({
      body: {
        profile: {
          firstName: 'Sdk',
          lastName: 'Person',
          email: 'sdk.person@example.com',
          login: 'sdk.person@example.com',
        },
        credentials: { password: { value: 'Sdk-Passw0rd!' } },
      },
      activate: false,
    });
    assert.equal(created.status, 'STAGED');
    const id = created.id as string;
    await client.userApi.activateUser({ userId: id, sendEmail: false });
    const fetched = await client.userApi.getUser({ userId: id });
    assert.equal(fetched.status, 'ACTIVE');
    const updated = await client.userApi.updateUser({
      userId: id,
      user: { profile: { title: 'SDK Tester' } },
    });
    assert.equal(updated.profile?.title, 'SDK Tester');
    await client.userApi.suspendUser({ userId: id });
    assert.equal(sim.org.users.get(id)?.status, 'SUSPENDED');
    await client.userApi.unsuspendUser({ userId: id });
    await assert.rejects(client.userApi.unsuspendUser({ userId: id }), (e: unknown) => {
      const err = e as { status: number; errorCode: string };
      return err.status === 400 && err.errorCode === 'E0000001';
    });
    await client.userApi.deactivateUser({ userId: id });
    await client.userApi.deleteUser({ userId: id });
    assert.equal(sim.org.users.get(id), undefined);
    // The System Log names the SSWS token's admin as actor.
    const events: string[] = [];
    await (
      await client.systemLogApi.listLogEvents({
        filter: `target.id eq "${id}"`,
        since: new Date(Date.now() - 3600_000).toISOString(),
        until: new Date(Date.now() + 60_000).toISOString(),
      })
    ).each((e) => {
      assert.equal(e.actor?.id, sim.fixtures.superAdmin.id);
      events.push(e.eventType as string);
    });
    assert.ok(
      events.includes('user.lifecycle.create') && events.includes('user.lifecycle.delete.initiated'),
      events.join(','),
    );
  });

  it('manages groups and memberships', async () => {
    const g = await client.groupApi.createGroup({
      group: { profile: { name: 'SDK Group', description: 'made by the SDK' } },
    });
    const gid = g.id as string;
    await client.groupApi.assignUserToGroup({ groupId: gid, userId: sim.fixtures.regularUser.id });
    const members: string[] = [];
    await (
      await client.groupApi.listGroupUsers({ groupId: gid })
    ).each((u) => {
      members.push(u.id as string);
    });
    assert.deepEqual(members, [sim.fixtures.regularUser.id]);
    const names: string[] = [];
    for await (const grp of await client.groupApi.listGroups({ limit: 7 }))
      if (grp) names.push(grp.profile?.name as string);
    assert.equal(names.length, sim.org.groups.size, 'paged through all groups');
    assert.ok(names.includes('SDK Group') && names.includes('Portcullis Demo'));
    await client.groupApi.unassignUserFromGroup({ groupId: gid, userId: sim.fixtures.regularUser.id });
    await client.groupApi.deleteGroup({ groupId: gid });
    await assert.rejects(
      client.groupApi.getGroup({ groupId: gid }),
      (e: unknown) => (e as { errorCode: string }).errorCode === 'E0000007',
    );
  });

  it('lists apps, manages assignments and app lifecycle', async () => {
    const labels: string[] = [];
    for await (const a of await client.applicationApi.listApplications({ limit: 10 }))
      if (a) labels.push(a.label as string);
    assert.equal(labels.length, sim.org.apps.size);
    assert.ok(labels.includes('Portcullis'));
    const app = await client.applicationApi.createApplication({
      application: {
        name: 'bookmark',
        label: 'SDK Bookmark',
        signOnMode: 'BOOKMARK',
        settings: { app: { requestIntegration: false, url: 'https://example.com/' } },
      } as okta.BookmarkApplication,
    });
    const appId = app.id as string;
    await client.applicationApi.assignUserToApplication({
      appId,
      appUser: { id: sim.fixtures.regularUser.id, scope: 'USER' },
    });
    await client.applicationApi.assignGroupToApplication({ appId, groupId: sim.fixtures.demoGroup.id });
    const users: string[] = [];
    for await (const au of await client.applicationApi.listApplicationUsers({ appId, limit: 5 }))
      if (au) users.push(au.id as string);
    assert.ok(users.includes(sim.fixtures.regularUser.id));
    assert.equal(new Set(users).size, users.length);
    await client.applicationApi.deactivateApplication({ appId });
    await client.applicationApi.deleteApplication({ appId });
    assert.equal(sim.org.apps.get(appId), undefined);
  });

  it('authenticates as the API service app with PrivateKey mode (client_credentials + private_key_jwt)', async () => {
    const svc = sim.fixtures.serviceApp;
    const pk = new okta.Client({
      orgUrl: sim.url,
      authorizationMode: 'PrivateKey',
      clientId: svc.clientId,
      scopes: ['okta.users.read', 'okta.groups.read'],
      privateKey: svc.privateKeyPem,
      keyId: svc.kid,
      cacheMiddleware: null,
    });
    let n = 0;
    for await (const u of await pk.userApi.listUsers({ limit: 200 })) if (u) n++;
    assert.ok(n > 200);
    const grants = [...sim.org.logs.values()].filter(
      (e) => e.eventType === 'app.oauth2.token.grant.access_token' && e.actor.id === svc.clientId,
    );
    assert.ok(grants.length >= 1, 'token grant logged with the service app as actor');
  });
});
