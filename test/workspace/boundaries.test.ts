import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO_ROOT } from '@portcullis/testing';

/**
 * The module-boundary rule must actually constrain: an app importing another app fails lint, a
 * library importing an app fails lint, and only the embedded host may compose apps.
 */
type LintResult = { messages: { ruleId: string | null; message: string }[] };

async function lintAs(filePath: string, code: string): Promise<LintResult> {
  const { ESLint } = (await import(join(REPO_ROOT, 'node_modules/eslint/lib/api.js'))) as {
    ESLint: new (o: { cwd: string }) => { lintText(code: string, o: { filePath: string }): Promise<LintResult[]> };
  };
  const eslint = new ESLint({ cwd: REPO_ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, filePath) });
  return result!;
}

const boundary = (r: LintResult) => r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries');

describe('Nx module boundaries', () => {
  before(() => {
    // The rule reads Nx's project graph; compute it as the lint script does.
    execFileSync(join(REPO_ROOT, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: REPO_ROOT, env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  });

  it('forbids an app importing another app', async () => {
    const r = await lintAs('apps/gateway/src/probe.ts', "import { auditService } from '@portcullis/audit';\nexport const x = auditService;\n");
    assert.equal(boundary(r).length, 1, JSON.stringify(r.messages));
  });

  it('forbids a library importing an app', async () => {
    const r = await lintAs('libs/policy/src/probe.ts', "import { gatewayService } from '@portcullis/gateway';\nexport const x = gatewayService;\n");
    assert.equal(boundary(r).length, 1, JSON.stringify(r.messages));
  });

  it('allows an app importing libraries, and the embedded host composing apps', async () => {
    const app = await lintAs('apps/gateway/src/probe.ts', "import { decide } from '@portcullis/policy';\nexport const x = decide;\n");
    assert.deepEqual(boundary(app), []);
    const host = await lintAs('apps/portcullis/src/probe.ts', "import { auditService } from '@portcullis/audit';\nexport const x = auditService;\n");
    assert.deepEqual(boundary(host), []);
  });

  it('forbids reading process.env outside the config library', async () => {
    const r = await lintAs('apps/gateway/src/probe.ts', "export const port = process.env['PORT'];\n");
    assert.ok(r.messages.some((m) => m.ruleId === 'no-restricted-syntax' && /@portcullis\/config/.test(m.message)));
  });
});
