import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DedicatedRedis, eventually, serviceEnvironment } from '@portcullis/testing';
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

it('during an outage fails each command at once rather than waiting out its deadline, and recovers when Redis returns', async () => {
  const redis = await DedicatedRedis.start();
  // A long deadline: a command that waited for the reconnect would take seconds.
  const cache = new RedisCache({ url: redis.url, commandTimeoutMs: 5000 });
  try {
    await cache.set('k', 'v', 60_000);
    assert.equal(await cache.get('k'), 'v');
    await redis.kill();
    await eventually('the client to notice the lost connection', async () => !(await cache.ping()), 10_000, 50);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await assert.rejects(cache.get('k'), CacheUnavailableError);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `five commands failed in ${elapsed} ms; each should fail at once, not wait up to 5 s`);
    await redis.up();
    await eventually('commands to work again after Redis returns', async () => (await cache.set('k2', 'v2', 60_000).then(() => true, () => false)), 15_000, 100);
    assert.equal(await cache.get('k2'), 'v2');
  } finally {
    await cache.close();
    await redis.stop();
  }
});
