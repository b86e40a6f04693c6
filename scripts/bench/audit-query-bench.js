#!/usr/bin/env node
// Audit query latency on a large store.
//
//   npm run build && eval "$(bash scripts/services.sh env)"
//   node scripts/bench/audit-query-bench.js [--rows 1000000] [--days 90] [--users 5000] [--runs 300] [--keep] [--db URL]
//
// The full run is --rows 10000000 (≈ 15–30 min to load on a 2-vCPU machine, ~7.5 GB; the 1 M default
// loads in 1–2 minutes). Loads synthetic records straight into the partitioned audit.events table of
// a fresh database (INSERT … SELECT generate_series, 1 M rows per statement, spread uniformly over
// --days days and over monthly partitions; 3 tenants with 80/10/10 % of rows; --users users, 40 tools,
// 20 clients), ANALYZEs, then times the queries the API runs (the repository's `find`, i.e. the same
// SQL as GET /api/v1/audit/events), each --runs times with random parameters, and prints p50/p95/p99.
// The synthetic rows carry placeholder hashes: this measures reads, not chain verification.
'use strict';
const path = require('node:path');

const DIST = path.resolve(__dirname, '../../dist');
const { freshDatabase } = require(`${DIST}/libs/testing/src`);
const { openDataSource } = require(`${DIST}/libs/persistence/src`);
const { auditPersistence, AuditStore } = require(`${DIST}/apps/audit/src`);

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const ROWS = Number(arg('rows', 1_000_000));
const DAYS = Number(arg('days', 90));
const USERS = Number(arg('users', 5000));
const RUNS = Number(arg('runs', 300));
const KEEP = arg('keep', false) === true;
const DB_URL = arg('db', undefined);
const DAY = 86_400_000;

const rand = (n) => Math.floor(Math.random() * n);
function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

(async () => {
  const db = DB_URL ? { url: DB_URL, drop: async () => undefined } : await freshDatabase();
  const ds = await openDataSource(
    { url: db.url, features: [auditPersistence], poolSize: 2, migrationsSchema: 'audit' },
    { migrate: true },
  );
  const store = new AuditStore(ds, { partitionInterval: 'month' });
  const now = new Date();
  const start = new Date(now.getTime() - DAYS * DAY);
  try {
    const [{ n: existing }] = await ds.query(`SELECT count(*) AS n FROM audit.events`);
    if (Number(existing) < ROWS) {
      await store.partitions.ensureCovering(
        Array.from(
          { length: Math.ceil(DAYS / 28) + 2 },
          (_, i) => new Date(start.getTime() + i * 28 * DAY),
        ).concat([now]),
      );
      const t0 = Date.now();
      const CHUNK = 1_000_000;
      for (let from = Number(existing) + 1; from <= ROWS; from += CHUNK) {
        const to = Math.min(ROWS, from + CHUNK - 1);
        const c0 = Date.now();
        await ds.query(
          `INSERT INTO audit.events (tenant_id, seq, occurred_at, recorded_at, event_id, event_type, event_version, kind, call_id, phase,
             outcome, user_id, user_email, client_id, client_name, client_type, server_id, tool, classification, denial_reason,
             latency_ms, protocol_version, arguments, result_summary, verbosity, action, actor_type, resource_type, resource_id, summary,
             prev_hash, hash)
           SELECT CASE WHEN g % 10 < 8 THEN 'acme' WHEN g % 10 = 8 THEN 'globex' ELSE 'initech' END,
                  g, ts, ts + interval '50 milliseconds', gen_random_uuid(),
                  CASE WHEN g % 20 = 0 THEN 'audit.admin-action' ELSE 'audit.tool-call' END, 1,
                  CASE WHEN g % 20 = 0 THEN 'admin' ELSE 'tool_call' END,
                  CASE WHEN g % 20 = 0 THEN NULL ELSE 'call-' || (g / 2) END,
                  CASE WHEN g % 20 = 0 THEN NULL WHEN g % 2 = 0 THEN 'intent' ELSE 'outcome' END,
                  CASE WHEN g % 20 = 0 THEN NULL WHEN g % 2 = 0 THEN 'intent' WHEN g % 13 = 0 THEN 'denied' WHEN g % 29 = 0 THEN 'allowed_error' ELSE 'allowed_success' END,
                  'user-' || u, 'user' || u || '@example.com', 'client-' || (g % 20), 'Client ' || (g % 20), 'personal', 'okta',
                  'okta_tool_' || (g % 40), 'read',
                  CASE WHEN g % 13 = 0 AND g % 2 = 1 THEN 'tool not in your access profile' END,
                  (g % 500)::float8, '2025-11-25',
                  jsonb_build_object('search', 'profile.lastName eq "Smith' || g || '"', 'limit', 200),
                  'returned ' || (g % 200) || ' users', 'standard',
                  CASE WHEN g % 20 = 0 THEN 'tool.approved' END, CASE WHEN g % 20 = 0 THEN 'user' END,
                  CASE WHEN g % 20 = 0 THEN 'tool' END, CASE WHEN g % 20 = 0 THEN 'tool-' || (g % 40) END,
                  CASE WHEN g % 20 = 0 THEN 'approved tool ' || (g % 40) END,
                  '\\x00'::bytea, '\\x00'::bytea
             FROM (SELECT g, $1::timestamptz + (random() * $2) * interval '1 millisecond' AS ts, (random() * $3)::int AS u
                     FROM generate_series($4::bigint, $5::bigint) g) s`,
          [start.toISOString(), DAYS * DAY, USERS - 1, from, to],
        );
        console.log(
          `  loaded ${to.toLocaleString('en')} rows (${((Date.now() - c0) / 1000).toFixed(1)} s for this chunk)`,
        );
      }
      await ds.query(`ANALYZE audit.events`);
      console.log(`loaded ${ROWS.toLocaleString('en')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const [{ size }] = await ds.query(
      `SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) AS size FROM pg_inherits WHERE inhparent = 'audit.events'::regclass`,
    );
    console.log(`audit.events: ${ROWS.toLocaleString('en')} rows, ${size} with indexes`);

    const span = (days) => {
      const to = new Date(start.getTime() + days * DAY + Math.random() * (DAYS - days) * DAY);
      return { from: new Date(to.getTime() - days * DAY), to };
    };
    const base = { tenantId: 'acme', view: 'records', order: 'desc', limit: 100 };
    const scenarios = {
      'user + 7-day range (first page)': () => ({ ...base, user: `user-${rand(USERS)}`, ...span(7) }),
      'user + 30-day range, calls view': () => ({
        ...base,
        view: 'calls',
        user: `user-${rand(USERS)}`,
        ...span(30),
      }),
      'user email + 7-day range': () => ({ ...base, user: `user${rand(USERS)}@example.com`, ...span(7) }),
      'tool + 1-day range': () => ({ ...base, tool: `okta_tool_${rand(40)}`, ...span(1) }),
      'outcome=denied + 7-day range': () => ({ ...base, outcome: 'denied', ...span(7) }),
      'newest page, no filter (calls view)': () => ({ ...base, view: 'calls' }),
      'free text q (0.5% match) + 1-day range': () => ({
        ...base,
        q: `returned ${rand(200)} users`,
        ...span(1),
      }),
      'free text q (no match) + 1-day range': () => ({
        ...base,
        q: `no-such-text-${rand(ROWS)}`,
        ...span(1),
      }),
    };
    const results = {};
    for (const [name, make] of Object.entries(scenarios)) {
      const times = [];
      let rows = 0;
      for (let i = 0; i < RUNS; i++) {
        const q = make();
        const t = process.hrtime.bigint();
        const page = await store.records.find(q);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        rows += page.length;
      }
      times.sort((a, b) => a - b);
      results[name] = {
        p50: +pct(times, 50).toFixed(2),
        p95: +pct(times, 95).toFixed(2),
        p99: +pct(times, 99).toFixed(2),
        avgRows: Math.round(rows / RUNS),
      };
      console.log(
        `${name.padEnd(40)} p50 ${results[name].p50.toFixed(2).padStart(8)} ms   p95 ${results[name].p95.toFixed(2).padStart(8)} ms   p99 ${results[name].p99.toFixed(2).padStart(8)} ms   (${results[name].avgRows} rows/page)`,
      );
    }
    // Keyset pagination: 20 consecutive pages (50 rows each) of one tool's 30 days.
    const pageTimes = [];
    for (let i = 0; i < Math.max(10, RUNS / 20); i++) {
      let q = { ...base, tool: `okta_tool_${rand(40)}`, ...span(30), limit: 50 };
      for (let p = 0; p < 20; p++) {
        const t = process.hrtime.bigint();
        const page = await store.records.find(q);
        pageTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (page.length < 50) break;
        const last = page[page.length - 1];
        q = { ...q, after: { ts: last.occurredAt, seq: last.seq } };
      }
    }
    pageTimes.sort((a, b) => a - b);
    results['tool + 30 days, pages 1..20 via cursor'] = {
      p50: +pct(pageTimes, 50).toFixed(2),
      p95: +pct(pageTimes, 95).toFixed(2),
      p99: +pct(pageTimes, 99).toFixed(2),
    };
    console.log(
      `${'tool + 30 days, pages 1..20 via cursor'.padEnd(40)} p50 ${pct(pageTimes, 50).toFixed(2).padStart(8)} ms   p95 ${pct(pageTimes, 95).toFixed(2).padStart(8)} ms   p99 ${pct(pageTimes, 99).toFixed(2).padStart(8)} ms`,
    );
    console.log(JSON.stringify({ rows: ROWS, days: DAYS, users: USERS, runs: RUNS, size, results }));
  } finally {
    await ds.destroy();
    if (!KEEP) await db.drop();
    else console.log(`kept database ${db.url}`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
