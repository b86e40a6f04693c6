import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import {
  Browser,
  eventually,
  freePort,
  freshDatabase,
  HeadlessOAuthProvider,
  type ServiceProcess,
  serviceEnvironment,
  startProcess,
  type TestDatabase,
  uniqueTopicPrefix,
  waitForReady,
} from '@portcullis/testing';

/**
 * The product end to end, distributed over real Kafka, PostgreSQL and Redis, with the official MCP
 * client: an admin registers Okta and governs its tools; users sign in through the company IdP (the
 * Okta simulator), list exactly their tools, connect their own Okta account on first call, and
 * call Okta as themselves; denials and calls land in the audit log.
 */
const ADMIN_TOKEN = `pcat_e2e_${randomBytes(24).toString('base64url')}`;
const SERVICES = ['auth', 'governance', 'discovery', 'audit', 'gateway', 'gateway2', 'okta-mcp'] as const;
type Svc = (typeof SERVICES)[number];

describe('Portcullis end to end (distributed)', { timeout: 300_000 }, () => {
  let sim: OktaSim;
  let db: TestDatabase;
  const procs = new Map<Svc, ServiceProcess & { url: string }>();
  const url = (s: Svc) => procs.get(s)!.url;
  let memberGroup = '';

  async function admin(method: string, path: string, body?: unknown, svc: Svc = 'governance') {
    const res = await fetch(`${url(svc)}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → HTTP ${res.status}: ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  before(async () => {
    const env = serviceEnvironment();
    [sim, db] = await Promise.all([startOktaSim({ seed: 11, size: 'demo' }), freshDatabase()]);
    const ports = new Map<Svc, number>();
    for (const s of SERVICES) ports.set(s, await freePort());
    const at = (s: Svc) => `http://127.0.0.1:${ports.get(s)}`;
    const app = sim.fixtures.portcullisWebApp;
    sim.org.addRedirectUri(app.clientId, `${at('auth')}/oauth/idp/callback`);
    sim.org.addRedirectUri(app.clientId, `${at('auth')}/auth/callback`);
    // An IdP group of our own: its members get the Okta toolset; other demo users do not.
    const group = sim.org.createGroup({ name: 'MCP Helpdesk' });
    memberGroup = 'MCP Helpdesk';
    sim.org.addUserToGroup(group.id, sim.fixtures.regularUser.id);

    const common: Record<string, string> = {
      PORTCULLIS_MODE: 'distributed',
      PORTCULLIS_TENANT_ID: 'e2e',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(),
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      REDIS_URL: env.redisUrl,
      INTERNAL_SERVICE_SECRET: randomBytes(32).toString('hex'),
      PORTCULLIS_KEKS: `k1:${randomBytes(32).toString('base64')}`,
      PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
      IDP_ISSUER_URL: sim.url,
      IDP_CLIENT_ID: app.clientId,
      IDP_CLIENT_SECRET: app.clientSecret,
      OKTA_ORG_ALLOWLIST: sim.url,
      AUTH_INTERNAL_URL: at('auth'),
      AUTH_ISSUER_URL: at('auth'),
      OKTA_MCP_URL: `${at('okta-mcp')}/mcp`,
      GATEWAY_RESOURCE_URL: `${at('gateway')}/mcp`,
      SHUTDOWN_DRAIN_MS: '0',
    };
    const entry = (s: Svc) => `dist/apps/${s === 'gateway2' ? 'gateway' : s}/src/main.js`;
    // Migrations first (as the Helm hook does), so services do not race to create the schemas.
    for (const s of ['auth', 'governance', 'discovery', 'audit'] as const) {
      const m = startProcess(`migrate-${s}`, entry(s), { ...common, PORT: '0' }, ['migrate']);
      assert.equal(await m.exited, 0, m.output().slice(-2000));
    }
    for (const s of SERVICES) {
      const extra: Record<string, string> = { PORT: String(ports.get(s)), OKTA_MCP_PORT: String(ports.get(s)) };
      // auth and both gateway replicas are reached by AI clients: their public URLs are their own.
      extra['PUBLIC_URL'] = s === 'gateway2' ? at('gateway') : s === 'auth' ? at('auth') : at('gateway');
      const p = startProcess(s, entry(s), { ...common, ...extra });
      procs.set(s, Object.assign(p, { url: at(s) }));
    }
    await Promise.all([...procs.values()].map((p) => waitForReady(p.url, p, 120_000)));
  });

  after(async () => {
    await Promise.all([...procs.values()].map((p) => p.stop()));
    await db?.drop();
    await sim?.close();
  });

  let serverId = '';
  let approved: string[] = [];
  let profileId = '';

  it('an admin registers Okta; discovery lists its tools as Pending review', async () => {
    const created = await admin('POST', '/api/v1/servers', {
      catalogId: 'okta',
      displayName: 'Okta',
      oktaOrgUrl: sim.url,
      credentialMode: 'per_user',
      clientId: sim.fixtures.portcullisWebApp.clientId,
      clientSecret: sim.fixtures.portcullisWebApp.clientSecret,
      scopes: ['okta.users.read', 'okta.groups.read'],
    });
    serverId = String(created['id']);
    assert.equal(JSON.stringify(created).includes(sim.fixtures.portcullisWebApp.clientSecret), false, 'the secret is never returned');
    const tools = await eventually('discovered Okta tools', async () => {
      const r = (await admin('GET', `/api/v1/tools?serverId=${serverId}&limit=100`)) as { data: { id: string; name: string; state: string }[] };
      return r.data.length > 10 ? r.data : undefined;
    }, 60_000, 500);
    assert.ok(tools.every((t) => t.state === 'pending_review'), 'new tools start Pending review');
    approved = ['whoami', 'list_users', 'list_groups'].map((n) => tools.find((t) => t.name === n)!.id);
    await admin('POST', '/api/v1/tools/bulk', { action: 'approve', toolIds: approved });
    const toolset = await admin('POST', '/api/v1/toolsets', { name: 'Okta helpdesk', toolIds: approved });
    const profile = await admin('POST', '/api/v1/profiles', { name: 'Helpdesk', toolsetIds: [toolset['id']], subjects: [{ type: 'group', value: memberGroup }] });
    profileId = String(profile['id']);
  });

  async function signIn(user: { login: string; password: string }) {
    const browser = new Browser({ username: user.login, password: user.password });
    const provider = new HeadlessOAuthProvider(browser, 'http://127.0.0.1:53682/callback');
    const resource = `${url('gateway')}/mcp`;
    assert.equal(await auth(provider, { serverUrl: resource }), 'REDIRECT');
    assert.ok(provider.capturedCode, JSON.stringify(provider.capturedError));
    assert.equal(await auth(provider, { serverUrl: resource, authorizationCode: provider.capturedCode }), 'AUTHORIZED');
    const connect = async (gateway: Svc = 'gateway') => {
      const client = new Client({ name: 'e2e', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url(gateway)}/mcp`), { authProvider: provider }));
      return client;
    };
    return { browser, provider, connect };
  }

  it('a group member lists exactly the approved tools, connects Okta on first call, then calls as themselves', async () => {
    const uma = await signIn(sim.fixtures.regularUser);
    const client = await uma.connect();
    const names = await eventually('the policy to reach the gateway', async () => {
      const n = (await client.listTools()).tools.map((t) => t.name).sort();
      return n.length === 3 ? n : undefined;
    });
    assert.deepEqual(names, ['okta_list_groups', 'okta_list_users', 'okta_whoami']);
    // First call: not connected yet → URL elicitation (-32042) carrying the connect link.
    const err = await client.callTool({ name: 'okta_whoami', arguments: {} }).then(
      () => assert.fail('expected a connect prompt'),
      (e: { code?: number; data?: { elicitations?: { url: string }[] } }) => e,
    );
    assert.equal(err.code, -32042);
    const connectUrl = err.data!.elicitations![0]!.url;
    const page = await uma.browser.navigate(connectUrl);
    assert.match(page.body, /Connected/i);
    const r = (await client.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; structuredContent?: { user?: { login?: string } } };
    assert.notEqual(r.isError, true, JSON.stringify(r));
    assert.equal(r.structuredContent?.user?.login, sim.fixtures.regularUser.login, 'Okta saw the user themselves');
    await client.close();
  });

  it('a non-member sees no tools and a call is denied with the reason', async () => {
    const sam = await signIn(sim.fixtures.superAdmin);
    const client = await sam.connect();
    assert.deepEqual((await client.listTools()).tools, []);
    const r = (await client.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; content: { text: string }[] };
    assert.equal(r.isError, true);
    assert.match(r.content[0]!.text, /not_entitled/);
    await client.close();
  });

  it('both calls are in the audit log, the denial with its reason', async () => {
    const records = await eventually('tool-call audit records', async () => {
      const r = (await admin('GET', '/api/v1/audit/events?limit=100', undefined, 'audit')) as { data: Record<string, unknown>[] };
      const text = JSON.stringify(r.data);
      return text.includes('not_entitled') && text.includes('allowed_success') ? text : undefined;
    }, 30_000, 500);
    assert.match(records, /okta_whoami/);
  });

  it('revoking the binding denies the next call on every gateway replica within a second', async () => {
    const uma = await signIn(sim.fixtures.regularUser);
    const clients = [await uma.connect('gateway'), await uma.connect('gateway2')];
    for (const c of clients) {
      let last = '';
      await eventually(`access on each replica (last answer: ${last})`, async () => {
        const r = (await c.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean };
        last = JSON.stringify(r).slice(0, 300);
        return r.isError !== true;
      });
    }
    const current = (await admin('GET', `/api/v1/profiles/${profileId}`)) as { etag?: string };
    const etagRes = await fetch(`${url('governance')}/api/v1/profiles/${profileId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const etag = etagRes.headers.get('etag') ?? String(current.etag ?? '*');
    const revokedAt = Date.now();
    const res = await fetch(`${url('governance')}/api/v1/profiles/${profileId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'if-match': etag },
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
});
