import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ServiceTokenSigner } from '@portcullis/crypto';
import { DependencyProblem, ValidationProblem } from '../common/problem';
import { type AuthStandIn, startAuthStandIn, TEST_SECRET } from '../testing/harness';
import { HttpUpstreamClientRegistry } from './upstream-clients';

describe('HttpUpstreamClientRegistry (against a real HTTP stand-in for auth)', () => {
  let auth: AuthStandIn;
  let registry: HttpUpstreamClientRegistry;

  before(async () => {
    auth = await startAuthStandIn();
    registry = new HttpUpstreamClientRegistry(
      auth.url,
      new ServiceTokenSigner(TEST_SECRET, 'governance'),
      2000,
    );
  });
  after(() => auth.close());

  it('stores the configuration at auth with a governance service token, secret included, and reads back only "configured"', async () => {
    await registry.put('srv-1', {
      kind: 'okta',
      displayName: 'Okta',
      credentialMode: 'per_user',
      oktaOrgUrl: 'https://acme.okta.com',
      clientId: 'cid',
      clientSecret: 's3cret',
      scopes: ['okta.users.read'],
    });
    assert.equal(auth.clients.get('srv-1')!.secretSeen, 's3cret');
    assert.deepEqual(auth.requests.at(-1), {
      method: 'PUT',
      path: '/internal/v1/upstream-clients/srv-1',
      caller: 'governance',
    });
    assert.deepEqual(await registry.get('srv-1'), { clientSecret: 'configured' });
    // Omitting the secret keeps it.
    await registry.put('srv-1', {
      kind: 'okta',
      displayName: 'Okta 2',
      credentialMode: 'service',
      oktaOrgUrl: 'https://acme.okta.com',
      clientId: 'cid',
      scopes: [],
    });
    assert.deepEqual(await registry.get('srv-1'), { clientSecret: 'configured' });
    await registry.remove('srv-1');
    assert.equal(await registry.get('srv-1'), null);
    await registry.remove('srv-1'); // already gone: fine
  });

  it('maps auth rejecting the configuration to a 400 and auth failing to a 502', async () => {
    auth.failNext(400, { detail: 'clientId is required' });
    await assert.rejects(
      registry.put('x', { kind: 'oauth', displayName: 'X', credentialMode: 'service', scopes: [] }),
      (e: unknown) => e instanceof ValidationProblem && /clientId is required/.test(e.detail),
    );
    auth.failNext(500);
    await assert.rejects(
      registry.put('x', { kind: 'oauth', displayName: 'X', credentialMode: 'service', scopes: [] }),
      (e: unknown) => e instanceof DependencyProblem && e.status === 502,
    );
    const unreachable = new HttpUpstreamClientRegistry(
      'http://127.0.0.1:1',
      new ServiceTokenSigner(TEST_SECRET, 'governance'),
      1000,
    );
    await assert.rejects(
      unreachable.put('x', { kind: 'static', displayName: 'X', credentialMode: 'static', scopes: [] }),
      (e: unknown) => e instanceof DependencyProblem && /Cannot reach auth/.test(e.detail),
    );
  });
});
