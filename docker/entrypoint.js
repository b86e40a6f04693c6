#!/usr/bin/env node
'use strict';
/*
 * Portcullis container launcher: one image runs any service, chosen by the first argument.
 *
 *   gateway | auth | governance | discovery | audit   a distributed service (extra args pass through,
 *                                                     e.g. `auth rotate-keys`)
 *   okta-mcp                                          the hosted Okta MCP server
 *   okta-sim                                          the Okta simulator (demos and tests only)
 *   embedded                                          everything in one process (PORTCULLIS_DATA_DIR)
 *   migrate <service>...                              apply the migrations of each service in turn,
 *                                                     then exit (e.g. `migrate auth governance discovery audit`)
 *   healthcheck [service]                             GET /healthz of the service in this container;
 *                                                     exit 0 when healthy (Docker HEALTHCHECK)
 *   which <command>                                   print the entry file a command runs
 *   commands                                          print the commands and migratable services (JSON)
 *
 * A service runs in THIS process (no wrapper process): signals reach it directly and its exit code
 * is the container's. Nothing here writes to disk, so the image works with a read-only root
 * filesystem.
 */
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');

/** Entry file and default port of each command. */
const COMMANDS = {
  gateway: { entry: 'dist/apps/gateway/src/main.js', port: 8080 },
  auth: { entry: 'dist/apps/auth/src/main.js', port: 8081 },
  governance: { entry: 'dist/apps/governance/src/main.js', port: 8082 },
  discovery: { entry: 'dist/apps/discovery/src/main.js', port: 8083 },
  audit: { entry: 'dist/apps/audit/src/main.js', port: 8084 },
  'okta-mcp': { entry: 'dist/apps/okta-mcp/src/main.js', port: 8091, portVariable: 'OKTA_MCP_PORT' },
  'okta-sim': {
    entry: 'dist/apps/okta-sim/src/main.js',
    port: 8090,
    portVariable: 'OKTA_SIM_PORT',
    optional: true,
  },
  embedded: { entry: 'dist/apps/portcullis/src/main.js', port: 8080 },
};
/** Services that own database migrations. */
const MIGRATABLE = ['auth', 'governance', 'discovery', 'audit'];

function usage(message) {
  if (message) process.stderr.write(`portcullis: ${message}\n`);
  process.stderr.write(
    'usage: <image> gateway|auth|governance|discovery|audit|okta-mcp|okta-sim|embedded [args...]\n' +
      '       <image> migrate auth|governance|discovery|audit [...]\n' +
      '       <image> healthcheck [service]\n',
  );
  process.exit(2);
}

function entryOf(command) {
  const c = COMMANDS[command];
  if (!c) usage(`unknown command "${command}"`);
  const file = path.join(ROOT, c.entry);
  if (!fs.existsSync(file)) {
    process.stderr.write(`portcullis: ${command} is not in this image (missing ${c.entry})\n`);
    process.exit(127);
  }
  return file;
}

/** Runs an entry file in this process, with argv as if it had been started directly. */
function run(command, args) {
  const file = entryOf(command);
  process.argv = [process.argv[0], file, ...args];
  require(file);
}

function migrate(services) {
  if (services.length === 0) usage(`migrate needs one or more of: ${MIGRATABLE.join(', ')}`);
  for (const s of services) {
    if (!MIGRATABLE.includes(s))
      usage(`"${s}" has no migrations (services with migrations: ${MIGRATABLE.join(', ')})`);
  }
  for (const s of services) {
    process.stderr.write(`portcullis: applying ${s} migrations\n`);
    // One process per service: each builds its own connections and exits when done.
    const r = spawnSync(process.execPath, [entryOf(s), 'migrate'], { stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(`portcullis: ${s} migrations failed (exit ${r.status ?? r.signal})\n`);
      process.exit(r.status || 1);
    }
  }
}

/** Which service runs in this container: the argument, else PID 1's command line. */
function runningService(arg) {
  if (arg) return arg;
  try {
    const argv = fs.readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const i = argv.findIndex((a) => a.endsWith('entrypoint.js'));
    if (i >= 0 && COMMANDS[argv[i + 1]]) return argv[i + 1];
  } catch {
    /* not Linux, or no /proc: fall through */
  }
  return 'gateway';
}

async function healthcheck(arg) {
  const service = runningService(arg);
  const c = COMMANDS[service] ?? COMMANDS.gateway;
  const env = process.env;
  const port = env.HEALTHCHECK_PORT || (c.portVariable && env[c.portVariable]) || env.PORT || String(c.port);
  const url = `http://127.0.0.1:${port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(Number(env.HEALTHCHECK_TIMEOUT_MS) || 2500) });
    if (res.ok) process.exit(0);
    process.stderr.write(`${url} answered ${res.status}\n`);
  } catch (err) {
    process.stderr.write(`${url} failed: ${err && err.message ? err.message : err}\n`);
  }
  process.exit(1);
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case undefined:
  case '-h':
  case '--help':
  case 'help':
    usage();
    break;
  case 'migrate':
    migrate(rest);
    break;
  case 'healthcheck':
    void healthcheck(rest[0]);
    break;
  case 'commands':
    process.stdout.write(`${JSON.stringify({ commands: Object.keys(COMMANDS), migratable: MIGRATABLE })}\n`);
    break;
  case 'which':
    process.stdout.write(`${entryOf(rest[0])}\n`);
    break;
  default:
    // Also accept the service-first form `auth migrate`.
    run(command, rest);
}
