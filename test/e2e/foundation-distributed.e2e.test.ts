import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import { after, before, describe, it } from 'node:test';
import {
  eventually,
  freePort,
  REPO_ROOT,
  freshDatabase,
  type ServiceProcess,
  serviceEnvironment,
  startProcess,
  type TestDatabase,
  uniqueTopicPrefix,
  waitForReady,
} from '@portcullis/testing';
import { distributedServiceEnv } from './stack';

/**
 * Distributed mode: the five services as separate processes over real Kafka, PostgreSQL and Redis.
 * Proves the wiring: events produced by one process are consumed by another.
 */
const SERVICES = ['governance', 'audit', 'auth', 'discovery', 'gateway'] as const;
const ADMIN_TOKEN = `pcat_e2e_${randomBytes(24).toString('base64url')}`;

describe('distributed mode over Kafka, PostgreSQL and Redis', () => {
  const procs = new Map<string, ServiceProcess & { url: string }>();
  let db: TestDatabase;
  let sim: OktaSim;

  before(async () => {
    db = await freshDatabase();
    sim = await startOktaSim({ seed: 3, size: 'demo' });
    // No migration step first, unlike E2eStack: here the services migrate themselves as they start together.
    const common = distributedServiceEnv({ sim, databaseUrl: db.url, adminToken: ADMIN_TOKEN });
    const ports = new Map<string, number>();
    for (const s of SERVICES) ports.set(s, await freePort());
    const publicUrl = `http://127.0.0.1:${ports.get('gateway')}`;
    for (const s of SERVICES) {
      const port = ports.get(s)!;
      const p = startProcess(s, `dist/apps/${s}/src/main.js`, { ...common, PORT: String(port), PUBLIC_URL: publicUrl, AUTH_INTERNAL_URL: `http://127.0.0.1:${ports.get('auth')}` });
      procs.set(s, Object.assign(p, { url: `http://127.0.0.1:${port}` }));
    }
    await Promise.all([...procs.values()].map((p) => waitForReady(p.url, p, 90_000)));
  });

  after(async () => {
    await Promise.all([...procs.values()].map((p) => p.stop()));
    await db?.drop();
    await sim?.close();
  });

  it('every service answers /healthz, /readyz (with its real dependencies) and /metrics', async () => {
    for (const [name, p] of procs) {
      const ready = (await (await fetch(`${p.url}/readyz`)).json()) as { status: string; checks: Record<string, { ok: boolean }> };
      assert.equal(ready.status, 'ok', `${name} ready`);
      assert.ok(ready.checks['kafka']?.ok, `${name} checks Kafka`);
      const metrics = await (await fetch(`${p.url}/metrics`)).text();
      assert.match(metrics, /portcullis_process_resident_memory_bytes/, `${name} default metrics`);
      assert.match(metrics, /portcullis_http_requests_total\{service="/, `${name} RED metrics`);
    }
    const auditReady = (await (await fetch(`${procs.get('audit')!.url}/readyz`)).json()) as { checks: Record<string, unknown> };
    assert.ok('database' in auditReady.checks, 'audit readiness includes its database');
  });

  it('audit stores the start-up events that the other four processes published to Kafka', async () => {
    const audit = procs.get('audit')!;
    const services = await eventually('service-started events from every service in the audit store', async () => {
      const r = (await (await fetch(`${audit.url}/api/v1/audit/events?type=system&limit=100`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
        data: { admin?: { action?: string; resourceId?: string } }[];
      };
      const seen = new Set(r.data.filter((d) => d.admin?.action === 'service.started').map((d) => d.admin?.resourceId));
      return SERVICES.every((s) => seen.has(s)) ? seen : undefined;
    }, 30_000);
    assert.equal(services.size, 5);
  });

  it('the gateway applies the policy snapshot governance published', async () => {
    const gateway = procs.get('gateway')!;
    const version = await eventually('a policy snapshot version on the gateway', async () => {
      const m = /portcullis_policy_snapshot_version\{instance="[^"]+"\} (\d+)/.exec(await (await fetch(`${gateway.url}/metrics`)).text());
      return m && Number(m[1]) >= 1 ? Number(m[1]) : undefined;
    });
    assert.ok(version >= 1);
  });

  it('exposes every metric the Grafana dashboard and alert rules use (deploy/metric-names.json)', async () => {
    const spec = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/metric-names.json'), 'utf8')) as { metrics: { name: string; services?: string[] }[] };
    const exposed = new Set<string>();
    for (const p of procs.values()) {
      for (const m of (await (await fetch(`${p.url}/metrics`)).text()).matchAll(/^# TYPE (\S+) /gm)) exposed.add(m[1]!);
    }
    const missing = spec.metrics.map((m) => m.name).filter((n) => !exposed.has(n));
    assert.deepEqual(missing, [], 'metrics used by dashboards/alerts but exposed by no service');
  });

  it('shuts down gracefully on SIGTERM (exit code 0)', async () => {
    const discovery = procs.get('discovery')!;
    procs.delete('discovery');
    assert.equal(await discovery.stop('SIGTERM'), 0, discovery.output().slice(-2000));
  });
});

describe('misconfiguration stops start-up with a message naming the variable', () => {
  it('a bad REDIS_URL on the gateway', async () => {
    const p = startProcess('gateway', 'dist/apps/gateway/src/main.js', {
      PORTCULLIS_MODE: 'distributed',
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'http://not-redis',
      PORT: String(await freePort()),
    });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /REDIS_URL: must be a redis: or rediss: URL/);
  });

  it('a missing DATABASE_URL and KAFKA_BROKERS on audit', async () => {
    const p = startProcess('audit', 'dist/apps/audit/src/main.js', { PORTCULLIS_MODE: 'distributed', PORT: String(await freePort()) });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /DATABASE_URL: is required/);
    assert.match(p.output(), /KAFKA_BROKERS: /);
  });

  it('an unreachable database names where it tried to connect', async () => {
    const env = serviceEnvironment();
    const p = startProcess('governance', 'dist/apps/governance/src/main.js', {
      PORTCULLIS_MODE: 'distributed',
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix(),
      DATABASE_URL: 'postgres://x:y@127.0.0.1:1/nope',
      REDIS_URL: env.redisUrl,
      INTERNAL_SERVICE_SECRET: 'z'.repeat(40),
      PORT: String(await freePort()),
    });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /Cannot connect to the database at 127\.0\.0\.1:1\/nope/);
    assert.doesNotMatch(p.output(), /x:y@/, 'credentials are not printed');
  });
});
