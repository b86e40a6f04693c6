#!/usr/bin/env node
// Audit ingest throughput: events/s from Kafka into PostgreSQL (idempotent, hash-chained, batched).
//
//   npm run build && eval "$(bash scripts/services.sh env)"
//   node scripts/bench/audit-ingest-bench.js [--events 200000] [--live 100000] [--tenants 1] [--keep]
//                                            [--batch 2000]     (AUDIT_INGEST_BATCH_SIZE)
//                                            [--fetch BYTES]    (AUDIT_INGEST_FETCH_BYTES; default: the service's)
//                                            [--cpu-prof DIR]   (V8 CPU profile of the audit process)
//                                            [--node-args "--max-semi-space-size=64 …"] (flags for the audit process)
//                                            [--child-log FILE] (the audit process's output)
//
// Runs the real audit service (node dist/apps/audit/src/main.js) as a child process against a fresh
// database and a unique Kafka topic prefix, then:
//   1. backlog: publishes --events events while the service is stopped, starts it, and measures how fast
//      it drains the backlog (the sustained ingest ceiling);
//   2. live:    publishes --live more events as fast as the producer can while the service consumes, and
//      measures end-to-end throughput (first publish → last record stored);
//   3. checks one record per event (no loss, no duplicate), verifies every tenant's hash chain and
//      reports the verification speed.
// Also reports, from /proc, the CPU per 1,000 events of the audit process, its PostgreSQL backends and
// the Kafka broker, the audit process's peak RSS and how busy the machine was; deletes its topics.
// Events: 90% tool-call outcomes with ~300 bytes of arguments (redacted, standard verbosity), 10% admin
// actions, spread over --tenants tenants (each tenant is one hash chain: appends to it are serialized).
// Prints human lines, then one JSON line with every figure.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const DIST = path.resolve(__dirname, '../../dist');
const { KafkaEventBus } = require(`${DIST}/libs/messaging/src`);
const { ToolCallAudited, AdminActionAudited } = require(`${DIST}/libs/contracts/src`);
const { freshDatabase, uniqueTopicPrefix, serviceEnvironment } = require(`${DIST}/libs/testing/src`);
const { openDataSource } = require(`${DIST}/libs/persistence/src`);
const { freePort } = require(`${DIST}/apps/audit/src/testing/throwaway`);
const { auditPersistence, AuditStore } = require(`${DIST}/apps/audit/src`);
const { deleteTopicsWithPrefix } = require('../lib/kafka-topics');
const { arg } = require('./cli');
const { startAuditService } = require('./audit-process');

const EVENTS = Number(arg('events', 200_000));
const LIVE = Number(arg('live', 100_000));
const TENANTS = Number(arg('tenants', 1));
const BATCH = Number(arg('batch', 2000));
/** Events per publish request (a broker refuses requests over its message.max.bytes, 1 MiB by default). */
const PUBLISH_BATCH = 500;
const FETCH = arg('fetch', undefined);
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
        const n = Math.min(PUBLISH_BATCH, left);
        left -= n;
        const { calls, admins } = makeBatch(n);
        // A shared test broker sometimes refuses a send (restart, idempotent-producer sequence reset):
        // the same events (same ids) are sent again; a duplicate that did land is deduplicated by ingest.
        const send = async (def, items) => {
          for (let attempt = 1; items.length; attempt++) {
            try {
              return await bus.publishMany(def, items);
            } catch (err) {
              if (attempt >= 8) throw err;
              await sleep(250 * attempt);
            }
          }
        };
        await Promise.all([send(ToolCallAudited, calls), send(AdminActionAudited, admins)]);
      }
    }),
  );
  return (Date.now() - started) / 1000;
}

function startService(env) {
  const profile = arg('cpu-prof', undefined);
  const nodeArgs = typeof profile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const at = process.argv.indexOf('--node-args'); // its value starts with "--": taken as is
  if (at > 0 && process.argv[at + 1]) nodeArgs.push(...process.argv[at + 1].split(' ').filter(Boolean));
  const log = arg('child-log', undefined); // the audit process's output, e.g. with --node-args --trace-gc
  // Ingest of a large backlog may take long to report ready: no start-up deadline here.
  return startAuditService(env, { nodeArgs, ...(typeof log === 'string' ? { logFile: log } : {}), readyTimeoutMs: Infinity });
}

// ---- CPU accounting (Linux /proc; figures are left out where /proc cannot be read) ----
const CLK_TCK = 100;
function procCpuMs(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}
/** A process's peak resident memory so far (VmHWM), MB. */
function peakRssMb(pid) {
  try {
    const kb = /^VmHWM:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
/** Whole-machine busy and total CPU ms (all cores) from /proc/stat. */
function machineCpuMs() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4];
    return { busy: ((total - idle) * 1000) / CLK_TCK, total: (total * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}
function kafkaPid() {
  const home = process.env.PORTCULLIS_SERVICES_DIR ?? path.join(os.homedir(), '.cache/portcullis/services');
  try {
    return Number(fs.readFileSync(path.join(home, 'kafka/kafka.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}
/** The audit service's PostgreSQL backends (application_name portcullis-audit) in the bench database. */
async function auditBackends(ds) {
  const rows = await ds.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'portcullis-audit'`,
  );
  return rows.map((r) => Number(r.pid));
}
/**
 * Starts CPU accounting. `sample()` (called on every poll) follows the service's PostgreSQL backends,
 * which come and go with its pool; `stop(events, seconds)` gives CPU ms per 1,000 events for the audit
 * process, its backends and the Kafka broker, and what share of the machine was busy.
 */
async function cpuAccounting(ds, auditPid) {
  const kafka = kafkaPid();
  const start = { audit: procCpuMs(auditPid), kafka: kafka && procCpuMs(kafka), machine: machineCpuMs() };
  const backends = new Map(); // pid → { first, last } CPU ms
  let pgReadable = true;
  const sample = async () => {
    for (const pid of await auditBackends(ds)) {
      const now = procCpuMs(pid);
      if (now === undefined) {
        pgReadable = false;
        continue;
      }
      const b = backends.get(pid);
      // A backend first seen now started during the drain (its earlier CPU is connection setup).
      if (b) b.last = now;
      else backends.set(pid, { first: start.sampled ? 0 : now, last: now });
    }
  };
  await sample();
  start.sampled = true;
  const stop = async (events, seconds) => {
    await sample();
    let pg = 0;
    for (const b of backends.values()) pg += b.last - b.first;
    const per1k = (ms) =>
      ms === undefined || Number.isNaN(ms) ? undefined : +((ms * 1000) / events).toFixed(1);
    const m = machineCpuMs();
    const out = {
      auditPeakRssMb: peakRssMb(auditPid),
      auditCpuMsPer1k: per1k(procCpuMs(auditPid) - start.audit),
      postgresCpuMsPer1k: pgReadable && backends.size ? per1k(pg) : undefined,
      kafkaCpuMsPer1k: kafka ? per1k(procCpuMs(kafka) - start.kafka) : undefined,
    };
    if (m && start.machine) {
      const cores = os.cpus().length;
      out.machineBusyPct = Math.round(
        (100 * (m.busy - start.machine.busy)) / (m.total - start.machine.total),
      );
      // What the three processes used of the machine; the rest of the busy share is everything else.
      const ours =
        ((out.auditCpuMsPer1k ?? 0) + (out.postgresCpuMsPer1k ?? 0) + (out.kafkaCpuMsPer1k ?? 0)) *
        (events / 1000);
      out.benchProcessesPct = Math.round((100 * ours) / (seconds * 1000 * cores));
    }
    return out;
  };
  return { sample, stop };
}

/**
 * Polls the ledger until `target` events are stored. `onFirst` runs at the first sample with events
 * stored (start of the drain); `alive` stops the wait when the service died.
 */
async function waitStored(ds, target, timeoutMs, { onFirst, onSample, alive } = {}) {
  const started = Date.now();
  let firstAt;
  let firstN;
  let n = 0;
  const samples = [];
  while (Date.now() - started < timeoutMs) {
    n = Number((await ds.query(`SELECT count(*) AS n FROM audit.event_ids`))[0].n);
    const now = Date.now();
    samples.push([now, n]);
    await onSample?.();
    if (n > 0 && firstAt === undefined) {
      firstAt = now;
      firstN = n;
      await onFirst?.();
    }
    if (n >= target) return { doneAt: now, firstAt, firstN, samples };
    if (alive && !alive()) throw new Error(`the audit service exited with ${n}/${target} events stored`);
    await sleep(100);
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
    ...(FETCH ? { AUDIT_INGEST_FETCH_BYTES: String(FETCH) } : {}),
    AUDIT_MAINTENANCE_INTERVAL_MINUTES: '0',
  };
  const bus = new KafkaEventBus({ brokers: envs.kafkaBrokers, clientId: 'audit-bench', topicPrefix: prefix });
  await bus.start();
  const ds = await openDataSource(
    { url: db.url, features: [auditPersistence], poolSize: 2, migrationsSchema: 'audit' },
    { migrate: true },
  );
  const result = {
    events: EVENTS,
    live: LIVE,
    tenants: TENANTS,
    batch: BATCH,
    fetchBytes: FETCH ? Number(FETCH) : undefined,
  };
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
    svc.ready.catch(() => undefined); // awaited below; a start-up failure also ends waitStored
    // Polled from spawn, not from readiness: ingest starts (subscriptions) before /readyz answers.
    let cpu;
    const { doneAt, firstAt, firstN, samples } = await waitStored(ds, EVENTS + 1, 30 * 60_000, {
      onFirst: async () => (cpu = await cpuAccounting(ds, svc.child.pid)),
      onSample: () => cpu?.sample(),
      alive: () => svc.child.exitCode === null,
    }); // +1: its own service-started event
    await svc.ready;
    const drainS = (doneAt - firstAt) / 1000;
    const drained = EVENTS + 1 - firstN;
    result.backlogCpu = await cpu.stop(drained, drainS);
    result.backlogDrainPerSec = Math.round(drained / drainS);
    result.backlogStartupMs = firstAt - t0;
    // Steady-state rate: the middle 80% of the drain.
    const lo = samples.find(([, n]) => n >= EVENTS * 0.1);
    const hi = samples.find(([, n]) => n >= EVENTS * 0.9);
    result.backlogSteadyPerSec =
      hi[0] > lo[0] ? Math.round((hi[1] - lo[1]) / ((hi[0] - lo[0]) / 1000)) : null;
    console.log(
      `  drained in ${drainS.toFixed(1)} s after ${result.backlogStartupMs} ms start-up: ${result.backlogDrainPerSec.toLocaleString('en')} events/s (steady ${result.backlogSteadyPerSec.toLocaleString('en')}/s)`,
    );
    console.log(`  CPU ms per 1,000 events: ${JSON.stringify(result.backlogCpu)}`);

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
    await deleteTopicsWithPrefix(envs.kafkaBrokers, prefix).catch((err) =>
      console.error(`topics not deleted: ${err.message}`),
    );
    await ds.destroy();
    if (!KEEP) await db.drop();
    else console.log(`kept database ${db.url}`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
