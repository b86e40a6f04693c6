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
import { discoveryEnv, type RunningDiscovery, startDiscovery } from './testing/harness';
import { startTinyMcpServer, type TinyMcpServer, tinyTool } from './testing/tiny-mcp-server';

describe('discovery (Kafka + PostgreSQL, real MCP upstreams)', () => {
  let db: TestDatabase;
  let svc: RunningDiscovery;
  let bus: KafkaEventBus;
  const results: EventEnvelope<ToolsDiscoveredPayload>[] = [];
  const upstreams: TinyMcpServer[] = [];

  before(async () => {
    db = await freshDatabase();
    const prefix = uniqueTopicPrefix();
    const env = serviceEnvironment();
    svc = await startDiscovery(
      discoveryEnv({ databaseUrl: db.url, kafkaBrokers: env.kafkaBrokers, topicPrefix: prefix }),
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
});
