#!/usr/bin/env node
// `npm run start:distributed`: every Portcullis service as its own process on this machine, over
// the Kafka, PostgreSQL and Redis named by KAFKA_BROKERS, DATABASE_URL and REDIS_URL (start them
// with `bash scripts/services.sh up` and `eval "$(bash scripts/services.sh env)"`). Used by
// developers and end-to-end tests; the Helm chart runs the same entry points.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { needsBuild } = require('./lib/freshness');

const root = path.resolve(__dirname, '..');
const env = process.env;

const missing = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL'].filter((v) => !env[v]);
if (missing.length) {
  console.error(`start:distributed needs ${missing.join(', ')}. Run:\n  bash scripts/services.sh up && eval "$(bash scripts/services.sh env)"`);
  process.exit(2);
}
if (needsBuild(root)) {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const stateDir = path.join(root, '.portcullis-distributed');
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const secretsFile = path.join(stateDir, 'secrets.json');
if (!existsSync(secretsFile)) {
  writeFileSync(
    secretsFile,
    JSON.stringify({
      INTERNAL_SERVICE_SECRET: randomBytes(32).toString('base64url'),
      PORTCULLIS_KEKS: `kek-1:${randomBytes(32).toString('base64')}`,
      PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: `pcat_bootstrap_${randomBytes(24).toString('base64url')}`,
    }),
    { mode: 0o600 },
  );
}
const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
const base = Number(env.PORTCULLIS_BASE_PORT || 8080);
const ports = { gateway: base, auth: base + 1, governance: base + 2, discovery: base + 3, audit: base + 4, 'okta-mcp': base + 11 };
const publicUrl = env.PUBLIC_URL || `http://127.0.0.1:${ports.gateway}`;
const common = {
  ...secrets,
  ...env,
  PORTCULLIS_MODE: 'distributed',
  HOST: env.HOST || '127.0.0.1',
  AUTH_INTERNAL_URL: `http://127.0.0.1:${ports.auth}`,
  OKTA_MCP_URL: `http://127.0.0.1:${ports['okta-mcp']}/mcp`,
  AUTH_PUBLIC_URL: env.AUTH_PUBLIC_URL || `http://127.0.0.1:${ports.auth}`,
  PUBLIC_URL: publicUrl,
};

async function main() {
  // Without a configured company IdP, the Okta simulator plays the IdP and the Okta org (demo data).
  if (!env.IDP_ISSUER_URL) {
    const { startOktaSim } = require(path.join(root, 'dist/apps/okta-sim/src/index.js'));
    const sim = await startOktaSim({ port: base + 10, seed: 42, size: 'demo' });
    const app = sim.fixtures.portcullisWebApp;
    sim.org.addRedirectUri(app.clientId, `${common.AUTH_PUBLIC_URL}/oauth/idp/callback`);
    sim.org.addRedirectUri(app.clientId, `${common.AUTH_PUBLIC_URL}/auth/callback`);
    Object.assign(common, {
      IDP_ISSUER_URL: sim.url,
      IDP_CLIENT_ID: app.clientId,
      IDP_CLIENT_SECRET: app.clientSecret,
      OKTA_ORG_ALLOWLIST: sim.url,
      PORTCULLIS_DEMO: 'true',
      DEMO_OKTA_ORG_URL: sim.url,
      DEMO_OKTA_CLIENT_ID: app.clientId,
      DEMO_OKTA_CLIENT_SECRET: app.clientSecret,
      DEMO_GROUP: sim.fixtures.demoGroupName,
    });
    console.error(`[start:distributed] Okta simulator (IdP + Okta org) on ${sim.url}; sign in as ${sim.fixtures.regularUser.login} / ${sim.fixtures.regularUser.password}`);
  }
  for (const [name, port] of Object.entries(ports)) startService(name, port);
  console.error(`[start:distributed] MCP endpoint ${publicUrl}/mcp — admin token in ${secretsFile}`);
}

const children = [];
function startService(name, port) {
  const entry = path.join(root, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(entry)) return;
  const extra = name === 'auth' ? { PUBLIC_URL: common.AUTH_PUBLIC_URL } : {};
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...common, ...extra, PORT: String(port), OKTA_MCP_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    console.error(`[start:distributed] ${name} exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
  children.push(child);
  console.error(`[start:distributed] ${name} on http://127.0.0.1:${port}`);
}
main().catch((err) => {
  console.error(`[start:distributed] failed: ${err.stack}`);
  stop(1);
});

let stopping = false;
function stop(code) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
