import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineEvent, type EventEnvelope, InvalidEventError } from '@portcullis/contracts';
import { z } from 'zod';
import type { DeadLetter, EventBus } from './event-bus';

/**
 * The event-bus contract. Both implementations (in-process and Kafka) must pass it unchanged.
 * `makeBus` returns a fresh bus isolated from other tests (own topic prefix for Kafka).
 */
export const ContractPing = defineEvent({
  type: 'system.service-started',
  version: 1,
  keyOf: (p: { service: string }) => p.service,
  payload: z.object({ service: z.string().min(1), instanceId: z.string().min(1), version: z.string(), startedAt: z.string() }),
});

function ping(service: string, n: number) {
  return { service, instanceId: String(n), version: '1', startedAt: new Date().toISOString() };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function eventBusContract(name: string, makeBus: () => Promise<EventBus & { publishRaw?(def: typeof ContractPing, key: string, value: string): Promise<void> }>) {
  describe(`EventBus contract: ${name}`, () => {
    let bus: Awaited<ReturnType<typeof makeBus>>;
    before(async () => {
      bus = await makeBus();
      await bus.start();
    });
    after(async () => {
      await bus.close();
    });

    it('rejects an invalid event at the producer with a message naming the field', async () => {
      await assert.rejects(
        bus.publish(ContractPing, { service: '', instanceId: 'x', version: '1', startedAt: 'now' }, { tenantId: 't1' }),
        (err: unknown) => err instanceof InvalidEventError && /service/.test(err.message),
      );
    });

    it('delivers every event to each consumer group, in order per key', async () => {
      const seenA: EventEnvelope<{ service: string; instanceId: string }>[] = [];
      const seenB: string[] = [];
      const subA = await bus.subscribe(ContractPing, { group: 'contract-a', fromBeginning: true }, async (e) => {
        seenA.push(e);
      });
      const subB = await bus.subscribe(ContractPing, { group: 'contract-b', fromBeginning: true }, async (e) => {
        seenB.push(e.eventId);
      });
      const items = [];
      for (let i = 0; i < 30; i++) items.push({ payload: ping(i % 2 ? 'odd' : 'even', i), opts: { tenantId: 't1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      const published = await bus.publishMany(ContractPing, items);
      await waitFor(() => seenA.length >= 30 && seenB.length >= 30, 'both groups to see 30 events');
      assert.deepEqual(new Set(seenA.map((e) => e.eventId)), new Set(published.map((e) => e.eventId)));
      assert.deepEqual(new Set(seenB), new Set(published.map((e) => e.eventId)));
      for (const key of ['odd', 'even']) {
        const order = seenA.filter((e) => e.key === key).map((e) => Number(e.payload.instanceId));
        assert.deepEqual(order, [...order].sort((a, b) => a - b), `order kept for key ${key}`);
      }
      assert.equal(seenA[0]!.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'trace context travels');
      await subA.close();
      await subB.close();
    });

    it('batch subscriptions hand over every event in batches of at most maxBatchSize, whatever the fetch size', async () => {
      const batches: number[] = [];
      const seen = new Set<string>();
      const sub = await bus.subscribeBatch(
        ContractPing,
        { group: 'contract-batch', fromBeginning: true, maxBatchSize: 7, maxBytesPerPartition: 64 * 1024 },
        async (envs) => {
          batches.push(envs.length);
          for (const e of envs) seen.add(e.eventId);
        },
      );
      const published = await bus.publishMany(ContractPing, Array.from({ length: 50 }, (_, i) => ({ payload: ping(`batch-${i % 5}`, i), opts: { tenantId: 't1' } })));
      await waitFor(() => published.every((e) => seen.has(e.eventId)), 'the batch subscriber to see 50 events');
      assert.ok(batches.every((n) => n >= 1 && n <= 7), `batch sizes ${batches.join(',')}`);
      await sub.close();
    });

    it('shares work between members of one group (each event handled once by the group)', async () => {
      const handled: string[] = [];
      const m1 = await bus.subscribe(ContractPing, { group: 'contract-shared', fromBeginning: true }, async (e) => {
        handled.push(e.eventId);
      });
      const m2 = await bus.subscribe(ContractPing, { group: 'contract-shared', fromBeginning: true }, async (e) => {
        handled.push(e.eventId);
      });
      const before = handled.length;
      const published = await bus.publishMany(
        ContractPing,
        Array.from({ length: 20 }, (_, i) => ({ payload: ping(`k${i}`, i), opts: { tenantId: 't1' } })),
      );
      const ids = new Set(published.map((p) => p.eventId));
      await waitFor(() => handled.filter((h) => ids.has(h)).length >= 20, 'the group to handle 20 events');
      await new Promise((r) => setTimeout(r, 300));
      const mine = handled.slice(before).filter((h) => ids.has(h));
      assert.equal(new Set(mine).size, 20);
      await m1.close();
      await m2.close();
    });

    it('retries a failing handler, then dead-letters the event with the reason and moves on', async () => {
      const attempts = new Map<string, number>();
      const ok: string[] = [];
      const dead: DeadLetter[] = [];
      const dlq = await bus.subscribeDeadLetters(ContractPing, { group: 'contract-dlq', fromBeginning: true }, async (d) => {
        dead.push(d);
      });
      const sub = await bus.subscribe(
        ContractPing,
        { group: 'contract-retry', fromBeginning: false, maxAttempts: 3, retryDelayMs: 10 },
        async (e) => {
          attempts.set(e.eventId, (attempts.get(e.eventId) ?? 0) + 1);
          if (e.payload.service === 'poison') throw new Error('cannot handle poison');
          ok.push(e.eventId);
        },
      );
      await new Promise((r) => setTimeout(r, bus.kind === 'kafka' ? 3000 : 10));
      const [poison] = await bus.publishMany(ContractPing, [{ payload: ping('poison', 1), opts: { tenantId: 't1', key: 'same' } }]);
      const [good] = await bus.publishMany(ContractPing, [{ payload: ping('good', 2), opts: { tenantId: 't1', key: 'same' } }]);
      await waitFor(() => ok.includes(good!.eventId), 'the event after the poison one to be handled');
      await waitFor(() => dead.some((d) => d.eventId === poison!.eventId), 'the poison event in the dead-letter topic');
      assert.equal(attempts.get(poison!.eventId), 3, 'bounded retries');
      const dl = dead.find((d) => d.eventId === poison!.eventId)!;
      assert.match(dl.reason, /cannot handle poison/);
      assert.equal(dl.attempts, 3);
      await sub.close();
      await dlq.close();
    });

    it('at-least-once: an event whose handler failed transiently is delivered again', async () => {
      let failures = 1;
      const delivered: string[] = [];
      const sub = await bus.subscribe(
        ContractPing,
        { group: 'contract-alo', fromBeginning: false, maxAttempts: 5, retryDelayMs: 10 },
        async (e) => {
          if (e.payload.service !== 'alo') return;
          delivered.push(e.eventId);
          if (failures-- > 0) throw new Error('transient');
        },
      );
      await new Promise((r) => setTimeout(r, bus.kind === 'kafka' ? 3000 : 10));
      const env = await bus.publish(ContractPing, ping('alo', 1), { tenantId: 't1' });
      await waitFor(() => delivered.length >= 2, 'redelivery');
      assert.deepEqual(delivered, [env.eventId, env.eventId]);
      await sub.close();
    });

    it('broadcast subscriptions each see every event (every gateway replica gets every snapshot)', async () => {
      const a: string[] = [];
      const b: string[] = [];
      const s1 = await bus.subscribe(ContractPing, { group: 'contract-bcast', broadcast: true, fromBeginning: true }, async (e) => {
        a.push(e.eventId);
      });
      const s2 = await bus.subscribe(ContractPing, { group: 'contract-bcast', broadcast: true, fromBeginning: true }, async (e) => {
        b.push(e.eventId);
      });
      const env = await bus.publish(ContractPing, ping('bcast', 1), { tenantId: 't1' });
      await waitFor(() => a.includes(env.eventId) && b.includes(env.eventId), 'both replicas to see the event');
      await s1.close();
      await s2.close();
    });

    it('dead-letters a malformed message at the consumer without retrying it', async () => {
      const dead: DeadLetter[] = [];
      const handled: string[] = [];
      const dlq = await bus.subscribeDeadLetters(ContractPing, { group: 'contract-dlq-malformed', fromBeginning: true }, async (d) => {
        dead.push(d);
      });
      const sub = await bus.subscribe(ContractPing, { group: 'contract-malformed', fromBeginning: false, maxAttempts: 3 }, async (e) => {
        handled.push(e.eventId);
      });
      await new Promise((r) => setTimeout(r, bus.kind === 'kafka' ? 3000 : 10));
      const raw = JSON.stringify({ eventId: 'not-a-uuid', type: 'system.service-started', version: 1, payload: {} });
      if (bus.publishRaw) await bus.publishRaw(ContractPing, 'bad', raw);
      else throw new Error('bus under test must expose publishRaw for this contract');
      await waitFor(() => dead.some((d) => d.value === raw), 'the malformed message in the dead-letter topic');
      const dl = dead.find((d) => d.value === raw)!;
      assert.match(dl.reason, /Invalid system\.service-started event/);
      assert.equal(dl.attempts, 0);
      assert.equal(handled.length, 0);
      await sub.close();
      await dlq.close();
    });
  });
}
