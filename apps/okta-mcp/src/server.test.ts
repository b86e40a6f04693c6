import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { TEST_SECRET, startStack, text, type Stack } from './testing/harness';
import { oktaToolCatalog } from './catalog';

/** Transport and trust: service tokens, internal headers, org URL safety, operability endpoints. */
let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function rawPost(authorization?: string): Promise<Response> {
  return fetch(stack.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(INIT),
  });
}

describe('service-token gate (401 before any MCP processing)', () => {
  test('missing, malformed, forged, expired, wrong-audience and wrong-caller tokens get 401 JSON', async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(TEST_SECRET);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('urn:portcullis:service:gateway')
      .setAudience('urn:portcullis:service:okta-mcp')
      .setIssuedAt(now - 600)
      .setExpirationTime(now - 300)
      .sign(key);
    const forged = await new ServiceTokenSigner(
      'another-secret-another-secret-0123456789',
      'gateway',
    ).tokenFor('okta-mcp');
    const wrongAudience = await new ServiceTokenSigner(TEST_SECRET, 'gateway').tokenFor('auth');
    const wrongCaller = await new ServiceTokenSigner(TEST_SECRET, 'governance').tokenFor('okta-mcp');
    const cases: [string | undefined, RegExp][] = [
      [undefined, /Missing service credential/],
      ['Basic Zm9vOmJhcg==', /must be "Bearer/],
      [`Bearer ${forged}`, /invalid \(bad signature/],
      [`Bearer ${expired}`, /expired/],
      [`Bearer ${wrongAudience}`, /not for okta-mcp/],
      [`Bearer ${wrongCaller}`, /may not call okta-mcp/],
      [`Bearer ${stack.tokens.superAdmin}`, /invalid/], // an Okta token is not a service token
    ];
    for (const [auth, re] of cases) {
      const res = await rawPost(auth);
      assert.equal(res.status, 401, String(auth));
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await res.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'unauthorized');
      assert.match(body.error_description, re);
    }
  });

  test('the MCP SDK clients are refused without a valid service token', async () => {
    await assert.rejects(stack.connect({ kind: 'v2-legacy', authorization: null }));
    await assert.rejects(stack.connect({ kind: 'v1', authorization: 'Bearer nope' }));
  });

  test('a valid gateway or discovery token is accepted', async () => {
    const res = await rawPost(
      await new ServiceTokenSigner(TEST_SECRET, 'discovery').authorizationFor('okta-mcp'),
    );
    assert.equal(res.status, 200);
  });
});

describe('tools/list and Okta credentials', () => {
  for (const kind of ['v2-legacy', 'v2-modern', 'v1'] as const) {
    test(`${kind}: tools/list works without Okta headers and matches the catalog`, async () => {
      const client = await stack.connect({ kind, okta: null });
      try {
        const tools = await client.listTools();
        assert.deepEqual(
          tools.map((t) => t.name),
          oktaToolCatalog.map((t) => t.name),
        );
        const deactivate = tools.find((t) => t.name === 'deactivate_user')!;
        assert.equal(deactivate.annotations?.['destructiveHint'], true);
        assert.deepEqual(deactivate._meta?.['portcullis/okta-scopes'], ['okta.users.manage']);
        assert.ok(deactivate.outputSchema);
      } finally {
        await client.close();
      }
    });

    test(`${kind}: tools/call without Okta headers is an isError result and nothing reaches Okta`, async () => {
      const before = stack.oktaRequests();
      const client = await stack.connect({ kind, okta: null });
      try {
        const r = await client.call('whoami', {});
        assert.equal(r.isError, true);
        assert.match(text(r), /gateway supplied no Okta credential/);
      } finally {
        await client.close();
      }
      assert.equal(stack.oktaRequests(), before);
    });
  }

  test('an org URL outside the allow-list is refused without contacting it', async () => {
    const before = stack.oktaRequests();
    for (const orgUrl of [
      'https://evil.example.com',
      'http://169.254.169.254',
      'https://acme.okta.com.evil.io',
      'http://127.0.0.1:1/x',
    ]) {
      const r = await stack.callOnce('whoami', {}, { okta: { token: stack.tokens.superAdmin, orgUrl } });
      assert.equal(r.isError, true, orgUrl);
      assert.match(text(r), /Refused: Okta org URL .* is not allowed/);
      assert.deepEqual(r._meta?.['portcullis/error'], { kind: 'org_not_allowed' });
    }
    assert.equal(stack.oktaRequests(), before);
  });

  test('SSWS tokens are forwarded with the SSWS scheme; unknown token types are refused', async () => {
    const r = await stack.callOnce(
      'whoami',
      {},
      { okta: { token: stack.sim.fixtures.ssws, tokenType: 'SSWS' } },
    );
    assert.equal(r.isError, undefined, text(r));
    assert.equal((r.structuredContent?.['user'] as { id: string }).id, stack.sim.fixtures.superAdmin.id);
    const bad = await stack.callOnce('whoami', {}, { okta: { token: 'x', tokenType: 'Basic' } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /unsupported Okta token type/);
  });

  test('arguments cannot carry Okta credentials or org URLs', async () => {
    const before = stack.oktaRequests();
    const r = await stack.callOnce('whoami', { orgUrl: 'https://evil.example.com', accessToken: 'x' });
    assert.equal(r.isError, true);
    assert.match(text(r), /Unrecognized key/);
    assert.equal(stack.oktaRequests(), before);
  });
});

describe('request bodies', () => {
  test('malformed JSON → 400 parse error, oversized → 413, unknown tool → MCP error', async () => {
    const auth = await new ServiceTokenSigner(TEST_SECRET, 'gateway').authorizationFor('okta-mcp');
    const post = (body: string) =>
      fetch(stack.server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: auth,
        },
        body,
      });
    const bad = await post('{"jsonrpc":');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: number } }).error.code, -32700);
    const big = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'x'.repeat(1024 * 1024 + 10) },
      }),
    );
    assert.equal(big.status, 413);
    const c = await stack.connect({ kind: 'v2-legacy' });
    try {
      await assert.rejects(c.call('okta_list_users', {}), /not found/i);
    } finally {
      await c.close();
    }
  });
});

describe('operability endpoints', () => {
  test('/healthz, /readyz and /metrics', async () => {
    const base = stack.server.baseUrl;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    await stack.callOnce('whoami', {});
    await stack.callOnce('get_user', { user: 'not valid!' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /portcullis_okta_mcp_tool_calls_total\{tool="whoami",outcome="success"\} \d+/);
    assert.match(
      metrics,
      /portcullis_okta_mcp_tool_calls_total\{tool="get_user",outcome="invalid_arguments"\} \d+/,
    );
    assert.match(metrics, /portcullis_okta_mcp_tool_duration_seconds_bucket\{le="0.1",tool="whoami"\}/);
    assert.match(metrics, /portcullis_okta_mcp_okta_requests_total\{method="GET",status_class="2xx"\}/);
    assert.match(metrics, /portcullis_okta_mcp_process_cpu_user_seconds_total/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  test('GET /mcp (2025 session stream) is not offered by the stateless server', async () => {
    const res = await fetch(stack.server.url, {
      headers: {
        accept: 'text/event-stream',
        authorization: await new ServiceTokenSigner(TEST_SECRET, 'gateway').authorizationFor('okta-mcp'),
      },
    });
    assert.equal(res.status, 405);
  });
});
