/**
 * The container image and the compose file, checked where no Docker engine exists: the Dockerfile's
 * structure (pinned bases, non-root user, only what exists gets copied, a node-based health check),
 * the launcher it runs (for real, against the compiled services), and that docker/compose.yaml
 * gives every service an environment its own configuration code accepts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { configProblems, parseYaml, platformNeeds, root } from './support';

/** Services with a database (their compiled ServiceDefinitions say so): each gets a migration. */
const MIGRATING = ['auth', 'governance', 'discovery', 'audit'].filter((s) => platformNeeds(s)?.database);

// ---------------------------------------------------------------------------------------------- Dockerfile parsing

interface Instruction {
  op: string;
  args: string;
  line: number;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      line = line.slice(0, -1) + ' ' + (/^\s*#/.test(next) ? '' : next.trim());
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

function stages(instructions: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      out.push({ name: m[2] ?? String(out.length), from: m[1]!, instructions: [] });
    } else if (out.length) {
      out[out.length - 1]!.instructions.push(ins);
    }
  }
  return out;
}

/** COPY/ADD flags and sources/destination. */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const flags: Record<string, string> = {};
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  while (words[0]?.startsWith('--')) {
    const [k, v] = words.shift()!.slice(2).split('=');
    flags[k!] = v ?? 'true';
  }
  return { flags, sources: words.slice(0, -1), dest: words[words.length - 1]! };
}

// .dockerignore semantics: last matching pattern wins, "!" re-includes, a match on a parent folder covers its files.
function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      const re = pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*)'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (file: string) => {
    const parts = file.split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.re.test(parts.slice(0, i).join('/'))) {
          excluded = !rule.negate;
          break;
        }
      }
    }
    return excluded;
  };
}

const dockerfileText = readFileSync(path.join(root, 'docker', 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfileText);
const allStages = stages(instructions);
const finalStage = allStages[allStages.length - 1]!;
const excluded = dockerignore(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
const argDefaults = new Map(
  instructions
    .filter((i) => i.op === 'ARG' && i.args.includes('='))
    .map((i) => [i.args.split('=')[0]!, i.args.slice(i.args.indexOf('=') + 1)] as const),
);
const resolveArgs = (s: string) =>
  s.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string, b: string) => argDefaults.get(a ?? b) ?? m);

describe('docker/Dockerfile', () => {
  test('base images are pinned to an exact version (or digest), never a floating tag', () => {
    const stageNames = new Set(allStages.map((s) => s.name));
    for (const s of allStages) {
      if (stageNames.has(s.from)) continue;
      const image = resolveArgs(s.from);
      assert.match(
        image,
        /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[a-f0-9]{64})?$|@sha256:[a-f0-9]{64}$/,
        `stage ${s.name} uses ${image}`,
      );
      assert.doesNotMatch(image, /:latest\b/);
    }
    assert.match(
      resolveArgs(allStages[0]!.from),
      /^node:20\.\d+\.\d+-bookworm-slim/,
      'Node 20 on Debian bookworm',
    );
  });

  test('multi-stage: builder compiles, a production-only install feeds the runtime', () => {
    assert.ok(allStages.length >= 3, 'build, deps and runtime stages');
    const run = (s: Stage) =>
      s.instructions
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join('\n');
    const build = allStages.find((s) => /npm run build/.test(run(s)));
    const deps = allStages.find((s) => /npm ci\b[^\n]*--omit=dev/.test(run(s)));
    assert.ok(build, 'a stage runs npm run build');
    assert.ok(deps, 'a stage runs npm ci --omit=dev');
    const fromStages = finalStage.instructions.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args));
    assert.ok(
      fromStages.some(
        (c) => c.flags['from'] === deps.name && c.sources.some((x) => x.endsWith('node_modules')),
      ),
      'node_modules from the production install',
    );
    assert.ok(
      fromStages.some((c) => c.flags['from'] === build.name && c.sources.some((x) => x.endsWith('dist'))),
      'dist from the build',
    );
    assert.ok(
      !fromStages.some(
        (c) => c.flags['from'] === build.name && c.sources.some((x) => x.endsWith('node_modules')),
      ),
      'no dev dependencies in the image',
    );
    for (const s of allStages)
      assert.doesNotMatch(run(s), /\b(curl|wget)\b/, `stage ${s.name} downloads nothing outside npm`);
    assert.ok(!instructions.some((i) => i.op === 'ADD'), 'COPY, not ADD');
  });

  test('every path COPY reads exists in the repository and is in the build context', () => {
    for (const s of allStages) {
      for (const ins of s.instructions.filter((i) => i.op === 'COPY')) {
        const { flags, sources } = copyArgs(ins.args);
        if (flags['from']) continue;
        for (const src of sources) {
          const rel = src.replace(/\/+$/, '');
          assert.ok(existsSync(path.join(root, rel)), `line ${ins.line}: COPY ${src} does not exist`);
          assert.ok(!excluded(rel), `line ${ins.line}: COPY ${src} is excluded by .dockerignore`);
        }
      }
    }
  });

  test('the build context has what the build needs and none of the local state', () => {
    for (const f of [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'tsconfig.build.json',
      'scripts/link-dist.js',
      'apps/gateway/src/main.ts',
      'libs/runtime/src/service.ts',
      'apps/auth/package.json',
      'docker/entrypoint.js',
    ]) {
      assert.ok(!excluded(f), `${f} must be in the build context`);
    }
    for (const f of [
      'node_modules/yaml/package.json',
      'dist/apps/gateway/src/main.js',
      'apps/auth/node_modules/x',
      '.git/config',
      '.portcullis/secrets.json',
      'apps/gateway/src/gateway.config.test.ts',
      'helm/portcullis/values.yaml',
      '.env',
    ]) {
      assert.ok(excluded(f), `${f} must stay out of the build context`);
    }
  });

  test('the runtime runs as uid 10001 from /app with only dist, node_modules and package.json', () => {
    const users = finalStage.instructions.filter((i) => i.op === 'USER');
    assert.ok(users.length > 0, 'a USER instruction');
    const user = users[users.length - 1]!.args;
    assert.match(user, /^10001(:10001)?$/);
    const workdirs = finalStage.instructions.filter((i) => i.op === 'WORKDIR');
    assert.equal(workdirs[workdirs.length - 1]!.args, '/app');
    const dests = finalStage.instructions
      .filter((i) => i.op === 'COPY')
      .map((i) => copyArgs(i.args).dest.replace(/^\.\//, '').replace(/\/$/, ''));
    assert.deepEqual([...dests].sort(), ['dist', 'docker/entrypoint.js', 'node_modules', 'package.json']);
  });

  test('the entrypoint is the launcher; the health check is node-based', () => {
    const entrypoint = finalStage.instructions.find((i) => i.op === 'ENTRYPOINT')!;
    assert.deepEqual(JSON.parse(entrypoint.args), ['node', '/app/docker/entrypoint.js']);
    const hc = finalStage.instructions.find((i) => i.op === 'HEALTHCHECK')!;
    assert.ok(hc, 'HEALTHCHECK');
    assert.match(hc.args, /CMD \["node", "\/app\/docker\/entrypoint\.js", "healthcheck"\]/);
    assert.doesNotMatch(hc.args, /curl|wget/);
    const env = finalStage.instructions
      .filter((i) => i.op === 'ENV')
      .map((i) => i.args)
      .join(' ');
    assert.match(env, /PORTCULLIS_DATA_DIR=\/data/, 'embedded data lives on a mountable path, not in /app');
  });
});

// ---------------------------------------------------------------------------------------------- the launcher

const launcher = path.join(root, 'docker', 'entrypoint.js');
const runLauncher = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [launcher, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('docker/entrypoint.js', () => {
  test('maps every service to a compiled entry point', () => {
    for (const cmd of ['gateway', 'auth', 'governance', 'discovery', 'audit', 'okta-mcp', 'embedded']) {
      const r = runLauncher(['which', cmd]);
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.ok(statSync(r.stdout.trim()).isFile(), `${cmd} -> ${r.stdout.trim()}`);
      assert.ok(r.stdout.trim().startsWith(path.join(root, 'dist', 'apps')), cmd);
    }
  });

  test('refuses unknown commands and migrations of services without a database', () => {
    assert.equal(runLauncher(['bogus']).status, 2);
    assert.match(runLauncher(['migrate', 'gateway']).stderr, /has no migrations/);
    const { migratable } = JSON.parse(runLauncher(['commands']).stdout) as { migratable: string[] };
    for (const m of MIGRATING) assert.ok(migratable.includes(m), `the launcher migrates ${m}`);
    assert.match(runLauncher(['migrate']).stderr, /needs one or more/);
  });

  test('healthcheck exits 0 on a healthy /healthz and 1 otherwise', async () => {
    let status = 200;
    const server: Server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = String((server.address() as AddressInfo).port);
    const check = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [launcher, 'healthcheck', 'audit'], {
          env: { ...process.env, PORT: port },
          stdio: 'ignore',
        });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    try {
      assert.equal(await check(), 0);
      status = 503;
      assert.equal(await check(), 1);
    } finally {
      server.close();
    }
    const closed = await freePort();
    assert.equal(runLauncher(['healthcheck', 'gateway'], { PORT: String(closed) }).status, 1);
  });

  test('runs a real service in-process: okta-mcp answers the healthcheck and stops on SIGTERM', async () => {
    const port = String(await freePort());
    const child = spawn(process.execPath, [launcher, 'okta-mcp'], {
      env: {
        ...process.env,
        OKTA_MCP_PORT: port,
        HOST: '127.0.0.1',
        INTERNAL_SERVICE_SECRET: 'x'.repeat(40),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy && child.exitCode === null; i++) {
        healthy = runLauncher(['healthcheck', 'okta-mcp'], { OKTA_MCP_PORT: port }).status === 0;
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(healthy, `okta-mcp never became healthy: ${stderr}`);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `okta-mcp did not stop cleanly on SIGTERM: ${stderr}`);
  });
});

// ---------------------------------------------------------------------------------------------- compose

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  user?: string;
  read_only?: boolean;
  ports?: string[];
  healthcheck?: { test: string[] };
}

const compose = parseYaml<{ services: Record<string, ComposeService> }>(
  readFileSync(path.join(root, 'docker', 'compose.yaml'), 'utf8'),
);
/** Compose's ${VAR:-default} interpolation with an empty environment. */
const interpolate = (v: string) =>
  v.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _n: string, def: string | undefined) => def ?? '');
const envOf = (s: ComposeService) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]));
const portcullisServices = Object.entries(compose.services).filter(([, s]) =>
  s.image?.includes('portcullis'),
);

describe('docker/compose.yaml', () => {
  test('runs infrastructure, the Okta simulator, one-shot migrations and all six services', () => {
    const names = Object.keys(compose.services).sort();
    for (const n of [
      'postgres',
      'redis',
      'kafka',
      'okta-sim',
      ...MIGRATING.map((m) => `migrate-${m}`),
      'gateway',
      'auth',
      'governance',
      'discovery',
      'audit',
      'okta-mcp',
    ]) {
      assert.ok(names.includes(n), n);
    }
    for (const [name, s] of portcullisServices) {
      const cmd = s.command ?? [];
      assert.ok(cmd.length > 0, `${name} names its command`);
      const r = runLauncher(cmd[0] === 'migrate' ? ['which', cmd[1]!] : ['which', cmd[0]!]);
      assert.equal(r.status, 0, `${name}: the launcher does not know ${cmd.join(' ')}`);
      assert.equal(s.user, '10001:10001', `${name} runs as 10001`);
      assert.equal(s.read_only, true, `${name} has a read-only root filesystem`);
    }
  });

  test('Kafka is a single KRaft node with replication factor 1', () => {
    const k = envOf(compose.services['kafka']!);
    assert.equal(k['KAFKA_PROCESS_ROLES'], 'broker,controller');
    assert.equal(k['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR'], '1');
    assert.equal(k['KAFKA_DEFAULT_REPLICATION_FACTOR'], '1');
    assert.match(k['CLUSTER_ID'] ?? '', /^[A-Za-z0-9_-]{22}$/, 'a KRaft cluster id is a base64 UUID');
    for (const [name, s] of portcullisServices) {
      if (s.environment?.['KAFKA_BROKERS'] !== undefined)
        assert.equal(envOf(s)['KAFKA_REPLICATION_FACTOR'], '1', name);
    }
  });

  test('services start after the migrations complete', () => {
    for (const name of ['auth', 'gateway', 'governance', 'audit', 'discovery']) {
      const deps = compose.services[name]!.depends_on ?? {};
      for (const m of MIGRATING.map((x) => `migrate-${x}`)) {
        assert.equal(deps[m]?.condition, 'service_completed_successfully', `${name} waits for ${m}`);
      }
    }
  });

  test("every service's environment passes that service's own configuration checks", () => {
    for (const [name, s] of portcullisServices) {
      const cmd = s.command!;
      const env = envOf(s);
      if (cmd[0] === 'okta-sim') continue;
      const services = cmd[0] === 'migrate' ? cmd.slice(1) : [cmd[0]!];
      for (const service of services)
        assert.deepEqual(configProblems(service, env), [], `${name} (${service})`);
    }
  });

  test('the front door routes the same paths to the same services as the Helm chart', () => {
    const nginx = readFileSync(path.join(root, 'docker', 'nginx.conf'), 'utf8');
    const routes = new Map(
      [...nginx.matchAll(/location (\/\S*) \{ proxy_pass http:\/\/([a-z-]+):\d+; \}/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    const values = parseYaml<{ routes: { path: string; service: string }[] }>(
      readFileSync(path.join(root, 'helm', 'portcullis', 'values.yaml'), 'utf8'),
    );
    assert.deepEqual(
      Object.fromEntries([...routes].sort()),
      Object.fromEntries(values.routes.map((r) => [r.path, r.service] as const).sort()),
    );
  });
});
