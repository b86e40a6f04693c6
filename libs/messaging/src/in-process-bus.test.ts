import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineEvent } from '@portcullis/contracts';
import { z } from 'zod';
import { ContractPing, eventBusContract } from './bus.contract';
import { InProcessEventBus } from './in-process-bus';

eventBusContract('in-process', async () => {
  const bus = new InProcessEventBus();
  return Object.assign(bus, {
    publishRaw: async (def: { topic: string }, key: string, value: string) => bus.append(def.topic, key, value),
  });
});

describe('in-process bus retention', () => {
  const ping = (n: number) => ({ payload: { service: `s${n % 7}`, instanceId: String(n), version: '1', startedAt: '2026-01-01T00:00:00Z' }, opts: { tenantId: 't1' } });

  it('keeps every message a slow group has not consumed yet, however far beyond maxRetained it falls', async () => {
    const bus = new InProcessEventBus({ maxRetained: 100 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    await bus.subscribeBatch(ContractPing, { group: 'slow', maxBatchSize: 50 }, async (batch) => {
      await gate; // the consumer is stuck (e.g. its database is slow) while 5,000 events arrive
      for (const e of batch) seen.push(e.payload.instanceId);
    });
    for (let i = 0; i < 5000; i += 500) await bus.publishMany(ContractPing, Array.from({ length: 500 }, (_, k) => ping(i + k)));
    release();
    const deadline = Date.now() + 10_000;
    while (seen.length < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 5000, 'no event may be dropped while a group still needs it');
    assert.deepEqual(seen.map(Number), Array.from({ length: 5000 }, (_, i) => i), 'in publish order, each once');
    await bus.close();
  });

  it('drops consumed messages beyond maxRetained, so memory stays bounded', async () => {
    const bus = new InProcessEventBus({ maxRetained: 100 });
    let consumed = 0;
    await bus.subscribe(ContractPing, { group: 'fast' }, async () => {
      consumed++;
    });
    for (let i = 0; i < 3000; i++) {
      await bus.publish(ContractPing, ping(i).payload, { tenantId: 't1' });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    while (consumed < 3000) await new Promise((r) => setImmediate(r));
    await bus.publish(ContractPing, ping(3000).payload, { tenantId: 't1' });
    const late: string[] = [];
    await bus.subscribe(ContractPing, { group: 'late', fromBeginning: true }, async (e) => {
      late.push(e.payload.instanceId);
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(late.length >= 100 && late.length <= 111, `a late group finds only the retained tail (got ${late.length})`);
    assert.equal(late.at(-1), '3000');
    await bus.close();
  });

  it('a compacted topic keeps the newest message per key, with offsets that never repeat', async () => {
    const Setting = defineEvent({ type: 'system.test-setting', version: 1, keyOf: (p: { name: string; value: number }) => p.name, payload: z.object({ name: z.string(), value: z.number() }), compacted: true });
    const bus = new InProcessEventBus({ maxRetained: 100 });
    const seen: string[] = [];
    await bus.subscribe(Setting, { group: 'reader' }, async (e) => {
      seen.push(`${e.payload.name}=${e.payload.value}`);
    });
    const put = async (name: string, value: number) => {
      await bus.publish(Setting, { name, value }, { tenantId: 't1' });
      await new Promise((r) => setImmediate(r));
    };
    // a, b, a, a: once read, compaction keeps b=1 and a=3, a sparse log; then more arrive.
    await put('a', 0);
    await put('b', 1);
    await put('a', 2);
    await put('a', 3);
    await put('c', 4);
    await put('a', 5);
    assert.deepEqual(seen, ['a=0', 'b=1', 'a=2', 'a=3', 'c=4', 'a=5'], 'the live reader sees every message once, in order');
    const late: string[] = [];
    await bus.subscribe(Setting, { group: 'late', fromBeginning: true }, async (e) => {
      late.push(`${e.payload.name}=${e.payload.value}`);
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(late, ['b=1', 'c=4', 'a=5'], 'a late reader from the beginning gets the newest per key');
    await bus.close();
  });
});
