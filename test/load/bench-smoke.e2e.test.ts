import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@portcullis/testing';

/**
 * Keeps the benchmark harness from rotting: a seconds-long run of its scenarios must complete,
 * write a results file, and see no failed requests. (Figures from a smoke run are not kept.)
 */
it('npm run bench -- --smoke runs every scenario and writes results', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-smoke-'));
  try {
    const out = join(dir, 'results.json');
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist/test/load/bench.js'), '--smoke', '--out', out], {
      cwd: REPO_ROOT,
      env: process.env,
      timeout: 230_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    const results = JSON.parse(readFileSync(out, 'utf8')) as { smoke: boolean; results: { scenario: string; mode?: string; metrics: Record<string, number> }[] };
    assert.equal(results.smoke, true);
    const names = results.results.map((r) => `${r.scenario} ${r.mode ?? ''}`);
    for (const expected of [/tools\/call at .* embedded/, /tools\/call at .* distributed/, /tools\/list with 500 .* embedded/, /revocation propagation/, /in isolation/, /embedded mode: start-up/]) {
      assert.ok(names.some((n) => expected.test(n)), `scenario ${expected} in ${names.join('; ')}`);
    }
    for (const r of results.results) if ('errors' in r.metrics) assert.equal(r.metrics['errors'], 0, `${r.scenario} had failed requests`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
