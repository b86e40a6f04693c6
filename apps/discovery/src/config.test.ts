import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError } from '@portcullis/config';
import { loadDiscoveryConfig } from './config';

it('loads discovery configuration with defaults and fails fast on bad values', () => {
  const c = loadDiscoveryConfig({ INTERNAL_SERVICE_SECRET: 'x'.repeat(32) });
  assert.deepEqual(
    [c.tickMs, c.timeoutMs, c.maxPages, c.defaultIntervalSeconds, c.watchListChanged, c.oktaMcpUrl],
    [5000, 30000, 100, 3600, true, undefined],
  );
  assert.throws(
    () => loadDiscoveryConfig({ INTERNAL_SERVICE_SECRET: 'x'.repeat(32), DISCOVERY_MAX_PAGES: '0' }),
    (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'DISCOVERY_MAX_PAGES',
  );
  assert.throws(
    () => loadDiscoveryConfig({}),
    (e: unknown) => e instanceof ConfigError && e.problems[0]!.variable === 'INTERNAL_SERVICE_SECRET',
  );
});
