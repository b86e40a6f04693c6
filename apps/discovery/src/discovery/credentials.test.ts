import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DiscoveryConfig } from '../config';
import { startBrokerStandIn } from '../testing/auth-stand-in';
import { type PreparedAccess, toHeaders, UpstreamAccess } from './credentials';
import type { KnownServer } from './registry.repository';
import { type BrokerAnswer, BrokerUnavailableError, TokenBrokerClient } from './token-broker.client';

const config = {
  internalSecret: 'x'.repeat(32),
  authInternalUrl: 'http://auth.test',
  tickMs: 1000,
  timeoutMs: 5000,
  maxPages: 10,
  defaultIntervalSeconds: 0,
  watchListChanged: false,
  watchRecycleMs: 60_000,
  concurrency: 1,
} satisfies DiscoveryConfig;

function server(over: Partial<KnownServer>): KnownServer {
  return {
    serverId: 's1',
    catalogId: 'remote-mcp',
    kind: 'remote',
    upstreamUrl: 'https://mcp.example.com/mcp',
    transport: 'streamable_http',
    oktaOrgUrl: null,
    credentialMode: 'static',
    paused: false,
    deleted: false,
    revision: 1,
    pending: null,
    lastRunAt: null,
    lastOk: null,
    lastError: null,
    listChanged: false,
    ...over,
  };
}

function access(answer: () => BrokerAnswer | Promise<BrokerAnswer>) {
  const calls: string[] = [];
  const broker = {
    credentialFor: async (serverId: string) => {
      calls.push(serverId);
      return answer();
    },
  } as unknown as TokenBrokerClient;
  return { upstream: new UpstreamAccess(config, broker), calls };
}

const prepared = (p: PreparedAccess | { error: string }): PreparedAccess => {
  if ('error' in p) throw new Error(`expected access, got error: ${p.error}`);
  return p;
};

describe('upstream access (what discovery sends to each upstream)', () => {
  it('builds headers like the gateway: Bearer access token, then static headers (which win)', () => {
    const secrets = new Set<string>();
    assert.deepEqual(toHeaders({ status: 'ok', accessToken: 'tok-123456', tokenType: 'Bearer' }, secrets), {
      authorization: 'Bearer tok-123456',
    });
    assert.deepEqual(
      toHeaders(
        {
          status: 'ok',
          accessToken: 'ssws-98765',
          tokenType: 'SSWS',
          headers: { Authorization: 'SSWS ssws-98765' },
        },
        secrets,
      ),
      { authorization: 'SSWS ssws-98765' },
    );
    assert.deepEqual(
      toHeaders(
        { status: 'ok', accessToken: '', tokenType: 'static', headers: { 'X-Api-Key': 'key-4567' } },
        secrets,
      ),
      { 'x-api-key': 'key-4567' },
    );
    assert.ok(['tok-123456', 'ssws-98765', 'key-4567'].every((s) => secrets.has(s)));
  });

  it('asks auth only for servers registered with a credential; none and per-user go anonymous', async () => {
    const { upstream, calls } = access(() => ({
      status: 'ok',
      accessToken: 'tok-123456',
      tokenType: 'Bearer',
    }));
    const none = prepared(await upstream.prepare(server({ credentialMode: 'none' })));
    const perUser = prepared(await upstream.prepare(server({ credentialMode: 'per_user' })));
    assert.deepEqual([none.via, await none.headers()], ['anonymous', {}]);
    assert.deepEqual([perUser.via, await perUser.headers()], ['per_user', {}]);
    assert.equal(calls.length, 0);
    const hosted = prepared(
      await upstream.prepare(server({ catalogId: 'okta', kind: 'okta', credentialMode: 'per_user' })),
    );
    assert.equal(hosted.via, 'hosted');
    assert.match((await hosted.headers())['authorization']!, /^Bearer ey/, 'the okta-mcp service token');
    assert.equal(calls.length, 0);
    for (const mode of ['static', 'service', 'client_credentials']) {
      const a = prepared(await upstream.prepare(server({ credentialMode: mode })));
      assert.deepEqual([a.via, await a.headers()], ['credential', { authorization: 'Bearer tok-123456' }]);
    }
    assert.equal(calls.length, 3, 'one broker request per run while the credential is fresh');
  });

  it('re-asks auth when the credential is about to expire (long-lived watches)', async () => {
    let n = 0;
    const { upstream, calls } = access(() => ({
      status: 'ok',
      accessToken: `tok-${++n}-abcdef`,
      tokenType: 'Bearer',
      expiresAt: new Date(Date.now() + 10_000).toISOString(), // inside the 30 s margin
    }));
    const a = prepared(await upstream.prepare(server({ credentialMode: 'client_credentials' })));
    assert.equal((await a.headers())['authorization'], 'Bearer tok-2-abcdef');
    assert.equal(calls.length, 2);
    assert.equal(
      a.scrub('upstream said: tok-1-abcdef / Bearer tok-2-abcdef'),
      'upstream said: [redacted] / Bearer [redacted]',
    );
  });

  it('fails the run (no upstream contact) when auth is unreachable or has nothing usable', async () => {
    const down = access(() => {
      throw new BrokerUnavailableError(
        "auth's token broker at http://auth.test/internal/v1/upstream-token is unreachable (fetch failed)",
      );
    });
    const e1 = await down.upstream.prepare(server({}));
    assert.ok('error' in e1);
    assert.match(e1.error, /unreachable/);

    const notConfigured = access(() => ({
      status: 'not_configured',
      message: 'No upstream credentials are configured.',
    }));
    const e2 = await notConfigured.upstream.prepare(server({ credentialMode: 'static' }));
    assert.ok('error' in e2);
    assert.match(e2.error, /auth holds no credential/);
    // Registered before discovery stored the mode: nothing in auth means an anonymous server.
    const legacy = prepared(await notConfigured.upstream.prepare(server({ credentialMode: null })));
    assert.equal(legacy.via, 'anonymous');

    const perUser = access(() => ({ status: 'user_required', message: 'per-user OAuth' }));
    assert.equal(prepared(await perUser.upstream.prepare(server({ credentialMode: null }))).via, 'per_user');

    const ticket = access(() => ({
      status: 'reconnect_required',
      connectUrl: 'http://auth.test/connect/start?ticket=eyJhbGciOi.per-user.ticket',
      reason: 'invalid_grant',
      message: 'Reconnect.',
    }));
    const e3 = await ticket.upstream.prepare(server({ credentialMode: 'client_credentials' }));
    assert.ok('error' in e3);
    assert.match(e3.error, /Reconnect \(invalid_grant\)/);
    assert.ok(!e3.error.includes('ticket='), 'a per-user connect link never goes into a discovery result');
  });

  it("asks auth's broker as discovery, for no user; a refused or unreachable broker is a BrokerUnavailableError", async () => {
    const stand = await startBrokerStandIn(config.internalSecret);
    const other = await startBrokerStandIn('y'.repeat(32));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    try {
      stand.answer('s1', { status: 'ok', accessToken: 'tok-123456', tokenType: 'Bearer' });
      const client = (url: string) => new TokenBrokerClient({ ...config, authInternalUrl: url });
      assert.deepEqual(await client(stand.url).credentialFor('s1'), {
        status: 'ok',
        accessToken: 'tok-123456',
        tokenType: 'Bearer',
      });
      assert.deepEqual(stand.calls, [{ serverId: 's1', userId: 'discovery', caller: 'discovery' }]);
      await assert.rejects(
        client(other.url).credentialFor('s1'),
        (e: unknown) =>
          e instanceof BrokerUnavailableError && /answered HTTP 401: .*credential/.test(e.message),
      );
      await assert.rejects(
        client(closedUrl).credentialFor('s1'),
        (e: unknown) => e instanceof BrokerUnavailableError && /unreachable \(fetch failed/.test(e.message),
      );
    } finally {
      await stand.close();
      await other.close();
    }
  });
});
