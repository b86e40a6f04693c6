#!/usr/bin/env node
/**
 * Okta MCP server overhead benchmark. Runs the Okta simulator and the okta-mcp server in this
 * process and measures, side by side and interleaved (so both see the same machine conditions):
 *
 *   direct      GET {sim}/api/v1/users/{id} (or /users/me) with the user's token, keep-alive
 *   mcp_raw     POST /mcp tools/call as one JSON-RPC request (what a gateway hop costs)
 *   mcp_sdk_v2  the same call through the official v2 client (2025 era, stateless)
 *   mcp_sdk_modern  the same call through the v2 client on the 2026-07-28 era
 *   sdk_floor   POST tools/call to a bare MCP SDK server (same createMcpHandler + toNodeHandler
 *               wiring, one static tool, no auth, no Okta): the protocol stack's own cost
 *
 * and prints JSON with p50/p90/p99 per path, the added latency (mcp − direct) and the ratio.
 *
 * Usage: npm run build && node scripts/bench/okta-mcp-bench.js [--iterations 2000] [--warmup 200] [--tool get_user|whoami]
 */
const path = require('node:path');

const dist = path.resolve(__dirname, '..', '..', 'dist');
const { startOktaSim } = require(path.join(dist, 'apps/okta-sim/src/index.js'));
const { startOktaMcpServer } = require(path.join(dist, 'apps/okta-mcp/src/index.js'));
const { signInWithPkce } = require(path.join(dist, 'apps/okta-mcp/src/testing/okta-sign-in.js'));
const { createLogger } = require(path.join(dist, 'apps/okta-mcp/src/logger.js'));
const pcCrypto = require(path.join(dist, 'libs/crypto/src/index.js'));
const { Agent, request } = require('undici');
const { Client, StreamableHTTPClientTransport } = require('@modelcontextprotocol/client');
const { createMcpHandler, McpServer } = require('@modelcontextprotocol/server');
const { toNodeHandler } = require('@modelcontextprotocol/node');
const http = require('node:http');
const { z } = require('zod');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const ITERATIONS = Number(arg('iterations', 2000));
const WARMUP = Number(arg('warmup', 200));
const TOOL = arg('tool', 'get_user');
const SECRET = 'okta-mcp-bench-internal-secret-0123456789abcdef';

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const r = (x) => Math.round(x * 1000) / 1000;
  return {
    n: s.length,
    p50_ms: r(q(50)),
    p90_ms: r(q(90)),
    p99_ms: r(q(99)),
    mean_ms: r(mean),
    max_ms: r(s[s.length - 1]),
  };
}

async function main() {
  const sim = await startOktaSim({ seed: 42, size: 'demo', rateLimit: { enabled: false } });
  const f = sim.fixtures;
  const server = await startOktaMcpServer({
    internalSecret: SECRET,
    orgAllowlist: ['http://127.0.0.1:*'],
    logger: createLogger('silent'),
  });
  const { accessToken } = await signInWithPkce({
    orgUrl: sim.url,
    clientId: f.portcullisWebApp.clientId,
    clientSecret: f.portcullisWebApp.clientSecret,
    redirectUri: f.portcullisWebApp.redirectUris[0],
    username: f.superAdmin.login,
    password: f.superAdmin.password,
    scopes: ['okta.users.read'],
  });
  const signer = new pcCrypto.ServiceTokenSigner(SECRET, 'gateway');
  const oktaHeaders = {
    [pcCrypto.UPSTREAM_ORG_URL_HEADER]: sim.url,
    [pcCrypto.UPSTREAM_TOKEN_HEADER]: accessToken,
    [pcCrypto.UPSTREAM_TOKEN_TYPE_HEADER]: 'Bearer',
    [pcCrypto.CALLER_HEADER]: 'bench-user',
  };
  const toolArgs = TOOL === 'whoami' ? {} : { user: f.regularUser.id };
  const directPath = TOOL === 'whoami' ? '/api/v1/users/me' : `/api/v1/users/${f.regularUser.id}`;

  const agent = new Agent({ keepAliveTimeout: 30_000 });
  async function direct() {
    const res = await request(`${sim.url}${directPath}`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    const body = await res.body.json();
    if (res.statusCode !== 200 || !body.id) throw new Error(`direct call failed: ${res.statusCode}`);
  }

  let rpcId = 0;
  async function mcpRaw() {
    const res = await request(server.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        authorization: await signer.authorizationFor('okta-mcp'),
        ...oktaHeaders,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++rpcId,
        method: 'tools/call',
        params: { name: TOOL, arguments: toolArgs },
      }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || text.includes('"isError":true'))
      throw new Error(`mcp raw call failed: ${res.statusCode} ${text.slice(0, 200)}`);
  }

  async function sdkClient(mode) {
    const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode } });
    const fetchWithHeaders = async (url, init) => {
      const headers = new Headers(init && init.headers);
      headers.set('authorization', await signer.authorizationFor('okta-mcp'));
      for (const [k, v] of Object.entries(oktaHeaders)) headers.set(k, v);
      return fetch(url, { ...init, headers });
    };
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { fetch: fetchWithHeaders }));
    await client.listTools();
    return async () => {
      const r = await client.callTool({ name: TOOL, arguments: toolArgs });
      if (r.isError) throw new Error(`sdk call failed: ${JSON.stringify(r.content)}`);
    };
  }
  // The floor: the same SDK serving stack with nothing of ours in it.
  const floorHandler = toNodeHandler(
    createMcpHandler(() => {
      const s = new McpServer({ name: 'floor', version: '1' });
      s.registerTool('noop', { inputSchema: z.object({}) }, async () => ({
        content: [{ type: 'text', text: 'ok' }],
      }));
      return s;
    }),
  );
  const floorServer = http.createServer((req, res) => void floorHandler(req, res));
  await new Promise((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
  const floorUrl = `http://127.0.0.1:${floorServer.address().port}/mcp`;
  async function sdkFloor() {
    const res = await request(floorUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++rpcId,
        method: 'tools/call',
        params: { name: 'noop', arguments: {} },
      }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`floor call failed: ${res.statusCode} ${text.slice(0, 200)}`);
  }

  const sdkLegacy = await sdkClient('legacy');
  const sdkModern = await sdkClient('auto');

  const paths = {
    direct,
    mcp_raw: mcpRaw,
    mcp_sdk_v2: sdkLegacy,
    mcp_sdk_modern: sdkModern,
    sdk_floor: sdkFloor,
  };
  const samples = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    // Rotate the order every iteration so no path always runs on a "warm" or "cold" slot.
    const names = Object.keys(paths);
    const order = names.map((_, j) => names[(i + j) % names.length]);
    for (const name of order) {
      const t = performance.now();
      await paths[name]();
      const ms = performance.now() - t;
      if (i >= WARMUP) samples[name].push(ms);
    }
  }

  const result = { tool: TOOL, iterations: ITERATIONS, warmup: WARMUP, node: process.version, paths: {} };
  for (const [name, s] of Object.entries(samples)) result.paths[name] = stats(s);
  const d = result.paths.direct;
  result.added = {};
  for (const name of ['mcp_raw', 'mcp_sdk_v2', 'mcp_sdk_modern']) {
    const m = result.paths[name];
    result.added[name] = {
      added_p50_ms: Math.round((m.p50_ms - d.p50_ms) * 1000) / 1000,
      added_p99_ms: Math.round((m.p99_ms - d.p99_ms) * 1000) / 1000,
      ratio_p50: Math.round((m.p50_ms / d.p50_ms) * 100) / 100,
      ratio_p99: Math.round((m.p99_ms / d.p99_ms) * 100) / 100,
    };
  }
  // What okta-mcp itself adds on top of the SDK's own per-request cost and the Okta round trip.
  const floor = result.paths.sdk_floor;
  result.own_overhead_p50_ms =
    Math.round((result.paths.mcp_raw.p50_ms - d.p50_ms - floor.p50_ms) * 1000) / 1000;
  console.log(JSON.stringify(result, null, 2));
  floorServer.close();
  await server.close();
  await agent.close();
  await sim.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
