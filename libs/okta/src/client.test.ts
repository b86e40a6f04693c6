import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { OktaClient, oktaPath } from './client';
import { OktaApiError } from './errors';
import { OrgUrlNotAllowedError } from './org-url';
import { OktaApi } from './index';
import type { OktaCredential } from './types';

/** A tiny fake Okta: each test installs a handler; every request is recorded. */
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    handler(req, body, res);
  });
});
const ready = new Promise<string>((resolve) =>
  server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
);
after(() => server.close());

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-okta-request-id': 'rid-' + seen.length,
    ...headers,
  });
  res.end(value === undefined ? '' : JSON.stringify(value));
}

async function setup(opts: ConstructorParameters<typeof OktaClient>[0] = {}) {
  const orgUrl = await ready;
  seen.length = 0;
  const client = new OktaClient({ orgAllowlist: ['http://127.0.0.1:*'], ...opts });
  const cred: OktaCredential = { orgUrl, accessToken: 'tok-A', tokenType: 'Bearer' };
  return { client, cred, orgUrl };
}

test('request: per-call credential, JSON body, request id and rate-limit headers', async () => {
  const { client, cred } = await setup();
  handler = (_req, _body, res) =>
    json(
      res,
      200,
      { id: '00u1', status: 'ACTIVE' },
      { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '42', 'x-rate-limit-reset': '1700000000' },
    );
  const res = await client.request<{ id: string }>(cred, {
    method: 'GET',
    path: oktaPath`/api/v1/users/${'a/b?c'}`,
  });
  assert.equal(res.data?.id, '00u1');
  assert.equal(res.requestId, 'rid-1');
  assert.deepEqual(res.rateLimit, { limit: 600, remaining: 42, resetEpochSeconds: 1700000000 });
  assert.equal(seen[0]!.url, '/api/v1/users/a%2Fb%3Fc');
  assert.equal(seen[0]!.headers.authorization, 'Bearer tok-A');
  assert.equal(seen[0]!.headers.accept, 'application/json');

  await client.request(
    { ...cred, accessToken: 'ssws-token', tokenType: 'SSWS' },
    { method: 'POST', path: '/api/v1/users/00u1/lifecycle/unlock' },
  );
  assert.equal(seen[1]!.headers.authorization, 'SSWS ssws-token');
  assert.equal(seen[1]!.headers['content-length'], '0', 'body-less POST carries Content-Length: 0');
  await client.close();
});

test('concurrent calls with different tokens never mix credentials', async () => {
  const { client, cred } = await setup();
  handler = (req, _body, res) =>
    setTimeout(() => json(res, 200, { token: req.headers.authorization }), Math.random() * 5);
  const tokens = Array.from({ length: 40 }, (_, i) => `tok-${i}`);
  const results = await Promise.all(
    tokens.map((t) =>
      client.request<{ token: string }>(
        { ...cred, accessToken: t },
        { method: 'GET', path: '/api/v1/users/me' },
      ),
    ),
  );
  results.forEach((r, i) => assert.equal(r.data?.token, `Bearer tok-${i}`));
  await client.close();
});

test('list follows rel="next" within the page bound and returns the after cursor', async () => {
  const { client, cred, orgUrl } = await setup();
  handler = (req, _body, res) => {
    const url = new URL(req.url ?? '/', orgUrl);
    const after = Number(url.searchParams.get('after') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '2');
    const items = Array.from({ length: limit }, (_, i) => ({ id: `u${after + i}` }));
    const next = `${orgUrl}/api/v1/users?limit=${limit}&after=${after + limit}`;
    json(res, 200, items, { link: [`<${orgUrl}${req.url}>; rel="self"`, `<${next}>; rel="next"`] });
  };
  const page = await client.list<{ id: string }>(
    cred,
    { path: '/api/v1/users', query: { limit: 2 } },
    { maxPages: 3 },
  );
  assert.deepEqual(
    page.items.map((u) => u.id),
    ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'],
  );
  assert.equal(page.nextCursor, '6');
  assert.equal(page.hasMore, true);
  assert.equal(page.pages, 3);
  assert.equal(seen.length, 3);

  // maxItems shrinks the last page's limit so the cursor never skips items.
  seen.length = 0;
  const bounded = await client.list<{ id: string }>(
    cred,
    { path: '/api/v1/users', query: { limit: 2 } },
    { maxPages: 10, maxItems: 3 },
  );
  assert.deepEqual(
    bounded.items.map((u) => u.id),
    ['u0', 'u1', 'u2'],
  );
  assert.equal(bounded.nextCursor, '3');
  assert.match(seen[1]!.url, /limit=1/);
  await client.close();
});

test('list refuses a next link to another origin or path (token must not follow it)', async () => {
  const { client, cred } = await setup();
  handler = (_req, _body, res) =>
    json(res, 200, [{ id: 'a' }], { link: '<https://evil.example/api/v1/users?after=x>; rel="next"' });
  await assert.rejects(client.list(cred, { path: '/api/v1/users' }, { maxPages: 5 }), (e: unknown) => {
    assert.ok(e instanceof OktaApiError);
    assert.equal(e.kind, 'unexpected');
    return true;
  });
  assert.equal(seen.length, 1);
  await client.close();
});

test('429 within budget: waits until X-Rate-Limit-Reset, then succeeds', async () => {
  const sleeps: number[] = [];
  const { client, cred } = await setup({
    sleep: async (ms) => void sleeps.push(ms),
    rateLimitBudgetMs: 5000,
  });
  let n = 0;
  handler = (_req, _body, res) => {
    n += 1;
    if (n === 1) {
      const now = Date.now();
      return json(
        res,
        429,
        { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
        {
          'x-rate-limit-reset': String(Math.ceil(now / 1000) + 1),
          'x-rate-limit-remaining': '0',
          'x-rate-limit-limit': '10',
        },
      );
    }
    json(res, 200, { ok: true });
  };
  const res = await client.request<{ ok: boolean }>(cred, { method: 'GET', path: '/api/v1/users/me' });
  assert.equal(res.data?.ok, true);
  assert.equal(sleeps.length, 1);
  assert.ok(sleeps[0]! > 0 && sleeps[0]! <= 2100, `waited ${sleeps[0]}`);
  await client.close();
});

test('429 beyond the budget fails fast as rate_limited with retryAfterSeconds', async () => {
  const sleeps: number[] = [];
  const { client, cred } = await setup({
    sleep: async (ms) => void sleeps.push(ms),
    rateLimitBudgetMs: 5000,
  });
  handler = (_req, _body, res) =>
    json(
      res,
      429,
      { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
      { 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 60) },
    );
  await assert.rejects(client.request(cred, { method: 'GET', path: '/api/v1/users' }), (e: unknown) => {
    assert.ok(e instanceof OktaApiError);
    assert.equal(e.kind, 'rate_limited');
    assert.equal(e.errorCode, 'E0000047');
    assert.ok((e.retryAfterSeconds ?? 0) >= 59);
    return true;
  });
  assert.equal(sleeps.length, 0);
  assert.equal(seen.length, 1);
  await client.close();
});

test('timeouts and connection failures become upstream_unavailable', async () => {
  const { client, cred } = await setup({ timeoutMs: 100 });
  handler = (_req, _body, res) => setTimeout(() => json(res, 200, {}), 500);
  await assert.rejects(client.request(cred, { method: 'GET', path: '/api/v1/users/me' }), (e: unknown) => {
    assert.ok(e instanceof OktaApiError);
    assert.equal(e.kind, 'upstream_unavailable');
    assert.match(e.errorSummary, /did not answer/);
    return true;
  });
  await client.close();

  const closed = new OktaClient({ orgAllowlist: ['http://127.0.0.1:*'], timeoutMs: 2000 });
  await assert.rejects(
    closed.request({ ...cred, orgUrl: 'http://127.0.0.1:1' }, { method: 'GET', path: '/' }),
    (e: unknown) => {
      assert.ok(e instanceof OktaApiError);
      assert.equal(e.kind, 'upstream_unavailable');
      return true;
    },
  );
  await closed.close();
});

test('org URL outside the allow-list is refused before any request', async () => {
  const { client, cred } = await setup();
  const strict = new OktaClient();
  await assert.rejects(
    strict.request(cred, { method: 'GET', path: '/api/v1/users/me' }),
    OrgUrlNotAllowedError,
  );
  await assert.rejects(
    client.request({ ...cred, orgUrl: 'https://evil.example' }, { method: 'GET', path: '/' }),
    OrgUrlNotAllowedError,
  );
  assert.equal(seen.length, 0);
  await strict.close();
  await client.close();
});

test('malformed tokens are refused locally; error responses are typed', async () => {
  const { client, cred } = await setup();
  await assert.rejects(
    client.request({ ...cred, accessToken: 'a\r\nX-Evil: 1' }, { method: 'GET', path: '/' }),
    /malformed/,
  );
  assert.equal(seen.length, 0);
  handler = (_req, _body, res) =>
    json(res, 404, {
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: nobody (User)',
      errorCauses: [],
    });
  await assert.rejects(new OktaApi(client).users.get(cred, 'nobody'), (e: unknown) => {
    assert.ok(e instanceof OktaApiError);
    assert.equal(e.kind, 'not_found');
    assert.equal(e.status, 404);
    assert.ok(e.requestId);
    return true;
  });
  await client.close();
});

test('works over an injected dispatcher (MockAgent) for https Okta hosts', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get('https://acme.okta.com')
    .intercept({ path: '/api/v1/users/me', method: 'GET', headers: { authorization: 'Bearer t' } })
    .reply(
      200,
      { id: '00uME', profile: { login: 'me@acme.com' } },
      { headers: { 'content-type': 'application/json' } },
    );
  const api = OktaApi.create({ dispatcher: agent });
  const me = await api.users.me({ orgUrl: 'https://acme.okta.com', accessToken: 't', tokenType: 'Bearer' });
  assert.equal(me.id, '00uME');
  await agent.close();
});

test('oktaPath encodes each value as one segment and refuses traversal', () => {
  assert.equal(oktaPath`/api/v1/users/${'jane@acme.com'}/groups`, '/api/v1/users/jane%40acme.com/groups');
  assert.throws(() => oktaPath`/api/v1/users/${'..'}`, TypeError);
  assert.throws(() => oktaPath`/api/v1/users/${''}`, TypeError);
});
