#!/usr/bin/env node
// Measures the Okta simulator's own throughput so gateway benchmarks can show it is not the bottleneck.
//
//   node scripts/bench/okta-sim-bench.js [--duration 5] [--concurrency 32] [--size demo|load] [--in-process]
//
// By default the simulator runs in a child process (so the load generator does not share its event
// loop) from the compiled dist/ output — run `npm run build` first. Rate limiting is disabled for the
// run. Prints one JSON line per scenario: {scenario, requests, rps, p50_ms, p99_ms, errors, ...}.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Pool } = require('undici');

const DIST_INDEX = path.resolve(__dirname, '../../dist/apps/okta-sim/src/index.js');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

const durationS = Number(arg('duration', 5));
const concurrency = Number(arg('concurrency', 32));
const size = String(arg('size', 'demo'));
const inProcess = arg('in-process', false) === true;

// Code run by the simulator process: start, mint a bearer token for the super admin, report.
const SIM_MAIN = `
const { startOktaSim } = require(${JSON.stringify(DIST_INDEX)});
(async () => {
  const sim = await startOktaSim({ size: ${JSON.stringify(size)}, rateLimit: { enabled: false }, seedLogEvents: 100 });
  const { accessToken } = sim.issueAccessToken({ user: sim.fixtures.superAdmin.login, scopes: ['okta.users.read'] });
  process.stdout.write(JSON.stringify({ url: sim.url, token: accessToken }) + '\\n');
  process.on('SIGTERM', () => sim.close().then(() => process.exit(0)));
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function startSim() {
  if (inProcess) {
    const { startOktaSim } = require(DIST_INDEX);
    const sim = await startOktaSim({ size, rateLimit: { enabled: false }, seedLogEvents: 100 });
    const { accessToken } = sim.issueAccessToken({
      user: sim.fixtures.superAdmin.login,
      scopes: ['okta.users.read'],
    });
    return { url: sim.url, token: accessToken, stop: () => sim.close() };
  }
  const child = spawn(process.execPath, ['-e', SIM_MAIN], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    ...info,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

async function run(scenario, origin, reqPath, headers) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  // Warm-up: open connections and JIT the handlers.
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < 20; i++) {
        const r = await pool.request({ path: reqPath, method: 'GET', headers });
        await r.body.dump();
      }
    }),
  );
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + durationS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const r = await pool.request({ path: reqPath, method: 'GET', headers });
          await r.body.dump();
          if (r.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const round = (n) => Math.round(n * 100) / 100;
  return {
    scenario,
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    errors,
    concurrency,
    duration_s: round(elapsed),
    mode: inProcess ? 'in-process' : 'child-process',
  };
}

(async () => {
  const sim = await startSim();
  const origin = new URL(sim.url).origin;
  const headers = { authorization: `Bearer ${sim.token}`, accept: 'application/json' };
  try {
    const results = [];
    results.push(await run('GET /api/v1/users?limit=20', origin, '/api/v1/users?limit=20', headers));
    results.push(await run('GET /api/v1/users/me', origin, '/api/v1/users/me', headers));
    for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  } finally {
    await sim.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
