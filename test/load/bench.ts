/**
 * `npm run bench` — Portcullis benchmarks. Measures what the gateway adds to each tool call, side
 * by side with the same call made straight to the upstream, in one run, plus tools/list at 500
 * tools, the policy decision and cache in isolation, revocation propagation across 3 replicas,
 * and embedded start-up. Loopback only; every loop is bounded in time and count.
 *
 *   node dist/test/load/bench.js [--smoke] [--runs N] [--seconds S] [--out FILE] [--only a,b]
 *
 * --smoke: seconds-long runs of every scenario so CI keeps the harness working (figures not kept).
 */
import { type ChildProcess, spawn } from 'node:child_process';

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MemoryCache, RedisCache } from '@portcullis/cache';
import { PolicySnapshotPublished } from '@portcullis/contracts';
import { KafkaEventBus } from '@portcullis/messaging';
import { callableTools, compilePolicy, decide, emptySnapshot, type Snapshot } from '@portcullis/policy';
import { freePort, REPO_ROOT, uniqueTopicPrefix } from '@portcullis/testing';
import { startAuthStandIn, type AuthStandIn } from '../../apps/gateway/src/testing/auth-stand-in';
import { closedLoop, expectResult, fixedRate, type LoadResult, MCP_HEADERS, toolsCallBody, toolsListBody } from './load-generator';

interface Args {
  smoke: boolean;
  /** Fixed rate for the latency comparison (kept below the gateway's capacity, so latency is not queueing). */
  rate: number;
  runs: number;
  seconds: number;
  out: string;
  only?: Set<string>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { smoke: false, rate: 100, runs: 3, seconds: 10, out: join(REPO_ROOT, 'bench-results', 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--smoke') a.smoke = true;
    else if (v === '--runs') a.runs = Number(argv[++i]);
    else if (v === '--seconds') a.seconds = Number(argv[++i]);
    else if (v === '--rate') a.rate = Number(argv[++i]);
    else if (v === '--out') a.out = resolve(argv[++i]!);
    else if (v === '--only') a.only = new Set(argv[++i]!.split(','));
    else throw new Error(`unknown argument ${v}`);
  }
  if (a.smoke) {
    a.runs = 1;
    a.seconds = 1;
  }
  return a;
}

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

// ---------------------------------------------------------------- processes

interface Child {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Extra node flags for gateway processes, e.g. BENCH_GATEWAY_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const GATEWAY_NODE_FLAGS = (process.env['BENCH_GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);

function startChild(entry: string, args: string[], env: Record<string, string>, core?: number, nodeFlags: string[] = []): Promise<Child> {
  const readyUrl = entry === GATEWAY_MAIN ? `http://127.0.0.1:${env['PORT']}` : undefined;
  const cmd = core === undefined ? process.execPath : 'taskset';
  const node = [...nodeFlags, entry, ...args];
  const argv = core === undefined ? node : ['-c', String(core), process.execPath, ...node];
  const proc = spawn(cmd, argv, { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in 60 s:\n${out.slice(-2000)}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({
          proc,
          url: m[1]!,
          stop: () =>
            new Promise((r) => {
              if (proc.exitCode !== null) return r();
              proc.once('exit', () => r());
              proc.kill('SIGTERM');
              setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    if (readyUrl) {
      // Service processes log at warn in benchmarks: poll readiness instead of reading a banner.
      const poll = async () => {
        while (proc.exitCode === null) {
          try {
            if ((await fetch(`${readyUrl}/readyz`)).ok) return onData(Buffer.from(`READY ${readyUrl}\n`));
          } catch {
            /* not listening yet */
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${out.slice(-2000)}`));
    });
  });
}

const PROCESSES = join(REPO_ROOT, 'dist/test/load/processes.js');

/** CPU seconds (user + system) a child process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;
const GATEWAY_MAIN = join(REPO_ROOT, 'dist/apps/gateway/src/main.js');

// ---------------------------------------------------------------- policy fixtures

function snapshotFor(upstreams: { id: string; url: string; tools: string[] }[], version: number, bound = true): Snapshot {
  const s = emptySnapshot(version);
  for (const u of upstreams) {
    s.servers.push({ id: u.id, kind: 'remote', displayName: u.id, toolPrefix: u.id.replace(/[^a-z0-9]/g, '').slice(0, 20), upstreamUrl: u.url, credentialMode: 'none', paused: false });
    for (const t of u.tools) {
      s.tools.push({
        id: `${u.id}:${t}`,
        serverId: u.id,
        name: t,
        state: 'approved',
        classification: 'read',
        definitionHash: 'h',
        definition: {
          name: t,
          description: `Echoes the message back. A realistic description of a tool that does one thing well, with guidance for the model (${t}).`,
          inputSchema: { type: 'object', properties: { message: { type: 'string', maxLength: 1000, description: 'Text to echo' }, limit: { type: 'integer', minimum: 1, maximum: 200 } }, additionalProperties: false },
          annotations: { readOnlyHint: true, openWorldHint: false },
        },
      });
    }
  }
  s.toolsets.push({ id: 'ts-all', name: 'All', toolIds: s.tools.map((t) => t.id) });
  s.profiles.push({ id: 'p-bench', name: 'Bench users', toolsetIds: bound ? ['ts-all'] : [], subjects: [{ type: 'group', value: 'bench' }] });
  return s;
}

// ---------------------------------------------------------------- scenarios

interface ScenarioResult {
  scenario: string;
  mode?: 'embedded' | 'distributed';
  metrics: Record<string, number>;
  notes?: string;
}

type Env = Record<string, string>;

async function withGateway<T>(
  mode: 'embedded' | 'distributed',
  auth: AuthStandIn,
  snapshot: Snapshot,
  fn: (gatewayUrl: string, token: string, gateway: Child) => Promise<T>,
  extraEnv: Env = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-'));
  const seed = join(dir, 'policy.json');
  writeFileSync(seed, JSON.stringify(snapshot));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  gatewayUrlHolder.url = publicUrl;
  const env: Env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    AUTH_INTERNAL_URL: auth.url,
    INTERNAL_SERVICE_SECRET: 'b'.repeat(40),
    POLICY_SEED_FILE: seed,
    LOG_LEVEL: 'warn',
    PORTCULLIS_TENANT_ID: 'bench',
    ...extraEnv,
  };
  const child =
    mode === 'embedded'
      ? await startChild(PROCESSES, ['gateway-embedded'], { ...env, PORTCULLIS_MODE: 'embedded' }, 1, GATEWAY_NODE_FLAGS)
      : await startChild(GATEWAY_MAIN, [], { ...env, ...distributedEnv(), PORTCULLIS_MODE: 'distributed' }, 1, GATEWAY_NODE_FLAGS);
  try {
    const token = await auth.mint({ sub: 'bench-user', email: 'bench@example.com', groups: ['bench'] });
    return await fn(publicUrl, token, child);
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const gatewayUrlHolder = { url: '' };
let topicPrefix = '';

function distributedEnv(): Env {
  const e = process.env;
  if (!e['KAFKA_BROKERS'] || !e['REDIS_URL']) throw new Error('distributed scenarios need KAFKA_BROKERS and REDIS_URL (eval "$(bash scripts/services.sh env)")');
  return { KAFKA_BROKERS: e['KAFKA_BROKERS'], REDIS_URL: e['REDIS_URL'], KAFKA_TOPIC_PREFIX: topicPrefix };
}

async function callLatency(args: Args, auth: AuthStandIn, upstreamUrl: string, mode: 'embedded' | 'distributed'): Promise<ScenarioResult[]> {
  const snap = snapshotFor([{ id: 'echo', url: upstreamUrl, tools: ['echo'] }], 1);
  return withGateway(mode, auth, snap, async (gw, token, gateway) => {
    const direct = { url: upstreamUrl, headers: MCP_HEADERS, body: toolsCallBody('echo', { message: 'hello' }), check: expectResult };
    const via = { url: `${gw}/mcp`, headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: toolsCallBody('echo_echo', { message: 'hello' }), check: expectResult };
    const rate = args.smoke ? 50 : args.rate;
    const warm = args.smoke ? 0.5 : 2;
    const d = await fixedRate(direct, { rate, seconds: args.seconds, warmupSeconds: warm });
    const g = await fixedRate(via, { rate, seconds: args.seconds, warmupSeconds: warm });
    // Saturation: the gateway's own CPU per call too (from /proc), a figure other load on the machine
    // does not distort the way it distorts calls/s; 1 / cpu-per-call is what one core sustains.
    await closedLoop(via, { concurrency: 32, seconds: warm, warmupSeconds: 0 });
    const cpuBefore = cpuSeconds(gateway.proc.pid);
    const sat = await closedLoop(via, { concurrency: 32, seconds: args.seconds, warmupSeconds: 0 });
    const cpuPerCallUs = ((cpuSeconds(gateway.proc.pid) - cpuBefore) / Math.max(1, sat.requests)) * 1e6;
    const satDirect = await closedLoop(direct, { concurrency: 32, seconds: args.seconds, warmupSeconds: warm });
    const added = (k: 'p50' | 'p90' | 'p99') => Math.round((g[k] - d[k]) * 1000) / 1000;
    const out: ScenarioResult[] = [
      {
        scenario: `tools/call at ${rate}/s: gateway vs direct`,
        mode,
        metrics: {
          direct_p50_ms: d.p50, direct_p90_ms: d.p90, direct_p99_ms: d.p99,
          gateway_p50_ms: g.p50, gateway_p90_ms: g.p90, gateway_p99_ms: g.p99,
          added_p50_ms: added('p50'), added_p90_ms: added('p90'), added_p99_ms: added('p99'),
          ratio_p50: Math.round((g.p50 / d.p50) * 100) / 100,
          errors: g.errors + d.errors,
        },
      },
      {
        scenario: 'tools/call saturation (32 concurrent, gateway pinned to one core)',
        mode,
        metrics: {
          gateway_rps: sat.rps, gateway_p50_ms: sat.p50, gateway_p99_ms: sat.p99, direct_rps: satDirect.rps, errors: sat.errors,
          gateway_cpu_us_per_call: Math.round(cpuPerCallUs), gateway_calls_per_cpu_second: Math.round(1e6 / cpuPerCallUs),
        },
      },
    ];
    return out;
  });
}

async function toolsList(args: Args, auth: AuthStandIn, mode: 'embedded' | 'distributed'): Promise<ScenarioResult> {
  const upstreams = Array.from({ length: 10 }, (_, i) => ({ id: `up${i}`, url: `http://127.0.0.1:9/mcp`, tools: Array.from({ length: 50 }, (_, j) => `tool_${j}`) }));
  const snap = snapshotFor(upstreams, 1);
  return withGateway(mode, auth, snap, async (gw, token) => {
    const target = {
      url: `${gw}/mcp`,
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: toolsListBody(),
      check: (t: string) => {
        if ((t.match(/"name":"up\d_tool_\d+"/g) ?? []).length !== 500) throw new Error(`expected 500 tools: ${t.slice(0, 200)}`);
      },
    };
    // One caller at a time: the target is the latency of a tools/list, not of a queue of them.
    const r: LoadResult = await closedLoop(target, { concurrency: 1, seconds: args.seconds, warmupSeconds: args.smoke ? 0.5 : 2 });
    return { scenario: 'tools/list with 500 entitled tools across 10 upstreams', mode, metrics: { p50_ms: r.p50, p90_ms: r.p90, p99_ms: r.p99, rps: r.rps, errors: r.errors } };
  });
}

function opsPerSecond(fn: (i: number) => unknown, ms: number): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) fn(n++);
  }
  return Math.round(n / (ms / 1000));
}

async function isolation(args: Args): Promise<ScenarioResult[]> {
  const upstreams = Array.from({ length: 10 }, (_, i) => ({ id: `up${i}`, url: 'http://127.0.0.1:9/mcp', tools: Array.from({ length: 50 }, (_, j) => `tool_${j}`) }));
  const policy = compilePolicy(snapshotFor(upstreams, 1));
  const caller = { userId: 'u', groups: ['bench', 'other'], clientId: 'c', clientType: 'personal' as const };
  const ms = args.smoke ? 200 : 2000;
  const decideOps = opsPerSecond((i) => decide(policy, caller, `up${i % 10}_tool_${i % 50}`), ms);
  const listOps = opsPerSecond(() => callableTools(policy, caller), ms);
  const mem = new MemoryCache();
  await mem.set('k', 'v'.repeat(1200), 60_000);
  let memOps = 0;
  {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let k = 0; k < 1000; k++) await mem.get('k');
      memOps += 1000;
    }
  }
  await mem.close();
  const metrics: Record<string, number> = { decide_ops_per_s: decideOps, callable_tools_500_ops_per_s: listOps, memory_cache_get_ops_per_s: Math.round(memOps / (ms / 1000)) };
  if (process.env['REDIS_URL']) {
    const redis = new RedisCache({ url: process.env['REDIS_URL'], keyPrefix: 'bench:' });
    await redis.set('k', 'v'.repeat(1200), 60_000);
    let n = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await Promise.all(Array.from({ length: 50 }, () => redis.get('k')));
      n += 50;
    }
    metrics['redis_cache_get_ops_per_s'] = Math.round(n / (ms / 1000));
    await redis.close();
  }
  return [{ scenario: 'policy decision and token-cache lookups in isolation', metrics }];
}

async function revocation(args: Args, auth: AuthStandIn, upstreamUrl: string): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-rev-'));
  const seed = join(dir, 'policy.json');
  const up = [{ id: 'echo', url: upstreamUrl, tools: ['echo'] }];
  const prefix = uniqueTopicPrefix();
  const bus = new KafkaEventBus({ brokers: distributedEnv()['KAFKA_BROKERS']!.split(','), clientId: 'bench', topicPrefix: prefix });
  await bus.start();
  // Governance's role: publish the starting snapshot on the bus (gateways read it from the beginning).
  await bus.publish(PolicySnapshotPublished, snapshotFor(up, 1), { tenantId: 'bench' });
  writeFileSync(seed, JSON.stringify(snapshotFor(up, 1)));
  const replicas: Child[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      replicas.push(
        await startChild(GATEWAY_MAIN, [], {
          PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: 'http://127.0.0.1:1', AUTH_INTERNAL_URL: auth.url, AUTH_ISSUER_URL: 'http://127.0.0.1:1',
          INTERNAL_SERVICE_SECRET: 'b'.repeat(40), LOG_LEVEL: 'warn', PORTCULLIS_TENANT_ID: 'bench', PORTCULLIS_MODE: 'distributed',
          KAFKA_BROKERS: distributedEnv()['KAFKA_BROKERS']!, REDIS_URL: distributedEnv()['REDIS_URL']!, KAFKA_TOPIC_PREFIX: prefix,
        }).then((c) => ({ ...c, url: `http://127.0.0.1:${port}` })),
      );
    }
    gatewayUrlHolder.url = 'http://127.0.0.1:1';
    const token = await auth.mint({ sub: 'bench-user', groups: ['bench'], aud: 'http://127.0.0.1:1/mcp', iss: 'http://127.0.0.1:1' });
    const call = async (url: string) => {
      const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: toolsCallBody('echo_echo', { message: 'x' })(1) });
      return res.text();
    };
    // Every replica allows the call before the revoke.
    for (const r of replicas) {
      const deadline = Date.now() + 30_000;
      while (!(await call(r.url)).includes('"result"') || (await call(r.url)).includes('"isError":true')) {
        if (Date.now() > deadline) throw new Error('replica never allowed the call before the revoke');
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    const runs = args.smoke ? 1 : 5;
    const samples: number[][] = [[], [], []];
    for (let run = 0; run < runs; run++) {
      const revokedAt = performance.now();
      await bus.publish(PolicySnapshotPublished, snapshotFor(up, 2 + run * 2, false), { tenantId: 'bench' });
      await Promise.all(
        replicas.map(async (r, i) => {
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline) {
            if ((await call(r.url)).includes('not_entitled')) {
              samples[i]!.push(performance.now() - revokedAt);
              return;
            }
          }
          samples[i]!.push(NaN);
        }),
      );
      await bus.publish(PolicySnapshotPublished, snapshotFor(up, 3 + run * 2, true), { tenantId: 'bench' });
      await new Promise((res) => setTimeout(res, 500));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const all = samples.flat();
    return {
      scenario: 'revocation propagation: admin revoke → first denied call, 3 gateway replicas over Kafka',
      mode: 'distributed',
      metrics: {
        replica1_ms: Math.round(median(samples[0]!)),
        replica2_ms: Math.round(median(samples[1]!)),
        replica3_ms: Math.round(median(samples[2]!)),
        worst_ms: Math.round(Math.max(...all)),
      },
    };
  } finally {
    for (const r of replicas) await r.stop();
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function embeddedStartup(args: Args): Promise<ScenarioResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-bench-emb-'));
  // The built-in Okta simulator and Okta MCP server get free ports of their own (by default they
  // take PORT+10 and PORT+11, which on a busy machine may belong to someone else's connection), and
  // keep them for the warm start: the demo data records the simulator's URL.
  const [simPort, oktaMcpPort] = [await freePort(), await freePort()];
  const boot = async () => {
    const port = await freePort();
    const started = performance.now();
    const proc = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps/portcullis/src/main.js')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        PORT: String(port),
        OKTA_SIM_PORT: String(simPort),
        OKTA_MCP_PORT: String(oktaMcpPort),
        PORTCULLIS_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`embedded Portcullis did not become healthy (${proc.exitCode !== null ? `exited with ${proc.exitCode}` : 'timed out after 60 s'}); its stderr ended: ${stderr.slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, args.smoke ? 500 : 5000));
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    await new Promise<void>((r) => {
      proc.once('exit', () => r());
      proc.kill('SIGTERM');
    });
    return { ms, rssMb: rssKb / 1024 };
  };
  try {
    const first = await boot();
    const warm = await boot();
    return {
      scenario: 'embedded mode: start-up to first healthy response, memory at rest',
      mode: 'embedded',
      metrics: { first_start_ms: Math.round(first.ms), warm_start_ms: Math.round(warm.ms), rss_at_rest_mb: Math.round(warm.rssMb) },
      notes: 'first start creates the embedded database; warm start reuses the data directory',
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- aggregation

function aggregate(runs: ScenarioResult[][]): (ScenarioResult & { spread: Record<string, [number, number]> })[] {
  const byKey = new Map<string, ScenarioResult[]>();
  for (const run of runs) for (const r of run) byKey.set(`${r.scenario}|${r.mode ?? ''}`, [...(byKey.get(`${r.scenario}|${r.mode ?? ''}`) ?? []), r]);
  return [...byKey.values()].map((rs) => {
    const metrics: Record<string, number> = {};
    const spread: Record<string, [number, number]> = {};
    for (const k of Object.keys(rs[0]!.metrics)) {
      const xs = rs.map((r) => r.metrics[k]!).sort((a, b) => a - b);
      metrics[k] = xs[Math.floor(xs.length / 2)]!;
      spread[k] = [xs[0]!, xs[xs.length - 1]!];
    }
    return { ...rs[0]!, metrics, spread };
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const want = (s: string) => !args.only || args.only.has(s);
  topicPrefix = uniqueTopicPrefix();
  const auth = await startAuthStandIn({
    issuer: () => gatewayUrlHolder.url,
    audience: () => `${gatewayUrlHolder.url}/mcp`,
    broker: async () => ({ status: 'ok' }),
  });
  const upPort = await freePort();
  // The fast upstream: a hand-written MCP server (the SDK-built one saturates at ~600 calls/s here).
  const upstream = await startChild(PROCESSES, ['raw-echo-upstream', '1', String(upPort)], {}, 0);
  const runs: ScenarioResult[][] = [];
  const started = Date.now();
  try {
    for (let run = 0; run < args.runs; run++) {
      log(`run ${run + 1}/${args.runs}`);
      const results: ScenarioResult[] = [];
      for (const mode of ['embedded', 'distributed'] as const) {
        if (want('call')) results.push(...(await callLatency(args, auth, upstream.url, mode)));
        if (want('list')) results.push(await toolsList(args, auth, mode));
      }
      if (want('isolation')) results.push(...(await isolation(args)));
      if (want('revocation')) results.push(await revocation(args, auth, upstream.url));
      if (want('startup')) results.push(await embeddedStartup(args));
      for (const r of results) log(`${r.scenario}${r.mode ? ` [${r.mode}]` : ''}: ${JSON.stringify(r.metrics)}`);
      runs.push(results);
    }
  } finally {
    await upstream.stop();
    await auth.close();
  }
  const summary = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    command: `node dist/test/load/bench.js ${process.argv.slice(2).join(' ')}`.trim(),
    runs: args.runs,
    secondsPerMeasurement: args.seconds,
    smoke: args.smoke,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results: aggregate(runs),
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(summary, null, 2) + '\n');
  log(`results written to ${args.out}`);
  process.stdout.write(`${JSON.stringify(summary.results.map((r) => ({ scenario: r.scenario, mode: r.mode, ...r.metrics })))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${(err as Error).stack}\n`);
  process.exit(1);
});


