import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, freePort, startProcess, waitForReady } from '@portcullis/testing';

/** `npm start`'s process: everything in one process, nothing to configure, data kept across restarts. */
describe('embedded mode (one process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pc-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  async function boot() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The built-in Okta simulator and Okta MCP server default to PORT+10 and PORT+11; on a busy
    // machine those may be someone else's, so the test hands them free ports too.
    const p = startProcess('portcullis', 'dist/apps/portcullis/src/main.js', {
      PORT: String(port),
      OKTA_SIM_PORT: String(await freePort()),
      OKTA_MCP_PORT: String(await freePort()),
      PORTCULLIS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    await waitForReady(url, p, 60_000);
    return { p, url };
  }

  async function startedEvents(url: string): Promise<number> {
    // The admin API token embedded mode generated into its data directory.
    const { bootstrapAdminToken } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { bootstrapAdminToken: string };
    const r = (await (await fetch(`${url}/api/v1/audit/events?type=system&limit=100`, { headers: { authorization: `Bearer ${bootstrapAdminToken}` } })).json()) as { data: { admin?: { action?: string } }[] };
    return r.data.filter((d) => d.admin?.action === 'service.started').length;
  }

  it('starts with no configuration, prints its URLs, serves health and metrics, and keeps data across restarts', async () => {
    const first = await boot();
    after(() => first.p.stop());
    assert.match(first.p.output(), new RegExp(`MCP endpoint +${first.url}/mcp`));
    assert.match(first.p.output(), /Metrics +http:/);
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    assert.match(metrics, /portcullis_service_up\{service="gateway"\} 1/);
    assert.match(metrics, /portcullis_service_up\{service="audit"\} 1/);
    const n1 = await eventually('five start-up events stored', async () => ((await startedEvents(first.url)) >= 5 ? startedEvents(first.url) : undefined));
    assert.equal(await first.p.stop('SIGTERM'), 0);

    const second = await boot();
    after(() => second.p.stop());
    const n2 = await eventually('ten start-up events after a restart', async () => {
      const n = await startedEvents(second.url);
      return n >= n1 + 5 ? n : undefined;
    });
    assert.equal(n2, n1 + 5, 'records from the first run are still there');
    assert.equal(await second.p.stop('SIGTERM'), 0);
  });

  it('a port already in use stops start-up with a message naming it and the setting to change', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'pc-embedded-port-'));
    try {
      const p = startProcess('portcullis', 'dist/apps/portcullis/src/main.js', {
        PORT: String(await freePort()),
        OKTA_SIM_PORT: String(taken),
        PORTCULLIS_DATA_DIR: dir,
        LOG_LEVEL: 'warn',
      });
      assert.equal(await p.exited, 1);
      assert.match(p.output(), new RegExp(`OKTA_SIM_PORT: port ${taken}, where the built-in Okta simulator listens, is already in use`));
      assert.doesNotMatch(p.output(), /EADDRINUSE/);
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
