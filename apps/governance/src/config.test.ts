import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError } from '@portcullis/config';
import { loadGovernanceConfig } from './config';

const secret = 'x'.repeat(32);

it('loads governance configuration, defaulting auth to the embedded host URL and failing fast on bad values', () => {
  const c = loadGovernanceConfig({
    AUTH_INTERNAL_URL: 'http://auth:8081',
    INTERNAL_SERVICE_SECRET: secret,
    OKTA_ORG_ALLOWLIST: 'http://127.0.0.1:*',
  });
  assert.equal(c.authInternalUrl, 'http://auth:8081');
  assert.equal(c.oktaMcpUrl, 'http://127.0.0.1:8091/mcp');
  assert.deepEqual(c.oktaOrgAllowlist, ['http://127.0.0.1:*']);
  assert.equal(c.demo.enabled, false);
  assert.equal(
    loadGovernanceConfig({
      PORTCULLIS_MODE: 'embedded',
      PUBLIC_URL: 'http://127.0.0.1:8080',
      INTERNAL_SERVICE_SECRET: secret,
    }).authInternalUrl,
    'http://127.0.0.1:8080',
  );
  const problem = (env: Record<string, string>) => {
    try {
      loadGovernanceConfig(env);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.problems.map((p) => p.variable).join(',');
    }
  };
  assert.equal(problem({ INTERNAL_SERVICE_SECRET: secret }), 'AUTH_INTERNAL_URL');
  assert.equal(
    problem({ AUTH_INTERNAL_URL: 'http://a', INTERNAL_SERVICE_SECRET: 'short' }),
    'INTERNAL_SERVICE_SECRET',
  );
  assert.equal(
    problem({ AUTH_INTERNAL_URL: 'http://a', INTERNAL_SERVICE_SECRET: secret, OKTA_ORG_ALLOWLIST: 'nope' }),
    'OKTA_ORG_ALLOWLIST',
  );
  assert.equal(
    problem({ AUTH_INTERNAL_URL: 'http://a', INTERNAL_SERVICE_SECRET: secret, PORTCULLIS_DEMO: 'true' }),
    'DEMO_OKTA_ORG_URL',
  );
});
