import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import { eventually } from '@portcullis/testing';
import { connectPrompt, E2eStack } from './stack';

/**
 * The product end to end, distributed over real Kafka, PostgreSQL and Redis, with the official MCP
 * client: an admin registers Okta and governs its tools; users sign in through the company IdP (the
 * Okta simulator), list exactly their tools, connect their own Okta account on first call, and
 * call Okta as themselves; denials and calls land in the audit log.
 */
describe('Portcullis end to end (distributed)', { timeout: 300_000 }, () => {
  let sim: OktaSim;
  let stack: E2eStack;
  let memberGroup = '';

  before(async () => {
    sim = await startOktaSim({ seed: 11, size: 'demo' });
    // An IdP group of our own: its members get the Okta toolset; other demo users do not.
    const group = sim.org.createGroup({ name: 'MCP Helpdesk' });
    memberGroup = 'MCP Helpdesk';
    sim.org.addUserToGroup(group.id, sim.fixtures.regularUser.id);
    stack = new E2eStack({ sim });
    await stack.start();
  });

  after(async () => {
    try {
      await stack?.stop();
    } finally {
      await sim?.close();
    }
  });

  let serverId = '';
  let approved: string[] = [];
  let profileId = '';

  it('an admin registers Okta; discovery lists its tools as Pending review', async () => {
    const created = await stack.registerOkta({
      displayName: 'Okta',
      credentialMode: 'per_user',
      scopes: ['okta.users.read', 'okta.groups.read'],
    });
    serverId = String(created['id']);
    assert.equal(JSON.stringify(created).includes(sim.fixtures.portcullisWebApp.clientSecret), false, 'the secret is never returned');
    const tools = await stack.discoveredTools(serverId);
    assert.ok(tools.every((t) => t.state === 'pending_review'), 'new tools start Pending review');
    approved = ['whoami', 'list_users', 'list_groups'].map((n) => tools.find((t) => t.name === n)!.id);
    await stack.admin('POST', '/api/v1/tools/bulk', { action: 'approve', toolIds: approved });
    const toolset = await stack.admin('POST', '/api/v1/toolsets', { name: 'Okta helpdesk', toolIds: approved });
    const profile = await stack.admin('POST', '/api/v1/profiles', { name: 'Helpdesk', toolsetIds: [toolset['id']], subjects: [{ type: 'group', value: memberGroup }] });
    profileId = String(profile['id']);
  });

  it('a group member lists exactly the approved tools, connects Okta on first call, then calls as themselves', async () => {
    const uma = await stack.signIn(sim.fixtures.regularUser);
    const client = await uma.connect();
    const names = await eventually('the policy to reach the gateway', async () => {
      const n = (await client.listTools()).tools.map((t) => t.name).sort();
      return n.length === 3 ? n : undefined;
    });
    assert.deepEqual(names, ['okta_list_groups', 'okta_list_users', 'okta_whoami']);
    // First call: not connected yet → URL elicitation (-32042) carrying the connect link.
    const connectUrl = await connectPrompt(client, 'okta_whoami');
    const page = await uma.browser.navigate(connectUrl);
    assert.match(page.body, /Connected/i);
    const r = (await client.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; structuredContent?: { user?: { login?: string } } };
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.equal(r.structuredContent?.user?.login, sim.fixtures.regularUser.login, 'Okta saw the user themselves');
    await client.close();
  });

  it('a non-member sees no tools and a call is denied with the reason', async () => {
    const sam = await stack.signIn(sim.fixtures.superAdmin);
    const client = await sam.connect();
    assert.deepEqual((await client.listTools()).tools, []);
    const r = (await client.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; content: { text: string }[] };
    assert.equal(r.isError, true);
    assert.match(r.content[0]!.text, /not_entitled/);
    await client.close();
  });

  it('both calls are in the audit log, the denial with its reason', async () => {
    const records = await eventually('tool-call audit records', async () => {
      const r = (await stack.admin('GET', '/api/v1/audit/events?limit=100', undefined, 'audit')) as { data: Record<string, unknown>[] };
      const text = JSON.stringify(r.data);
      return text.includes('not_entitled') && text.includes('allowed_success') ? text : undefined;
    }, 30_000, 500);
    assert.match(records, /okta_whoami/);
  });

  it('revoking the binding denies the next call on every gateway replica within a second', async () => {
    const uma = await stack.signIn(sim.fixtures.regularUser);
    const clients = [await uma.connect('gateway'), await uma.connect('gateway2')];
    for (const c of clients) {
      let last = '';
      await eventually(`access on each replica (last answer: ${last})`, async () => {
        const r = (await c.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean };
        last = JSON.stringify(r).slice(0, 300);
        return r.isError !== true;
      });
    }
    const current = (await stack.admin('GET', `/api/v1/profiles/${profileId}`)) as { etag?: string };
    const etagRes = await fetch(`${stack.url('governance')}/api/v1/profiles/${profileId}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const etag = etagRes.headers.get('etag') ?? String(current.etag ?? '*');
    const revokedAt = Date.now();
    const res = await fetch(`${stack.url('governance')}/api/v1/profiles/${profileId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify({ toolsetIds: [] }),
    });
    assert.equal(res.status, 200, await res.text());
    const elapsed = await Promise.all(
      clients.map(async (c) => {
        for (;;) {
          const r = (await c.callTool({ name: 'okta_whoami', arguments: {} })) as { content: { text: string }[] };
          if (/not_entitled/.test(r.content[0]?.text ?? '')) return Date.now() - revokedAt;
          if (Date.now() - revokedAt > 10_000) return Infinity;
        }
      }),
    );
    process.stdout.write(`# revocation visible after ${elapsed.join(' ms, ')} ms\n`);
    for (const ms of elapsed) assert.ok(ms <= 1000, `revocation took ${ms} ms`);
    for (const c of clients) await c.close();
  });

  it('a revoked admin API token stops working on governance and audit within a second', async () => {
    const created = await stack.admin('POST', '/api/v1/admin-tokens', { name: 'e2e automation' }, 'auth');
    const token = String(created['token']);
    const ask = async (svc: 'governance' | 'audit', path: string) =>
      (await fetch(`${stack.url(svc)}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
    const probes = [
      ['governance', '/api/v1/servers'],
      ['audit', '/api/v1/audit/events?limit=1'],
    ] as const;
    // Both services now remember the token as valid (their introspection answers are cached).
    for (const [svc, path] of probes) assert.equal(await ask(svc, path), 200, `${svc} accepts the new token`);
    const revokedAt = Date.now();
    await stack.admin('DELETE', `/api/v1/admin-tokens/${String(created['id'])}`, undefined, 'auth');
    const elapsed = await Promise.all(
      probes.map(async ([svc, path]) => {
        while (Date.now() - revokedAt < 10_000) {
          if ((await ask(svc, path)) === 401) return Date.now() - revokedAt;
          await new Promise((r) => setTimeout(r, 20));
        }
        return Infinity;
      }),
    );
    process.stdout.write(`# admin token revocation visible after ${elapsed.join(' ms, ')} ms (governance, audit)\n`);
    for (const ms of elapsed) assert.ok(ms <= 1000, `revocation took ${ms} ms`);
  });
});
