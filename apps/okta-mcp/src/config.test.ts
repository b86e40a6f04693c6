import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@portcullis/config';
import { loadOktaMcpConfig } from './config';

const SECRET = 'c'.repeat(40);

test('defaults and parsing', () => {
  const c = loadOktaMcpConfig({ INTERNAL_SERVICE_SECRET: SECRET });
  assert.equal(c.OKTA_MCP_PORT, 8091);
  assert.deepEqual(c.OKTA_ORG_ALLOWLIST, []);
  assert.equal(c.LOG_LEVEL, 'info');
  const d = loadOktaMcpConfig({
    INTERNAL_SERVICE_SECRET: SECRET,
    OKTA_MCP_PORT: '9000',
    OKTA_ORG_ALLOWLIST: 'http://127.0.0.1:*, http://localhost:8090',
  });
  assert.equal(d.OKTA_MCP_PORT, 9000);
  assert.deepEqual(d.OKTA_ORG_ALLOWLIST, ['http://127.0.0.1:*', 'http://localhost:8090']);
});

test('bad values fail at boot naming the variable, never echoing the secret', () => {
  assert.throws(
    () =>
      loadOktaMcpConfig({
        INTERNAL_SERVICE_SECRET: 'too-short-secret',
        OKTA_ORG_ALLOWLIST: 'ftp://x',
        OKTA_MCP_PORT: 'abc',
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /INTERNAL_SERVICE_SECRET: must be at least 32 characters/);
      assert.match(e.message, /OKTA_ORG_ALLOWLIST: .*must be http\(s\)/);
      assert.match(e.message, /OKTA_MCP_PORT/);
      assert.ok(!e.message.includes('too-short-secret'));
      return true;
    },
  );
});
