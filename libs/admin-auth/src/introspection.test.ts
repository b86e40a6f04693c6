import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { AdminTokenRevoked, ClientChanged } from '@portcullis/contracts';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { InProcessEventBus } from '@portcullis/messaging';
import { IntrospectionClient, type IntrospectionResult } from './introspection';

describe('IntrospectionClient: remembered answers and revocation events', () => {
  const answers: Record<string, IntrospectionResult> = {
    'admin-token': { active: true, kind: 'admin_api_token', sub: 'tok-1', groups: [], scopes: ['admin'], admin: true },
    'access-a': { active: true, kind: 'access_token', sub: 'user-1', groups: ['admins'], scopes: [], admin: true, clientId: 'client-1', tokenId: 'jti-a' },
    'access-b': { active: true, kind: 'access_token', sub: 'user-1', groups: ['admins'], scopes: [], admin: true, clientId: 'client-1', tokenId: 'jti-b' },
    'access-c': { active: true, kind: 'access_token', sub: 'user-2', groups: ['admins'], scopes: [], admin: true, clientId: 'client-2', tokenId: 'jti-c' },
    slow: { active: true, kind: 'admin_api_token', sub: 'tok-slow', groups: [], scopes: ['admin'], admin: true },
  };
  const asked: string[] = [];
  let auth: Server;
  let bus: InProcessEventBus;
  let client: IntrospectionClient;

  before(async () => {
    auth = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const token = (JSON.parse(body) as { token: string }).token;
        asked.push(token);
        res.setHeader('content-type', 'application/json');
        setTimeout(() => res.end(JSON.stringify(answers[token] ?? { active: false })), token === 'slow' ? 100 : 0);
      });
    });
    await new Promise<void>((r) => auth.listen(0, '127.0.0.1', r));
    bus = new InProcessEventBus();
    client = new IntrospectionClient(`http://127.0.0.1:${(auth.address() as { port: number }).port}`, new ServiceTokenSigner('s'.repeat(32), 'governance'), 60_000);
    await client.watchRevocations(bus, 'acme', 'test');
  });

  after(async () => {
    await client.close();
    await bus.close();
    auth.close();
  });

  /** How many times auth was asked about `token` while introspecting it `times` more times. */
  async function roundTrips(token: string, times = 2): Promise<number> {
    const before = asked.filter((t) => t === token).length;
    for (let i = 0; i < times; i++) await client.introspect(token);
    return asked.filter((t) => t === token).length - before;
  }

  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('answers a repeat from memory', async () => {
    for (const t of Object.keys(answers)) assert.equal(await roundTrips(t), 1, t);
    for (const t of Object.keys(answers)) assert.equal(await roundTrips(t), 0, t);
  });

  it('forgets a revoked admin API token (and only that one) at once', async () => {
    await bus.publish(AdminTokenRevoked, { tokenId: 'tok-1' }, { tenantId: 'other-tenant' });
    await settle();
    assert.equal(await roundTrips('admin-token'), 0, 'another tenant’s revocation changes nothing');
    await bus.publish(AdminTokenRevoked, { tokenId: 'tok-1' }, { tenantId: 'acme' });
    await settle();
    assert.equal(await roundTrips('admin-token'), 1);
    assert.equal(await roundTrips('access-a'), 0);
  });

  it('forgets revoked access tokens by jti, and every token of a closed AI client', async () => {
    await bus.publish(ClientChanged, { clientId: 'client-1', change: 'tokens_revoked', revokedTokenIds: ['jti-a'] }, { tenantId: 'acme' });
    await settle();
    assert.equal(await roundTrips('access-a'), 1);
    assert.equal(await roundTrips('access-b'), 0, 'the same client’s other token is still good');
    await bus.publish(ClientChanged, { clientId: 'client-2', change: 'closed' }, { tenantId: 'acme' });
    await settle();
    assert.equal(await roundTrips('access-c'), 1);
    assert.equal(await roundTrips('access-b'), 0);
    await bus.publish(ClientChanged, { clientId: 'client-1', change: 'updated' }, { tenantId: 'acme' });
    await settle();
    assert.equal(await roundTrips('access-b'), 0, 'an ordinary update forgets nothing');
  });

  it('does not remember an answer that was in flight when a revocation arrived', async () => {
    const inFlight = client.introspect('slow');
    await settle();
    await bus.publish(AdminTokenRevoked, { tokenId: 'tok-slow' }, { tenantId: 'acme' });
    assert.equal((await inFlight).active, true, 'auth answered before it knew');
    assert.equal(await roundTrips('slow', 1), 1, 'the next request asks auth again');
  });
});
