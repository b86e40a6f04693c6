import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { oktaToolCatalog, type RunningOktaMcpServer, startOktaMcpServer } from '@portcullis/okta-mcp';
import {
  eventually,
  freshDatabase,
  serviceEnvironment,
  type TestDatabase,
  uniqueTopicPrefix,
} from '@portcullis/testing';
import {
  discoveryEnv,
  type RunningDiscovery,
  startDiscovery,
} from '../../apps/discovery/src/testing/harness';
import {
  adminApi,
  type AuthStandIn,
  governanceEnv,
  type RunningGovernance,
  startAuthStandIn,
  startGovernance,
  TEST_SECRET,
} from '../../apps/governance/src/testing/harness';

type Json = Record<string, unknown>;

/** "Demo in a minute": PORTCULLIS_DEMO seeds Okta read-only access for the demo group, once. */
describe('demo seeder (governance + discovery + the hosted Okta MCP server)', () => {
  let auth: AuthStandIn;
  let db: TestDatabase;
  let okta: RunningOktaMcpServer;
  let gov: RunningGovernance;
  let disc: RunningDiscovery;
  let env: ReturnType<typeof governanceEnv>;

  before(async () => {
    const services = serviceEnvironment();
    const prefix = uniqueTopicPrefix();
    [auth, db, okta] = await Promise.all([
      startAuthStandIn(),
      freshDatabase(),
      startOktaMcpServer({ internalSecret: TEST_SECRET, orgAllowlist: [], logLevel: 'silent' }),
    ]);
    env = governanceEnv({
      databaseUrl: db.url,
      kafkaBrokers: services.kafkaBrokers,
      topicPrefix: prefix,
      authUrl: auth.url,
      oktaMcpUrl: okta.url,
      extra: {
        PORTCULLIS_DEMO: 'true',
        DEMO_OKTA_ORG_URL: 'https://demo.okta.com',
        DEMO_GROUP: 'Portcullis Demo',
        DEMO_DISCOVERY_WAIT_SECONDS: '30',
      },
    });
    [gov, disc] = await Promise.all([
      startGovernance(env),
      startDiscovery(
        discoveryEnv({
          databaseUrl: db.url,
          kafkaBrokers: services.kafkaBrokers,
          topicPrefix: prefix,
          secret: TEST_SECRET,
        }),
      ),
    ]);
  });

  after(async () => {
    await Promise.all([gov?.close(), disc?.close()]);
    await Promise.all([okta?.close(), auth?.close()]);
    await db?.drop();
  });

  const readTools = oktaToolCatalog
    .filter((t) => t.annotations.readOnlyHint === true)
    .map((t) => `okta_${t.name}`)
    .sort();

  const seeded = async (api: ReturnType<typeof adminApi>) => {
    const [servers, toolsets, profiles] = await Promise.all([
      api<{ data: Json[] }>('GET', '/api/v1/servers'),
      api<{ data: Json[] }>('GET', '/api/v1/toolsets?kind=custom'),
      api<{ data: Json[] }>('GET', '/api/v1/profiles'),
    ]);
    return { servers: servers.body.data, toolsets: toolsets.body.data, profiles: profiles.body.data };
  };

  it('registers Okta per-user, approves the read-only tools and grants them to the demo group', async () => {
    const api = adminApi(gov.url);
    const profile = await eventually(
      'the demo profile',
      async () => (await seeded(api)).profiles.find((p) => p['name'] === 'Portcullis demo'),
      45_000,
      250,
    );
    assert.deepEqual(profile['subjects'], [{ type: 'group', value: 'Portcullis Demo', expiresAt: null }]);
    const { servers, toolsets } = await seeded(api);
    assert.equal(servers.length, 1);
    assert.deepEqual(
      [servers[0]!['credentialMode'], servers[0]!['oktaOrgUrl'], servers[0]!['toolPrefix']],
      ['per_user', 'https://demo.okta.com', 'okta'],
    );
    assert.deepEqual(
      toolsets.map((t) => t['name']),
      ['Okta read-only'],
    );
    const member = await api<{ callable: { exposedName: string }[] }>(
      'GET',
      '/api/v1/effective-access?user=demo@example.com&groups=Portcullis%20Demo',
    );
    assert.deepEqual(
      member.body.callable.map((c) => c.exposedName),
      readTools,
    );
    const writes = await api<{ data: Json[] }>(
      'GET',
      `/api/v1/tools?state=approved&classification=destructive`,
    );
    assert.equal(writes.body.data.length, 0, 'nothing but read tools is approved');
  });

  it('is idempotent across restarts', async () => {
    await gov.close();
    gov = await startGovernance(env);
    const api = adminApi(gov.url);
    await new Promise((r) => setTimeout(r, 1500));
    const { servers, toolsets, profiles } = await seeded(api);
    assert.deepEqual([servers.length, toolsets.length, profiles.length], [1, 1, 1]);
  });
});
