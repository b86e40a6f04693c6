#!/usr/bin/env node
// Audit ingest throughput: events/s from Kafka into PostgreSQL (idempotent, hash-chained, batched).
//
//   npm run build && eval "$(bash scripts/services.sh env)"
//   node scripts/bench/audit-ingest-bench.js [--events 200000] [--live 100000] [--tenants 1] [--batch 500] [--keep]
//                                            [--cpu-prof DIR]   (V8 CPU profile of the audit process)
//
// Runs the real audit service (node dist/apps/audit/src/main.js) as a child process against a fresh
// database and a unique Kafka topic prefix, then:
//   1. backlog: publishes --events events while the service is stopped, starts it, and measures how fast
//      it drains the backlog (the sustained ingest ceiling);
//   2. live:    publishes --live more events as fast as the producer can while the service consumes, and
//      measures end-to-end throughput (first publish → last record stored);
//   3. verifies every tenant's hash chain and reports the verification speed.
// Events: 90% tool-call outcomes with ~300 bytes of arguments (redacted, standard verbosity), 10% admin
// actions, spread over --tenants tenants (each tenant is one hash chain: appends to it are serialized).
// Prints human lines, then one JSON line with every figure.
'use strict';
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { spawn } = require('node:child_process');

const DIST = path.resolve(__dirname, '../../dist');
const { KafkaEventBus } = require(`${DIST}/libs/messaging/src`);
const { ToolCallAudited, AdminActionAudited } = require(`${DIST}/libs/contracts/src`);
const { freshDatabase, uniqueTopicPrefix, serviceEnvironment } = require(`${DIST}/libs/testing/src`);
const { openDataSource } = require(`${DIST}/libs/persistence/src`);
const { freePort } = require(`${DIST}/apps/audit/src/testing/throwaway`);
const { auditPersistence, AuditStore } = require(`${DIST}/apps/audit/src`);

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const EVENTS = Number(arg('events', 200_000));
const LIVE = Number(arg('live', 100_000));
const TENANTS = Number(arg('tenants', 1));
const BATCH = Number(arg('batch', 500));
const KEEP = arg('keep', false) === true;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
function makeBatch(n) {
  const calls = [];
  const admins = [];
  for (let i = 0; i < n; i++) {
    const k = seq++;
    const tenantId = `t${k % TENANTS}`;
    if (k % 10 === 9) {
      admins.push({
        payload: {
          action: 'tool.classification_changed',
          actor: { type: 'user', id: `admin${k % 5}`, email: `admin${k % 5}@example.com` },
          resourceType: 'tool',
          resourceId: `tool-${k % 40}`,
          summary: 'read → write',
          details: { from: 'read', to: 'write' },
        },
        opts: { tenantId, eventId: randomUUID() },
      });
    } else {
      calls.push({
        payload: {
          callId: `call-${k}`,
          phase: 'outcome',
          outcome: k % 17 === 0 ? 'denied' : 'allowed_success',
          user: { id: `user-${k % 5000}`, email: `user${k % 5000}@example.com` },
          client: { id: `client-${k % 20}`, name: 'Claude Desktop', type: 'personal' },
          serverId: 'okta',
          tool: `okta_tool_${k % 40}`,
          classification: 'read',
          latencyMs: 20 + (k % 200),
          protocolVersion: '2025-11-25',
          arguments: {
            search: `profile.lastName eq "Smith${k}"`,
            limit: 200,
            after: 'x'.repeat(180),
            apiToken: 'never-stored',
          },
          resultSummary: `returned ${k % 200} users`,
        },
        opts: { tenantId, eventId: randomUUID() },
      });
    }
  }
  return { calls, admins };
}

async function publish(bus, total, concurrency = 4) {
  let left = total;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        const n = Math.min(BATCH, left);
        left -= n;
        const { calls, admins } = makeBatch(n);
        await Promise.all([
          calls.length && bus.publishMany(ToolCallAudited, calls),
          admins.length && bus.publishMany(AdminActionAudited, admins),
        ]);
      }
    }),
  );
  return (Date.now() - started) / 1000;
}

function startService(env) {
  const profile = arg('cpu-prof', undefined);
  const nodeArgs = typeof profile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(DIST, 'apps/audit/src/main.js')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`audit exited with ${child.exitCode}:\n${out.slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await Promise.race([sleep(100), exited]);
    }
  })();
  return {
    child,
    ready,
    output: () => out,
    stop: () =>
      new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}

async function waitStored(ds, target, timeoutMs) {
  const started = Date.now();
  let firstAt;
  let n = 0;
  const samples = [];
  while (Date.now() - started < timeoutMs) {
    n = Number((await ds.query(`SELECT count(*) AS n FROM audit.event_ids`))[0].n);
    const now = Date.now();
    samples.push([now, n]);
    if (n > 0 && firstAt === undefined) firstAt = now;
    if (n >= target) return { doneAt: now, firstAt, samples };
    await sleep(250);
  }
  throw new Error(`only ${n}/${target} events stored after ${timeoutMs} ms`);
}

(async () => {
  const envs = serviceEnvironment();
  const db = await freshDatabase();
  const prefix = uniqueTopicPrefix();
  const serviceEnv = {
    PORTCULLIS_TENANT_ID: 't0',
    LOG_LEVEL: 'warn',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: envs.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    AUTH_INTERNAL_URL: 'http://127.0.0.1:9',
    INTERNAL_SERVICE_SECRET: 'bench-secret-bench-secret-bench-secret!!',
    AUDIT_INGEST_BATCH_SIZE: String(BATCH),
    AUDIT_MAINTENANCE_INTERVAL_MINUTES: '0',
  };
  const bus = new KafkaEventBus({ brokers: envs.kafkaBrokers, clientId: 'audit-bench', topicPrefix: prefix });
  await bus.start();
  const ds = await openDataSource(
    { url: db.url, features: [auditPersistence], poolSize: 2, migrationsSchema: 'audit' },
    { migrate: true },
  );
  const result = { events: EVENTS, live: LIVE, tenants: TENANTS, batch: BATCH };
  let svc;
  try {
    console.log(`backlog: publishing ${EVENTS.toLocaleString('en')} events (audit stopped)…`);
    const pubS = await publish(bus, EVENTS);
    result.publishBacklogPerSec = Math.round(EVENTS / pubS);
    console.log(
      `  published in ${pubS.toFixed(1)} s (${result.publishBacklogPerSec.toLocaleString('en')} events/s, acks=all)`,
    );

    svc = startService(serviceEnv);
    const t0 = Date.now();
    await svc.ready;
    const { doneAt, firstAt, samples } = await waitStored(ds, EVENTS + 1, 30 * 60_000); // +1: its own service-started event
    const drainS = (doneAt - firstAt) / 1000;
    result.backlogDrainPerSec = Math.round(EVENTS / drainS);
    result.backlogStartupMs = firstAt - t0;
    // Steady-state rate: the middle 80% of the drain.
    const lo = samples.find(([, n]) => n >= EVENTS * 0.1);
    const hi = samples.find(([, n]) => n >= EVENTS * 0.9);
    result.backlogSteadyPerSec = Math.round((hi[1] - lo[1]) / ((hi[0] - lo[0]) / 1000));
    console.log(
      `  drained in ${drainS.toFixed(1)} s after ${result.backlogStartupMs} ms start-up: ${result.backlogDrainPerSec.toLocaleString('en')} events/s (steady ${result.backlogSteadyPerSec.toLocaleString('en')}/s)`,
    );

    if (LIVE > 0) {
      console.log(`live: publishing ${LIVE.toLocaleString('en')} events while the service consumes…`);
      const l0 = Date.now();
      const livePubS = await publish(bus, LIVE);
      const live = await waitStored(ds, EVENTS + 1 + LIVE, 30 * 60_000);
      result.livePublishPerSec = Math.round(LIVE / livePubS);
      result.liveEndToEndPerSec = Math.round(LIVE / ((live.doneAt - l0) / 1000));
      result.liveLagAfterLastPublishMs = live.doneAt - (l0 + livePubS * 1000);
      console.log(
        `  produced ${result.livePublishPerSec.toLocaleString('en')}/s; all stored ${result.liveLagAfterLastPublishMs} ms after the last publish: ${result.liveEndToEndPerSec.toLocaleString('en')} events/s end to end`,
      );
    }

    const store = new AuditStore(ds, { partitionInterval: 'month' });
    const v0 = Date.now();
    let verified = 0;
    for (let t = 0; t < TENANTS; t++) {
      const r = await store.verify(`t${t}`);
      if (!r.ok) throw new Error(`chain t${t} broken: ${JSON.stringify(r.broken)}`);
      verified += r.checked;
    }
    result.verifyPerSec = Math.round(verified / ((Date.now() - v0) / 1000));
    const [{ dup }] = await ds.query(`SELECT count(*) - count(DISTINCT event_id) AS dup FROM audit.events`);
    result.duplicates = Number(dup);
    console.log(
      `verify: ${verified.toLocaleString('en')} records, chains intact, ${result.verifyPerSec.toLocaleString('en')} records/s; duplicates: ${result.duplicates}`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await svc?.stop();
    await bus.close();
    await ds.destroy();
    if (!KEEP) await db.drop();
    else console.log(`kept database ${db.url}`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
