'use strict';
// The real audit service (dist/apps/audit/src/main.js) as a child process, for the audit benchmarks.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const MAIN = path.resolve(__dirname, '../../dist/apps/audit/src/main.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts audit with `env` (its PORT included). `ready` resolves once /readyz answers 200 and rejects,
 * with the tail of its output, if it exits first or is not ready within `readyTimeoutMs`.
 * `nodeArgs` go before the script (e.g. --cpu-prof); `logFile` also receives its whole output.
 */
function startAuditService(env, { nodeArgs = [], logFile, readyTimeoutMs = 120_000 } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out = (out + d).slice(-20000)));
  child.stderr.on('data', (d) => (out = (out + d).slice(-20000)));
  if (logFile) {
    const file = fs.createWriteStream(logFile);
    child.stdout.pipe(file);
    child.stderr.pipe(file);
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = (async () => {
    for (const t0 = Date.now(); Date.now() - t0 < readyTimeoutMs; ) {
      if (child.exitCode !== null) throw new Error(`audit exited with ${child.exitCode}:\n${out.slice(-3000)}`);
      const ok = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await Promise.race([sleep(100), exited]);
    }
    throw new Error(`audit not ready in ${readyTimeoutMs / 1000} s:\n${out.slice(-3000)}`);
  })();
  return {
    child,
    ready,
    output: () => out,
    stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))),
  };
}

module.exports = { startAuditService };
