import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ServiceStarted } from '@portcullis/contracts';
import { type DedicatedKafka, freshDatabase, startDedicatedKafka, type TestDatabase } from '@portcullis/testing';
import { Client } from 'pg';
import { BusUnavailableError } from './event-bus';
import { KafkaEventBus } from './kafka-bus';

/**
 * Acceptance: killing the Kafka broker during a produce loop and restarting it loses no
 * acknowledged event, and the consumer's idempotent store holds each exactly once.
 */
describe('Kafka broker crash mid-stream (dedicated broker)', () => {
  let kafka: DedicatedKafka;
  let db: TestDatabase;
  let store: Client;

  before(async () => {
    [kafka, db] = await Promise.all([startDedicatedKafka(), freshDatabase()]);
    store = new Client({ connectionString: db.url });
    await store.connect();
    await store.query('CREATE TABLE received (event_id uuid PRIMARY KEY, deliveries int NOT NULL DEFAULT 1)');
  });

  after(async () => {
    await store?.end();
    await kafka?.close();
    await db?.drop();
  });

  it('keeps every acknowledged event and stores none twice', async () => {
    const producer = new KafkaEventBus({ brokers: kafka.brokers, clientId: 'crash-producer', publishTimeoutMs: 4000 });
    const consumer = new KafkaEventBus({ brokers: kafka.brokers, clientId: 'crash-consumer' });
    await producer.start();
    let redeliveries = 0;
    const sub = await consumer.subscribeBatch(ServiceStarted, { group: 'crash-store', fromBeginning: true, maxAttempts: 1000, retryDelayMs: 200 }, async (envs) => {
      // The idempotent store: a redelivered eventId is counted but not stored again.
      for (const e of envs) {
        const r = await store.query('INSERT INTO received (event_id) VALUES ($1) ON CONFLICT (event_id) DO UPDATE SET deliveries = received.deliveries + 1 RETURNING deliveries', [e.eventId]);
        if ((r.rows[0] as { deliveries: number }).deliveries > 1) redeliveries++;
      }
    });

    const acknowledged = new Set<string>();
    let failedPublishes = 0;
    let n = 0;
    const produceFor = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        try {
          const env = await producer.publish(ServiceStarted, { service: 'load', instanceId: String(n++), version: '1', startedAt: new Date().toISOString() }, { tenantId: 't' });
          acknowledged.add(env.eventId);
        } catch (err) {
          assert.ok(err instanceof BusUnavailableError, `publish fails with BusUnavailableError, got ${(err as Error).message}`);
          failedPublishes++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    await produceFor(2500);
    const beforeCrash = acknowledged.size;
    const loop = produceFor(9000);
    await new Promise((r) => setTimeout(r, 1500));
    await kafka.kill();
    await new Promise((r) => setTimeout(r, 2500));
    await kafka.start();
    await loop;
    assert.ok(beforeCrash > 0 && acknowledged.size > beforeCrash, `events acknowledged before (${beforeCrash}) and after (${acknowledged.size}) the crash`);

    const deadline = Date.now() + 60_000;
    let stored = 0;
    while (Date.now() < deadline) {
      stored = Number((await store.query('SELECT count(*) FROM received')).rows[0].count);
      if (stored >= acknowledged.size) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const ids = new Set((await store.query('SELECT event_id FROM received')).rows.map((r: { event_id: string }) => r.event_id));
    const lost = [...acknowledged].filter((id) => !ids.has(id));
    assert.deepEqual(lost, [], `no acknowledged event lost (acknowledged ${acknowledged.size}, failed publishes ${failedPublishes})`);
    const dupRows = Number((await store.query('SELECT count(*) FROM (SELECT event_id FROM received GROUP BY event_id HAVING count(*) > 1) d')).rows[0].count);
    assert.equal(dupRows, 0, 'the store holds each event once');
    // Unacknowledged publishes may still have landed (at-least-once); anything stored is a real event.
    assert.ok(ids.size >= acknowledged.size);
    process.stdout.write(`# crash test: acknowledged ${acknowledged.size}, stored ${ids.size}, failed publishes ${failedPublishes}, redeliveries absorbed ${redeliveries}\n`);
    await sub.close();
    await consumer.close();
    await producer.close();
  });
});
