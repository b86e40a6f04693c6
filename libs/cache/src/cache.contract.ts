import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Cache } from './cache';

/** The cache contract; the Redis and in-memory implementations must both pass it. */
export function cacheContract(name: string, makeCache: () => Promise<Cache>) {
  describe(`Cache contract: ${name}`, () => {
    let cache: Cache;
    const k = (s: string) => `contract:${randomUUID()}:${s}`;
    before(async () => {
      cache = await makeCache();
    });
    after(async () => {
      await cache.close();
    });

    it('stores values with a TTL and forgets them after it', async () => {
      const key = k('ttl');
      await cache.set(key, 'v1', 150);
      assert.equal(await cache.get(key), 'v1');
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(await cache.get(key), null);
    });

    it('overwrites and deletes', async () => {
      const key = k('ow');
      await cache.set(key, 'a', 10_000);
      await cache.set(key, 'b', 10_000);
      assert.equal(await cache.get(key), 'b');
      await cache.del(key);
      assert.equal(await cache.get(key), null);
    });

    it('lock: exactly one of many concurrent contenders wins (single-flight)', async () => {
      const key = k('lock');
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.acquireLock(key, 5000)));
      const winners = results.filter(Boolean);
      assert.equal(winners.length, 1);
      await winners[0]!.release();
      const again = await cache.acquireLock(key, 5000);
      assert.ok(again, 'released lock can be taken again');
      await again.release();
    });

    it('lock: expires on its own when the holder dies, and a stale holder cannot release a new lock', async () => {
      const key = k('lock-exp');
      const first = await cache.acquireLock(key, 100);
      assert.ok(first);
      await new Promise((r) => setTimeout(r, 200));
      const second = await cache.acquireLock(key, 5000);
      assert.ok(second, 'expired lock is free');
      await first.release(); // stale holder
      assert.equal(await cache.acquireLock(key, 5000), null, 'the new holder keeps it');
      await second.release();
    });

    it('pub/sub delivers invalidation messages to subscribers until they unsubscribe', async () => {
      const channel = k('chan');
      const got: string[] = [];
      const unsubscribe = await cache.subscribe(channel, (m) => got.push(m));
      await cache.publish(channel, 'revoke:1');
      const deadline = Date.now() + 3000;
      while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['revoke:1']);
      await unsubscribe();
      await cache.publish(channel, 'revoke:2');
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(got, ['revoke:1']);
    });

    it('answers ping', async () => {
      assert.equal(await cache.ping(), true);
    });
  });
}
