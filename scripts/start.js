#!/usr/bin/env node
// `npm start`: Portcullis in embedded mode with nothing to configure. Installs dependencies and
// builds on first use (or when sources changed), then starts the one-process Portcullis.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { needsBuild } = require('./lib/freshness');

const root = path.resolve(__dirname, '..');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nPortcullis: "${cmd} ${args.join(' ')}" failed (exit ${r.status}). Fix the error above and retry.`);
    process.exit(r.status ?? 1);
  }
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.error('Portcullis: installing dependencies (first run)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (needsBuild(root)) {
  console.error('Portcullis: building…');
  run('npm', ['run', '--silent', 'build']);
}
require(path.join(root, process.argv[2] ?? 'dist/apps/portcullis/src/main.js'));
