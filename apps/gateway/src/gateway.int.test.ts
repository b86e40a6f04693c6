import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientChanged, type EventEnvelope, PolicySnapshotPublished, ToolCallAudited } from '@portcullis/contracts';
import { startOktaMcpServer, type RunningOktaMcpServer } from '@portcullis/okta-mcp';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
import { emptySnapshot, type Snapshot } from '@portcullis/policy';
import { buildInProcessPlatform, createServiceApp, type Platform } from '@portcullis/runtime';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { gatewayService } from './gateway.module';
import { PolicyStore } from './policy/policy-store.service';
import { type AuthStandIn, startAuthStandIn, type StandInBrokerAnswer } from './testing/auth-stand-in';

/**
 * The gateway's tool-call path over real HTTP with the official MCP clients, a real Okta MCP server
 * and the Okta simulator. Auth's JWKS and broker endpoints are a stand-in here (auth has its own
 * suites; the cross-service e2e suite uses the real one).
 */
const SECRET = 'g'.repeat(40);
const ALICE = { sub: 'u-alice', email: 'alice@example.com', groups: ['Helpdesk'] };
const BOB = { sub: 'u-bob', email: 'bob@example.com', groups: ['Sales'] };

describe('gateway tool-call path', () => {
  let sim: OktaSim;
  let oktaMcp: RunningOktaMcpServer;
  let auth: AuthStandIn;
  let platform: Platform;
  let app: NestExpressApplication;
  let url = '';
  let brokerMode: 'ok' | 'connect' = 'ok';
  const audited: EventEnvelope<{ callId: string; phase: string; outcome: string; tool: string; user: { id: string }; denialReason?: string; upstreamIdentity?: string }>[] = [];

  before(async () => {
    sim = await startOktaSim({ seed: 7, size: 'demo' });
    oktaMcp = await startOktaMcpServer({ internalSecret: SECRET, orgAllowlist: [sim.url], logLevel: 'warn' });
    auth = await startAuthStandIn({
      issuer: () => url,
      audience: () => `${url}/mcp`,
      broker: async ({ userId }): Promise<StandInBrokerAnswer> => {
        if (brokerMode === 'connect') return { status: 'connect_required', connectUrl: `${url}/connect/start?ticket=t-${userId}`, message: 'Connect your Okta account first.' };
        const login = userId === 'u-alice' ? sim.fixtures.superAdmin.login : sim.fixtures.regularUser.login;
        const t = sim.issueAccessToken({ user: login, scopes: ['okta.users.read', 'okta.groups.read'] });
        return { status: 'ok', accessToken: t.accessToken, tokenType: 'Bearer', expiresAt: new Date(Date.now() + t.expiresIn * 1000).toISOString(), authorizedAs: login };
      },
    });
    platform = buildInProcessPlatform({ tenantId: 'acme', service: 'gateway' });
    await platform.bus.subscribe(ToolCallAudited, { group: 'test-audit', fromBeginning: true }, async (e) => {
      audited.push(e as never);
    });
    // The gateway needs its own URL in its config; reserve the port first.
    const probe = await import('node:net').then((net) => new Promise<number>((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); }));
    url = `http://127.0.0.1:${probe}`;
    app = await createServiceApp({
      platform,
      env: { PUBLIC_URL: url, AUTH_INTERNAL_URL: auth.url, OKTA_MCP_URL: oktaMcp.url, INTERNAL_SERVICE_SECRET: SECRET },
      modules: [gatewayService.module],
      services: [gatewayService],
      label: 'gateway',
    });
    await app.listen(probe, '127.0.0.1');
    void (app.getHttpServer() as Server);

    // Policy as governance would publish it: the Okta server, its real tool definitions, one toolset for Helpdesk.
    const lister = new V1Client({ name: 'lister', version: '1' });
    const { ServiceTokenSigner } = await import('@portcullis/crypto');
    const signer = new ServiceTokenSigner(SECRET, 'discovery');
    await lister.connect(new V1Transport(new URL(oktaMcp.url), { requestInit: { headers: { authorization: await signer.authorizationFor('okta-mcp') } } }));
    const { tools } = await lister.listTools();
    await lister.close();
    const snap: Snapshot = emptySnapshot(1);
    snap.servers.push({ id: 'srv-okta', kind: 'okta', displayName: 'Okta', toolPrefix: 'okta', oktaOrgUrl: sim.url, credentialMode: 'per_user', paused: false });
    for (const t of tools) {
      snap.tools.push({ id: `tool-${t.name}`, serverId: 'srv-okta', name: t.name, state: t.name === 'get_user' ? 'pending_review' : 'approved', classification: t.annotations?.readOnlyHint ? 'read' : 'write', definitionHash: 'h', definition: t as never });
    }
    snap.toolsets.push({ id: 'ts-read', name: 'Okta read', toolIds: ['tool-whoami', 'tool-list_users', 'tool-get_user'] });
    snap.profiles.push({ id: 'p-helpdesk', name: 'Helpdesk', toolsetIds: ['ts-read'], subjects: [{ type: 'group', value: 'Helpdesk' }] });
    await platform.bus.publish(PolicySnapshotPublished, snap, { tenantId: 'acme' });
  });

  after(async () => {
    await app?.close();
    await oktaMcp?.close();
    await auth?.close();
    await sim?.close();
  });

  async function v1(token: string) {
    const c = new V1Client({ name: 'test-v1', version: '1' });
    await c.connect(new V1Transport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return c;
  }

  async function v2(token: string, capabilities: Record<string, unknown> = {}) {
    const c = new V2Client({ name: 'test-v2', version: '1' }, { versionNegotiation: { mode: 'auto' }, capabilities } as never);
    await c.connect(new V2Transport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return c;
  }

  it('publishes protected resource metadata at the path-aware and root well-known URLs', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const m = (await (await fetch(url + path)).json()) as { resource: string; authorization_servers: string[] };
      assert.equal(m.resource, `${url}/mcp`);
      assert.deepEqual(m.authorization_servers, [url]);
    }
  });

  it('challenges a request without a token with WWW-Authenticate naming the resource metadata and scope', async () => {
    const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
    const www = res.headers.get('www-authenticate') ?? '';
    assert.match(www, new RegExp(`resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`));
    assert.match(www, /scope="mcp"/);
  });

  it('rejects expired, forged, wrong-audience and scope-less tokens with clear errors', async () => {
    const cases: [Promise<string>, number, RegExp][] = [
      [auth.mint({ ...ALICE, expiresIn: -60 }), 401, /expired/],
      [auth.mint({ ...ALICE, alg: 'forged' }), 401, /signature is not valid/],
      [auth.mint({ ...ALICE, aud: 'https://other.example.com/mcp' }), 401, /issued for another resource/],
      [auth.mint({ ...ALICE, scope: 'openid' }), 403, /lacks the "mcp" scope/],
    ];
    for (const [tokenP, status, message] of cases) {
      const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${await tokenP}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, status);
      const body = (await res.json()) as { error_description: string };
      assert.match(body.error_description, message);
      assert.match(res.headers.get('www-authenticate') ?? '', status === 403 ? /insufficient_scope/ : /invalid_token/);
    }
  });

  it('refuses browser origins that are not allowed', async () => {
    const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { origin: 'https://evil.example', authorization: `Bearer ${await auth.mint(ALICE)}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 403);
  });

  it('lists exactly the callable tools for each caller (2025-era v1 client and 2026 v2 client)', async () => {
    const alice = await v1(await auth.mint(ALICE));
    const names = (await alice.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['okta_list_users', 'okta_whoami'], 'approved tools in the bound toolset only (get_user is pending review)');
    const listed = (await alice.listTools()).tools.find((t) => t.name === 'okta_list_users')!;
    assert.ok(listed.description && listed.inputSchema.properties, 'upstream description and schema are passed through');
    assert.equal(listed.annotations?.readOnlyHint, true);
    await alice.close();
    const bob = await v2(await auth.mint(BOB));
    assert.deepEqual((await bob.listTools()).tools, []);
    await bob.close();
  });

  it('calls the upstream with the caller\'s own Okta token and audits intent then outcome', async () => {
    const alice = await v1(await auth.mint(ALICE));
    const result = (await alice.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; structuredContent?: { user?: { login?: string } } };
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.equal(result.structuredContent?.user?.login, sim.fixtures.superAdmin.login);
    await alice.close();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !audited.some((a) => a.payload.tool === 'okta_whoami' && a.payload.phase === 'outcome')) await new Promise((r) => setTimeout(r, 20));
    const records = audited.filter((a) => a.payload.tool === 'okta_whoami');
    assert.deepEqual(records.map((r) => r.payload.phase), ['intent', 'outcome']);
    assert.equal(records[0]!.payload.callId, records[1]!.payload.callId);
    assert.equal(records[1]!.payload.outcome, 'allowed_success');
    assert.equal(records[1]!.payload.upstreamIdentity, sim.fixtures.superAdmin.login);
    assert.ok(records[0]!.occurredAt <= records[1]!.occurredAt);
  });

  it('denies with a reason the model can read, audits the denial, and answers unknown tools with -32602', async () => {
    const bob = await v2(await auth.mint(BOB));
    const denied = (await bob.callTool({ name: 'okta_whoami', arguments: {} })) as { isError?: boolean; content: { text: string }[] };
    assert.equal(denied.isError, true);
    assert.match(denied.content[0]!.text, /Denied by Portcullis policy \(not_entitled\)/);
    const pending = (await bob.callTool({ name: 'okta_get_user', arguments: { user: 'x' } })) as { content: { text: string }[] };
    assert.match(pending.content[0]!.text, /tool_pending_review/);
    await assert.rejects(bob.callTool({ name: 'okta_nope', arguments: {} }), (err: { code?: number; message: string }) => err.code === -32602 && /no tool named "okta_nope"/.test(err.message));
    await bob.close();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !audited.some((a) => a.payload.user.id === 'u-bob' && a.payload.denialReason === 'not_entitled')) await new Promise((r) => setTimeout(r, 20));
    assert.ok(audited.some((a) => a.payload.user.id === 'u-bob' && a.payload.outcome === 'denied' && a.payload.denialReason === 'not_entitled'));
  });

  it('prompts to connect when the user has no upstream connection, per protocol revision', async () => {
    brokerMode = 'connect';
    try {
      const token = await auth.mint({ ...ALICE, sub: 'u-alice-2' , groups: ['Helpdesk'] });
      // 2025-11-25 (v1 SDK): URL elicitation required error -32042 carrying the connect link.
      const c1 = await v1(token);
      await assert.rejects(c1.callTool({ name: 'okta_whoami', arguments: {} }), (err: { code?: number; data?: { elicitations?: { url: string }[] } }) => err.code === -32042 && /\/connect\/start\?ticket=t-u-alice-2/.test(err.data?.elicitations?.[0]?.url ?? ''));
      await c1.close();
      // 2025-06-18: no URL elicitation in that revision, so a tool error whose text carries the link.
      const init = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'okta_whoami', arguments: {} } }),
      });
      const text = await init.text();
      assert.match(text, /connect\/start\?ticket=t-u-alice-2/);
      assert.match(text, /"isError":true/);
    } finally {
      brokerMode = 'ok';
    }
  });

  it('tells a listening 2026-07-28 client that its tool list changed when the policy changes', async () => {
    let changed: string[] | undefined;
    const c = new V2Client({ name: 'listener', version: '1' }, {
      versionNegotiation: { mode: 'auto' },
      listChanged: { tools: { onChanged: (_err: unknown, tools: { name: string }[] | null) => { changed = (tools ?? []).map((t) => t.name).sort(); } } },
    } as never);
    await c.connect(new V2Transport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${await auth.mint(ALICE)}` } } }));
    assert.deepEqual((await c.listTools()).tools.map((t) => t.name).sort(), ['okta_list_users', 'okta_whoami']);
    await new Promise((r) => setTimeout(r, 300)); // let the auto-opened subscription settle
    const current = (app.get(PolicyStore) as PolicyStore).snapshot!;
    const next = structuredClone(current);
    next.version = current.version + 1;
    next.toolsets[0]!.toolIds = ['tool-whoami'];
    await platform.bus.publish(PolicySnapshotPublished, next, { tenantId: 'acme' });
    const deadline = Date.now() + 5000;
    while (!changed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(changed, ['okta_whoami']);
    await c.close();
    await platform.bus.publish(PolicySnapshotPublished, { ...current, version: current.version + 2 }, { tenantId: 'acme' });
  });

  it('answers tools/list and tools/call on its fast path exactly as the MCP SDK path does', async () => {
    const token = await auth.mint(ALICE);
    const bobToken = await auth.mint(BOB);
    // The same JSON-RPC request twice: as sent (fast path) and with an empty `_meta` (still a
    // 2025-era request, but one the fast path leaves to the SDK). Both answers must be the same.
    async function post(bearer: string, version: string, message: Record<string, unknown>) {
      const res = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': version },
        body: JSON.stringify(message),
      });
      const text = await res.text();
      const json = res.headers.get('content-type')?.startsWith('text/event-stream') ? /^data: (.*)$/m.exec(text)![1]! : text;
      return { status: res.status, type: res.headers.get('content-type') ?? '', message: JSON.parse(json) as Record<string, unknown> };
    }
    const fastCount = async () => Number(/portcullis_mcp_fast_path_total\{[^}]*method="tools\/call"[^}]*\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);
    // /mcp is served ahead of Express; its requests still count in the HTTP RED metrics.
    const mcpRequests = async () =>
      [...(await (await fetch(`${url}/metrics`)).text()).matchAll(/^portcullis_http_requests_total\{[^}]*route="\/mcp"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    const before = await fastCount();
    const requestsBefore = await mcpRequests();
    const cases: [string, string, string, Record<string, unknown>][] = [
      ['list', token, '2025-06-18', { method: 'tools/list', params: {} }],
      ['call', token, '2025-06-18', { method: 'tools/call', params: { name: 'okta_list_users', arguments: { limit: 2 } } }],
      ['denied', bobToken, '2025-11-25', { method: 'tools/call', params: { name: 'okta_whoami', arguments: {} } }],
      ['unknown', token, '2025-11-25', { method: 'tools/call', params: { name: 'okta_nope', arguments: {} } }],
      ['empty list', bobToken, '2025-06-18', { method: 'tools/list' }],
    ];
    for (const [label, bearer, version, m] of cases) {
      const params = (m['params'] ?? {}) as Record<string, unknown>;
      const fast = await post(bearer, version, { jsonrpc: '2.0', id: 7, ...m });
      const sdk = await post(bearer, version, { jsonrpc: '2.0', id: 7, ...m, params: { ...params, _meta: {} } });
      assert.equal(fast.type, 'application/json', `${label}: the fast path answers with JSON`);
      assert.equal(sdk.type, 'text/event-stream', `${label}: the SDK path answers with an event stream`);
      assert.equal(fast.status, sdk.status, label);
      assert.deepEqual(fast.message, sdk.message, label);
    }
    assert.equal((await fastCount()) - before, 3, 'the three tools/call requests without _meta took the fast path');
    assert.equal((await mcpRequests()) - requestsBefore, cases.length * 2, 'every /mcp request is counted once');
  });

  it('answers malformed and oversized MCP bodies with JSON-RPC errors that say what is wrong', async () => {
    const headers = { authorization: `Bearer ${await auth.mint(ALICE)}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
    const bad = await fetch(`${url}/mcp`, { method: 'POST', headers, body: '{"jsonrpc":"2.0","id":1,"method":' });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: { code: number; message: string } };
    assert.equal(badBody.error.code, -32700);
    assert.match(badBody.error.message, /not valid JSON/);
    // A chunked body (no Content-Length) past the limit is refused while reading.
    const big = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"'));
        for (let i = 0; i < 17; i++) c.enqueue(new Uint8Array(64 * 1024).fill(97));
        c.enqueue(new TextEncoder().encode('"}}'));
        c.close();
      },
    });
    const huge = await fetch(`${url}/mcp`, { method: 'POST', headers, body: big, duplex: 'half' } as RequestInit);
    assert.equal(huge.status, 413);
    assert.match(((await huge.json()) as { error: { message: string } }).error.message, /exceeds the 1048576-byte limit/);
    // Arguments that are not an object go to the SDK, which rejects them as invalid params.
    const wrong = await fetch(`${url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'okta_whoami', arguments: 'x' } }) });
    const wrongText = await wrong.text();
    assert.match(wrongText, /-32602/);
  });

  it('refuses a token that was revoked or whose AI client was closed, even one it has already accepted', async () => {
    const list = (token: string) =>
      fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const revoked = await auth.mint({ ...ALICE, client_id: 'aic_revoke_me' });
    const jti = JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString()).jti as string;
    assert.equal((await list(revoked)).status, 200, 'accepted (and remembered) first');
    await platform.bus.publish(ClientChanged, { clientId: 'aic_revoke_me', change: 'tokens_revoked', revokedTokenIds: [jti] }, { tenantId: 'acme' });
    const r1 = await list(revoked);
    assert.equal(r1.status, 401);
    assert.match(((await r1.json()) as { error_description: string }).error_description, /revoked/);

    const closing = await auth.mint({ ...ALICE, client_id: 'aic_close_me' });
    assert.equal((await list(closing)).status, 200);
    await platform.bus.publish(ClientChanged, { clientId: 'aic_close_me', change: 'closed' }, { tenantId: 'acme' });
    const r2 = await list(closing);
    assert.equal(r2.status, 401);
    assert.match(((await r2.json()) as { error_description: string }).error_description, /closed by an administrator/);
  });

  it('fails closed with no policy: a gateway without a snapshot lists nothing and denies calls', async () => {
    const p2 = buildInProcessPlatform({ tenantId: 'acme', service: 'gateway' });
    const app2 = await createServiceApp({ platform: p2, env: { PUBLIC_URL: url, AUTH_INTERNAL_URL: auth.url, OKTA_MCP_URL: oktaMcp.url, INTERNAL_SERVICE_SECRET: SECRET }, modules: [gatewayService.module], services: [gatewayService], label: 'gateway' });
    await app2.listen(0, '127.0.0.1');
    const port = ((app2.getHttpServer() as Server).address() as { port: number }).port;
    const c = new V1Client({ name: 't', version: '1' });
    await c.connect(new V1Transport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: { headers: { authorization: `Bearer ${await auth.mint(ALICE)}` } } }));
    assert.deepEqual((await c.listTools()).tools, []);
    const r = (await c.callTool({ name: 'okta_whoami', arguments: {} })) as { content: { text: string }[] };
    assert.match(r.content[0]!.text, /no_policy/);
    await c.close();
    await app2.close();
  });
});
