import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@portcullis/config';
import { loadAuthConfig } from './auth.config';

const valid = {
  PUBLIC_URL: 'https://pc.example.com/',
  IDP_ISSUER_URL: 'https://acme.okta.com',
  IDP_CLIENT_ID: 'client',
  IDP_CLIENT_SECRET: 'secret',
  PORTCULLIS_KEKS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  INTERNAL_SERVICE_SECRET: 'z'.repeat(32),
};

describe('auth configuration', () => {
  it('derives the issuer, the gateway resource and secure cookies from PUBLIC_URL', () => {
    const c = loadAuthConfig(valid);
    assert.equal(c.issuer, 'https://pc.example.com');
    assert.equal(c.GATEWAY_RESOURCE_URL, 'https://pc.example.com/mcp');
    assert.equal(c.secureCookies, true);
    assert.deepEqual(c.ADMIN_GROUPS, ['Portcullis Admins']);
    assert.equal(c.ACCESS_TOKEN_TTL_SECONDS, 600);
    assert.equal(c.AUTHORIZATION_CODE_TTL_SECONDS, 60);
    assert.equal(c.CIMD_ALLOW_LOOPBACK, false);
  });

  it('a missing IdP setting stops start-up naming the variable', () => {
    const { IDP_ISSUER_URL: _a, IDP_CLIENT_ID: _b, IDP_CLIENT_SECRET: _c, ...rest } = valid;
    assert.throws(
      () => loadAuthConfig(rest),
      (e: unknown) =>
        e instanceof ConfigError &&
        /IDP_ISSUER_URL: is required/.test(e.message) &&
        /IDP_CLIENT_ID/.test(e.message) &&
        /IDP_CLIENT_SECRET/.test(e.message),
    );
  });

  it('refuses bad keys, short secrets, a path in PUBLIC_URL, and never echoes secrets', () => {
    assert.throws(
      () => loadAuthConfig({ ...valid, PORTCULLIS_KEKS: 'k1:c2hvcnQ=' }),
      /PORTCULLIS_KEKS: must be "kid:base64-32-byte-key/,
    );
    assert.throws(
      () => loadAuthConfig({ ...valid, INTERNAL_SERVICE_SECRET: 'short' }),
      /INTERNAL_SERVICE_SECRET: must be at least 32 characters/,
    );
    assert.throws(
      () => loadAuthConfig({ ...valid, PUBLIC_URL: 'https://pc.example.com/auth' }),
      /PUBLIC_URL: must be an origin without a path/,
    );
    assert.throws(
      () => loadAuthConfig({ ...valid, PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: 'tooshort-secret-value' }),
      (e: unknown) => e instanceof Error && !e.message.includes('tooshort-secret-value'),
    );
  });
});
