import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTinyMcpServer, type TinyMcpServer, tinyTool } from '../testing/tiny-mcp-server';
import { isAuthRefusal, listUpstreamTools, UpstreamWatch } from './upstream-client';

const noHeaders = async () => ({});

describe('upstream MCP client', () => {
  const servers: TinyMcpServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('lists every page of tools/list, following nextCursor', async () => {
    const tools = Array.from({ length: 23 }, (_, i) =>
      tinyTool(`tool_${String(i).padStart(2, '0')}`, `Tool ${i}`),
    );
    const s = await startTinyMcpServer({ tools, pageSize: 5, name: 'pager' });
    servers.push(s);
    const r = await listUpstreamTools(
      { serverId: 'x', url: s.url, transport: 'streamable_http' },
      noHeaders,
      { timeoutMs: 5000, maxPages: 100 },
    );
    assert.equal(r.tools.length, 23);
    assert.deepEqual(
      r.tools.map((t) => t.name),
      tools.map((t) => t.name),
    );
    assert.equal(s.listRequests(), 5);
    assert.deepEqual(r.serverInfo, { name: 'pager', version: '1.0.0' });
    assert.equal(r.listChanged, false);
    await assert.rejects(
      listUpstreamTools({ serverId: 'x', url: s.url, transport: 'streamable_http' }, noHeaders, {
        timeoutMs: 5000,
        maxPages: 2,
      }),
      /page/i,
      'a server whose pages never end fails the run instead of looping',
    );
  });

  it('sends the headers it is given on every request, and reports refusals and unreachable servers', async () => {
    const s = await startTinyMcpServer({ tools: [tinyTool('a', 'A')], bearer: 'let-me-in' });
    servers.push(s);
    const target = { serverId: 'x', url: s.url, transport: 'streamable_http' as const };
    const ok = await listUpstreamTools(target, async () => ({ authorization: 'Bearer let-me-in' }), {
      timeoutMs: 5000,
      maxPages: 10,
    });
    assert.equal(ok.tools.length, 1);
    await assert.rejects(
      listUpstreamTools(target, noHeaders, { timeoutMs: 5000, maxPages: 10 }),
      /401|unauthori/i,
    );
    await assert.rejects(
      listUpstreamTools({ ...target, url: 'http://127.0.0.1:1/mcp' }, noHeaders, {
        timeoutMs: 3000,
        maxPages: 10,
      }),
      /ECONNREFUSED|fetch failed/,
    );
  });

  it('tells a refusal for want of credentials (401, 403) from other failures', async () => {
    const header = { name: 'X-Api-Key', value: 'k-123456' };
    const s = await startTinyMcpServer({ tools: [tinyTool('a', 'A')], header, refuseWith: 403 });
    const b = await startTinyMcpServer({ tools: [tinyTool('a', 'A')], bearer: 'b-123456' });
    servers.push(s, b);
    const opts = { timeoutMs: 5000, maxPages: 10 };
    const target = (url: string) => ({ serverId: 'x', url, transport: 'streamable_http' as const });
    const ok = await listUpstreamTools(target(s.url), async () => ({ 'x-api-key': 'k-123456' }), opts);
    assert.equal(ok.tools.length, 1);
    const failure = (url: string) =>
      listUpstreamTools(target(url), noHeaders, opts).then(
        () => undefined,
        (e: unknown) => e,
      );
    const forbidden = await failure(s.url);
    const unauthorized = await failure(b.url);
    const unreachable = await failure('http://127.0.0.1:1/mcp');
    assert.deepEqual(
      [isAuthRefusal(forbidden), isAuthRefusal(unauthorized), isAuthRefusal(unreachable)],
      [true, true, false],
    );
    assert.ok(s.refusals() >= 1);
  });

  it('watches tools/list_changed on servers that announce it', async () => {
    const s = await startTinyMcpServer({ tools: [tinyTool('a', 'A')], listChanged: true });
    servers.push(s);
    const target = { serverId: 'x', url: s.url, transport: 'streamable_http' as const };
    assert.equal(
      (await listUpstreamTools(target, noHeaders, { timeoutMs: 5000, maxPages: 10 })).listChanged,
      true,
    );
    let changes = 0;
    const watch = new UpstreamWatch(target, noHeaders, {
      timeoutMs: 5000,
      recycleMs: 60_000,
      onChanged: () => changes++,
      onError: () => undefined,
    });
    watch.start();
    try {
      const deadline = Date.now() + 10_000;
      while (changes === 0 && Date.now() < deadline) {
        s.notifyToolsChanged();
        await new Promise((r) => setTimeout(r, 700)); // longer than the 250 ms debounce
      }
      assert.ok(changes > 0, 'the watch saw notifications/tools/list_changed');
    } finally {
      await watch.close();
    }
  });
});
