import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError } from '@portcullis/config';
import { loadDiscoveryConfig } from './config';

const base = { INTERNAL_SERVICE_SECRET: 'x'.repeat(32), AUTH_INTERNAL_URL: 'http://auth:8081/' };

it('loads discovery configuration with defaults and fails fast on bad values', () => {
  const c = loadDiscoveryConfig(base);
  assert.deepEqual(
    [c.tickMs, c.timeoutMs, c.maxPages, c.defaultIntervalSeconds, c.watchListChanged, c.oktaMcpUrl],
    [5000, 30000, 100, 3600, true, undefined],
  );
  assert.equal(c.authInternalUrl, 'http://auth:8081');
  assert.throws(
    () => loadDiscoveryConfig({ ...base, DISCOVERY_MAX_PAGES: '0' }),
    (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'DISCOVERY_MAX_PAGES',
  );
  assert.throws(
    () => loadDiscoveryConfig({}),
    (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'INTERNAL_SERVICE_SECRET',
  );
});

it("needs auth's internal URL (the token broker); embedded mode defaults it to PUBLIC_URL", () => {
  assert.throws(
    () => loadDiscoveryConfig({ INTERNAL_SERVICE_SECRET: 'x'.repeat(32) }),
    (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'AUTH_INTERNAL_URL',
  );
  const embedded = loadDiscoveryConfig({
    INTERNAL_SERVICE_SECRET: 'x'.repeat(32),
    PORTCULLIS_MODE: 'embedded',
    PUBLIC_URL: 'http://127.0.0.1:8080',
  });
  assert.equal(embedded.authInternalUrl, 'http://127.0.0.1:8080');
});
