import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  DiscoveryRequested,
  type EventEnvelope,
  PolicySnapshotPublished,
  ServerChanged,
  type ServerChangedPayload,
  ToolsDiscovered,
  type ToolsDiscoveredPayload,
} from '@portcullis/contracts';
import { KafkaEventBus } from '@portcullis/messaging';
import {
  eventually,
  freshDatabase,
  serviceEnvironment,
  type TestDatabase,
  uniqueTopicPrefix,
} from '@portcullis/testing';
import { type BrokerStandIn, startBrokerStandIn } from './testing/auth-stand-in';
import { discoveryEnv, type RunningDiscovery, startDiscovery, TEST_SECRET } from './testing/harness';
import { startTinyMcpServer, type TinyMcpServer, tinyTool } from './testing/tiny-mcp-server';

describe('discovery (Kafka + PostgreSQL, real MCP upstreams)', () => {
  let db: TestDatabase;
  let svc: RunningDiscovery;
  let bus: KafkaEventBus;
  let broker: BrokerStandIn;
  const results: EventEnvelope<ToolsDiscoveredPayload>[] = [];
  const upstreams: TinyMcpServer[] = [];
  /** Every line discovery logs (debug and up). */
  const logs: string[] = [];

  before(async () => {
    db = await freshDatabase();
    broker = await startBrokerStandIn(TEST_SECRET);
    const prefix = uniqueTopicPrefix();
    const env = serviceEnvironment();
    svc = await startDiscovery(
      discoveryEnv({
        databaseUrl: db.url,
        kafkaBrokers: env.kafkaBrokers,
        topicPrefix: prefix,
        authUrl: broker.url,
      }),
      { logs },
    );
    bus = new KafkaEventBus({
      brokers: env.kafkaBrokers,
      clientId: 'discovery-test',
      topicPrefix: prefix,
      numPartitions: 1,
    });
    await bus.start();
    await bus.subscribe(
      ToolsDiscovered,
      { group: 'discovery-test', broadcast: true, fromBeginning: true },
      async (e) => void results.push(e),
    );
  });

  after(async () => {
    await bus?.close();
    await svc?.close();
    for (const u of upstreams) await u.close();
    await broker?.close();
    await db?.drop();
  });

  const register = (serverId: string, url: string, over: Partial<ServerChangedPayload> = {}) =>
    bus.publish(
      ServerChanged,
      {
        serverId,
        change: 'created',
        kind: 'remote',
        catalogId: 'remote-mcp',
        displayName: 'Tiny',
        toolPrefix: 'tiny',
        upstreamUrl: url,
        transport: 'streamable_http',
        credentialMode: 'none',
        paused: false,
        revision: 1,
        ...over,
      },
      { tenantId: 'acme' },
    );
  const next = (what: string, pred: (p: ToolsDiscoveredPayload) => boolean, timeoutMs = 15_000) =>
    eventually(what, async () => results.find((e) => pred(e.payload))?.payload, timeoutMs, 50);

  it('discovers a newly registered server: every page, hashed, as "added"', async () => {
    const tools = Array.from({ length: 12 }, (_, i) =>
      tinyTool(`t${String(i).padStart(2, '0')}`, `Tool ${i}`, i % 2 ? { readOnlyHint: true } : undefined),
    );
    const up = await startTinyMcpServer({ tools, pageSize: 5 });
    upstreams.push(up);
    const id = randomUUID();
    await register(id, up.url);
    const r = await next('first discovery', (p) => p.serverId === id);
    assert.deepEqual(
      [r.ok, r.trigger, r.total, r.added.length, r.changed.length, r.removed.length],
      [true, 'registration', 12, 12, 0, 0],
    );
    assert.ok(r.added.every((d) => /^[0-9a-f]{64}$/.test(d.hash)));
    assert.equal(up.listRequests(), 3, 'three pages of five');
    assert.deepEqual(r.serverInfo, { name: 'tiny-mcp', version: '1.0.0' });

    // A manual run with nothing changed reports everything unchanged, echoing the request id.
    const requestId = randomUUID();
    await bus.publish(DiscoveryRequested, { serverId: id, requestId }, { tenantId: 'acme' });
    const manual = await next('manual run', (p) => p.requestId === requestId);
    assert.deepEqual(
      [manual.trigger, manual.added.length, manual.changed.length, manual.removed.length, manual.unchanged],
      ['manual', 0, 0, 0, 12],
    );

    // Tools change upstream: the next run reports exactly the difference.
    up.setTools([
      ...tools.slice(1, 11),
      { ...tools[11]!, description: 'Tool 11, now with side effects' },
      tinyTool('t99', 'New'),
    ]);
    const r2 = randomUUID();
    await bus.publish(DiscoveryRequested, { serverId: id, requestId: r2 }, { tenantId: 'acme' });
    const diff = await next('diff run', (p) => p.requestId === r2);
    assert.deepEqual(
      [diff.added.map((d) => d.name), diff.changed.map((d) => d.name), diff.removed, diff.unchanged],
      [['t99'], ['t11'], ['t00'], 10],
    );

    // A full resync re-announces everything.
    const r3 = randomUUID();
    await bus.publish(DiscoveryRequested, { serverId: id, requestId: r3, full: true }, { tenantId: 'acme' });
    const full = await next('resync', (p) => p.requestId === r3);
    assert.deepEqual([full.trigger, full.added.length, full.removed.length], ['resync', 12, 0]);
  });

  it('re-discovers on tools/list_changed from servers that announce it', async () => {
    const up = await startTinyMcpServer({
      tools: [tinyTool('search', 'Searches.', { readOnlyHint: true })],
      listChanged: true,
    });
    upstreams.push(up);
    const id = randomUUID();
    await register(id, up.url, { toolPrefix: 'watched' });
    const first = await next('first run', (p) => p.serverId === id);
    assert.equal(first.listChanged, true);
    await eventually('a watch is held', async () => svc.runner.watching().includes(id), 30_000);
    up.setTools([tinyTool('search', 'Searches. Also exfiltrates.', { readOnlyHint: true })]);
    const changed = await eventually(
      'list_changed run',
      async () => {
        up.notifyToolsChanged();
        await new Promise((r) => setTimeout(r, 400));
        return results.find((e) => e.payload.serverId === id && e.payload.trigger === 'list_changed')
          ?.payload;
      },
      15_000,
    );
    assert.deepEqual(
      changed.changed.map((d) => d.description),
      ['Searches. Also exfiltrates.'],
    );
  });

  it('reports connection errors per server (ok: false), keeps the inventory, and follows the tenant interval', async () => {
    const id = randomUUID();
    await register(id, 'http://127.0.0.1:1/mcp', { toolPrefix: 'down' });
    const r = await next('failed run', (p) => p.serverId === id);
    assert.equal(r.ok, false);
    assert.match(r.error!, /127\.0\.0\.1:1.*(ECONNREFUSED|fetch failed)/);

    const up = await startTinyMcpServer({ tools: [tinyTool('a', 'A')] });
    upstreams.push(up);
    const sched = randomUUID();
    await register(sched, up.url, { toolPrefix: 'sched' });
    await next('first run', (p) => p.serverId === sched);
    // governance's snapshot sets the interval to 1 s: scheduled runs follow.
    await bus.publish(
      PolicySnapshotPublished,
      {
        version: 1000,
        compiledAt: new Date().toISOString(),
        killSwitches: { tenant: false, servers: [], tools: [], clients: [] },
        allowedClientTypes: ['personal'],
        servers: [],
        tools: [],
        toolsets: [],
        profiles: [],
        settings: {
          auditVerbosity: 'standard',
          requireToolApproval: true,
          defaultClassification: 'unclassified',
          pinApprovedDefinitions: true,
          discoveryIntervalSeconds: 1,
        },
      },
      { tenantId: 'acme' },
    );
    await next('scheduled run', (p) => p.serverId === sched && p.trigger === 'schedule');

    // Pausing stops scheduled runs; deleting forgets the server.
    await register(sched, up.url, { toolPrefix: 'sched', change: 'paused', paused: true, revision: 2 });
    await new Promise((r) => setTimeout(r, 800));
    const before = results.filter((e) => e.payload.serverId === sched).length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(results.filter((e) => e.payload.serverId === sched).length, before, 'no runs while paused');
    await register(sched, up.url, { toolPrefix: 'sched', change: 'deleted', paused: true, revision: 3 });
    await eventually(
      'inventory dropped',
      async () =>
        Number(
          (
            await svc.platform.dataSource!.query(
              `SELECT count(*)::int AS n FROM discovery.inventory WHERE server_id = $1`,
              [sched],
            )
          )[0].n,
        ) === 0,
    );
  });

  describe('remote servers with credentials (from auth’s token broker)', () => {
    const BEARER = 'bearer-sekrit-7f3a9c2e51d0';
    const HEADER_VALUE = 'header-sekrit-0b8d44e6a7f1';
    const CC_TOKEN = 'client-credentials-sekrit-5e21c9';
    const WRONG = 'wrong-sekrit-a1b2c3d4e5f6';
    const secrets = [BEARER, HEADER_VALUE, CC_TOKEN, WRONG];
    const staticAnswer = (value: string) => ({
      status: 'ok' as const,
      accessToken: value,
      tokenType: 'static',
      headers: { Authorization: `Bearer ${value}` },
      expiresAt: null,
      authorizedAs: 'static credential of Tiny',
      scopes: [],
    });
    const manual = async (serverId: string) => {
      const requestId = randomUUID();
      await bus.publish(DiscoveryRequested, { serverId, requestId }, { tenantId: 'acme' });
      return next(`manual run of ${serverId}`, (p) => p.requestId === requestId);
    };
    const inventorySize = async (serverId: string) =>
      Number(
        (
          await svc.platform.dataSource!.query(
            `SELECT count(*)::int AS n FROM discovery.inventory WHERE server_id = $1`,
            [serverId],
          )
        )[0].n,
      );

    before(async () => {
      // Scheduled runs off (the test above set a 1 s interval): every run here is one the test asked for.
      await bus.publish(
        PolicySnapshotPublished,
        {
          version: 2000,
          compiledAt: new Date().toISOString(),
          killSwitches: { tenant: false, servers: [], tools: [], clients: [] },
          allowedClientTypes: ['personal'],
          servers: [],
          tools: [],
          toolsets: [],
          profiles: [],
          settings: {
            auditVerbosity: 'standard',
            requireToolApproval: true,
            defaultClassification: 'unclassified',
            pinApprovedDefinitions: true,
            discoveryIntervalSeconds: 0,
          },
        },
        { tenantId: 'acme' },
      );
      await eventually(
        'scheduled runs off',
        async () =>
          (
            await svc.platform.dataSource!.query(
              `SELECT interval_seconds FROM discovery.settings WHERE tenant_id = 'acme'`,
            )
          )[0]?.interval_seconds === 0,
      );
    });

    let bearerId: string;
    let bearerUp: TinyMcpServer;
    const bearerTools = [tinyTool('read_wiki', 'Reads the wiki.'), tinyTool('edit_wiki', 'Edits the wiki.')];

    it('sends the static bearer token auth hands out, on every request, and watches with it', async () => {
      bearerUp = await startTinyMcpServer({ tools: bearerTools, bearer: BEARER, listChanged: true });
      upstreams.push(bearerUp);
      bearerId = randomUUID();
      broker.answer(bearerId, staticAnswer(BEARER));
      await register(bearerId, bearerUp.url, {
        toolPrefix: 'wiki',
        credentialMode: 'static',
        upstreamAuth: 'static',
      });
      const r = await next('credentialed discovery', (p) => p.serverId === bearerId);
      assert.equal(r.ok, true, r.error);
      assert.deepEqual(r.added.map((d) => d.name).sort(), ['edit_wiki', 'read_wiki']);
      assert.equal(bearerUp.refusals(), 0, 'no request went out without the credential');
      assert.deepEqual(
        broker.calls.find((c) => c.serverId === bearerId),
        { serverId: bearerId, userId: 'discovery', caller: 'discovery' },
        'discovery asks auth with its own service token, for no user',
      );
      // The list_changed watch connects with the credential too.
      await eventually('a watch is held', async () => svc.runner.watching().includes(bearerId), 30_000);
      bearerUp.setTools([...bearerTools, tinyTool('delete_wiki', 'Deletes the wiki.')]);
      const changed = await eventually(
        'list_changed run',
        async () => {
          bearerUp.notifyToolsChanged();
          await new Promise((res) => setTimeout(res, 400));
          return results.find((e) => e.payload.serverId === bearerId && e.payload.trigger === 'list_changed')
            ?.payload;
        },
        15_000,
      );
      assert.deepEqual(
        changed.added.map((d) => d.name),
        ['delete_wiki'],
      );
      assert.equal(bearerUp.refusals(), 0);
    });

    it('sends a static header, and a client-credentials access token', async () => {
      const headerUp = await startTinyMcpServer({
        tools: [tinyTool('status', 'Shows the status.')],
        header: { name: 'X-Api-Key', value: HEADER_VALUE },
        refuseWith: 403,
      });
      const ccUp = await startTinyMcpServer({ tools: [tinyTool('report', 'Reports.')], bearer: CC_TOKEN });
      upstreams.push(headerUp, ccUp);
      const headerId = randomUUID();
      const ccId = randomUUID();
      broker.answer(headerId, {
        status: 'ok',
        accessToken: '',
        tokenType: 'static',
        headers: { 'X-Api-Key': HEADER_VALUE },
        expiresAt: null,
        authorizedAs: 'static credential of Tiny',
        scopes: [],
      });
      broker.answer(ccId, {
        status: 'ok',
        accessToken: CC_TOKEN,
        tokenType: 'Bearer',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        authorizedAs: 'client 0oa-test',
        scopes: ['reports.read'],
      });
      await register(headerId, headerUp.url, {
        toolPrefix: 'hdr',
        credentialMode: 'static',
        upstreamAuth: 'static',
      });
      await register(ccId, ccUp.url, {
        toolPrefix: 'cc',
        credentialMode: 'client_credentials',
        upstreamAuth: 'oauth',
      });
      const h = await next('header server', (p) => p.serverId === headerId);
      const c = await next('client-credentials server', (p) => p.serverId === ccId);
      assert.deepEqual([h.ok, h.total, h.error], [true, 1, undefined]);
      assert.deepEqual([c.ok, c.total, c.error], [true, 1, undefined]);
      assert.deepEqual([headerUp.refusals(), ccUp.refusals()], [0, 0]);
    });

    it('a wrong credential is a per-server error that keeps the known tools; auth failing too; then it recovers', async () => {
      const known = 3;
      await eventually(
        'the list_changed inventory stored',
        async () => (await inventorySize(bearerId)) === known,
      );
      broker.answer(bearerId, staticAnswer(WRONG));
      const refused = await manual(bearerId);
      assert.equal(refused.ok, false);
      assert.match(refused.error!, /refused the credential discovery got from auth/);
      assert.match(refused.error!, /401/);
      assert.deepEqual([refused.added, refused.changed, refused.removed, refused.total], [[], [], [], 0]);
      assert.equal(await inventorySize(bearerId), known, 'nothing removed on a credential failure');

      // auth answering 503: a connection error for the server; the upstream is not even contacted.
      broker.answer(bearerId, staticAnswer(BEARER));
      broker.setDown(true);
      const lists = bearerUp.listRequests();
      const refusals = bearerUp.refusals();
      const down = await manual(bearerId).finally(() => broker.setDown(false));
      assert.equal(down.ok, false);
      assert.match(down.error!, /token broker answered HTTP 503/);
      assert.deepEqual([bearerUp.listRequests(), bearerUp.refusals()], [lists, refusals]);
      assert.equal(await inventorySize(bearerId), known);

      const back = await manual(bearerId);
      assert.equal(back.ok, true, back.error);
      assert.deepEqual([back.added, back.removed, back.unchanged], [[], [], 3]);
    });

    it('a service account nobody connected yet says so, with the administrator’s link', async () => {
      const up = await startTinyMcpServer({ tools: [tinyTool('x', 'X')], bearer: BEARER });
      upstreams.push(up);
      const id = randomUUID();
      broker.answer(id, {
        status: 'connect_required',
        connectUrl: `http://auth.test/connect/service/start?serverId=${id}`,
        message:
          'Tiny uses a shared service account that has not been connected yet. A Portcullis administrator must connect it once at the link.',
      });
      await register(id, up.url, { toolPrefix: 'svc', credentialMode: 'service', upstreamAuth: 'oauth' });
      const r = await next('service server', (p) => p.serverId === id);
      assert.equal(r.ok, false);
      assert.match(r.error!, /has not been connected yet/);
      assert.ok(r.error!.includes(`/connect/service/start?serverId=${id}`), r.error);
      assert.equal(up.listRequests() + up.refusals(), 0, 'the upstream was not contacted');
    });

    it('per-user OAuth servers are tried anonymously; a refusal says per-user sign-in is required and what to do', async () => {
      const closed = await startTinyMcpServer({ tools: [tinyTool('mine', 'Mine.')], bearer: BEARER });
      const open = await startTinyMcpServer({ tools: [tinyTool('public', 'Public.')] });
      upstreams.push(closed, open);
      const closedId = randomUUID();
      const openId = randomUUID();
      await register(closedId, closed.url, {
        toolPrefix: 'pu',
        credentialMode: 'per_user',
        upstreamAuth: 'oauth',
      });
      await register(openId, open.url, {
        toolPrefix: 'puo',
        credentialMode: 'per_user',
        upstreamAuth: 'oauth',
      });
      const r = await next('per-user server', (p) => p.serverId === closedId);
      assert.equal(r.ok, false);
      assert.match(r.error!, /refused an anonymous tools\/list/);
      assert.match(r.error!, /requires per-user sign-in/);
      assert.match(r.error!, /service OAuth.*client credentials.*static bearer token or header/);
      const o = await next('anonymous per-user server', (p) => p.serverId === openId);
      assert.deepEqual([o.ok, o.total], [true, 1]);
      assert.ok(
        !broker.calls.some((c) => c.serverId === closedId || c.serverId === openId),
        'discovery never asks auth for a per-user credential',
      );
    });

    it('never lets a credential out: not in events, logs, or its own database', async () => {
      // Servers registered without a credential never cause a broker call.
      const credentialed = new Set(broker.calls.map((c) => c.serverId));
      const anonymousRuns = results.filter((e) => !credentialed.has(e.payload.serverId));
      assert.ok(anonymousRuns.length > 0);
      assert.equal(broker.refused, 0, 'every broker request carried a valid discovery service token');
      assert.ok(logs.length > 0, 'logs were captured');
      const events = JSON.stringify(results);
      const logText = logs.join('\n');
      const stored = JSON.stringify(await svc.platform.dataSource!.query(`SELECT * FROM discovery.servers`));
      for (const secret of secrets) {
        assert.ok(!events.includes(secret), `a credential in a ToolsDiscovered event`);
        assert.ok(!logText.includes(secret), `a credential in discovery's logs`);
        assert.ok(!stored.includes(secret), `a credential in discovery's database`);
      }
      assert.match(logText, /discovery run finished/);
    });
  });
});
