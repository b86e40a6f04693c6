import assert from 'node:assert/strict';
import { it } from 'node:test';
import { serviceEnvironment } from '@portcullis/testing';
import { CacheUnavailableError } from './cache';
import { cacheContract } from './cache.contract';
import { RedisCache } from './redis-cache';

cacheContract('redis', async () => new RedisCache({ url: serviceEnvironment().redisUrl, keyPrefix: 'pc-test:' }));

it('fails fast with CacheUnavailableError when Redis is unreachable (callers fall back, never hang)', async () => {
  const cache = new RedisCache({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
  const started = Date.now();
  await assert.rejects(cache.get('x'), CacheUnavailableError);
  assert.ok(Date.now() - started < 2000, 'failed within the command deadline');
  assert.equal(await cache.ping(), false);
  await cache.close();
});
