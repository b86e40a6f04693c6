import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEnvelope, type EventDefinition } from '@portcullis/contracts';
import type { EventBus } from '@portcullis/messaging';
import { buildInProcessPlatform } from '@portcullis/runtime';
import type { GatewayConfig } from '../gateway.config';
import { AuditEmitter, AuditUnavailableError, type ToolCallRecord } from './audit-emitter';

/** A bus whose acknowledgements the test releases by hand. */
function manualBus() {
  const batches: { size: number; release: (err?: Error) => void }[] = [];
  const bus = {
    publishMany: (def: EventDefinition, items: { payload: unknown; opts: { tenantId: string } }[]) => {
      // Validate like the real buses do: an invalid record fails the whole publish.
      const envelopes = items.map((i) => createEnvelope(def, i.payload as never, i.opts));
      return new Promise((resolve, reject) => {
        batches.push({ size: items.length, release: (err) => (err ? reject(err) : resolve(envelopes)) });
      });
    },
  } as unknown as EventBus;
  return { bus, batches };
}

function emitter(bus: EventBus, timeoutMs = 2000) {
  const platform = buildInProcessPlatform({ tenantId: 't1', service: 'gateway', logLevel: 'silent' });
  const config = { AUDIT_BUFFER_LIMIT: 100, AUDIT_INTENT_TIMEOUT_MS: timeoutMs, AUDIT_VERBOSITY: 'standard' } as GatewayConfig;
  return new AuditEmitter(bus, platform, config);
}

const record = (n: number, tool = 'okta_whoami'): ToolCallRecord => ({ callId: `c${n}`, phase: 'intent', outcome: 'intent', user: { id: 'u1' }, client: { id: 'aic_1' }, tool });
const tick = () => new Promise((r) => setImmediate(r));

describe('AuditEmitter intents', () => {
  it('publishes a lone intent at once and batches the intents that arrive while earlier ones await acknowledgement', async () => {
    const { bus, batches } = manualBus();
    const audit = emitter(bus);
    const acked: number[] = [];
    const first = audit.recordIntent(record(0)).then(() => acked.push(0));
    await tick();
    assert.deepEqual(batches.map((b) => b.size), [1], 'no linger: the first intent goes out alone, immediately');
    const second = audit.recordIntent(record(1)).then(() => acked.push(1));
    await tick();
    assert.deepEqual(batches.map((b) => b.size), [1, 1], 'a second batch may be in flight');
    const rest = Array.from({ length: 20 }, (_, i) => audit.recordIntent(record(i + 2)).then(() => acked.push(i + 2)));
    await tick();
    assert.equal(batches.length, 2, 'with two batches in flight, new intents wait');
    batches[0]!.release();
    await first;
    await tick();
    assert.deepEqual(acked, [0], 'only the acknowledged intent proceeds');
    assert.deepEqual(batches.map((b) => b.size), [1, 1, 20], 'the waiting intents go out as one batch');
    batches[1]!.release();
    await second;
    assert.deepEqual(acked, [0, 1]);
    batches[2]!.release();
    await Promise.all(rest);
    assert.equal(acked.length, 22);
  });

  it('fails every call of a batch the bus refuses, closed', async () => {
    const { bus, batches } = manualBus();
    const audit = emitter(bus);
    const calls = [audit.recordIntent(record(1)), audit.recordIntent(record(2)), audit.recordIntent(record(3))];
    await tick();
    batches[0]!.release();
    batches[1]!.release(new Error('broker down'));
    await calls[0];
    await assert.rejects(calls[1]!, AuditUnavailableError);
    await assert.rejects(calls[2]!, AuditUnavailableError);
  });

  it('does not let one record the contract rejects fail the calls batched with it', async () => {
    const { bus, batches } = manualBus();
    const audit = emitter(bus);
    const blockers = [audit.recordIntent(record(0)), audit.recordIntent(record(1))];
    await tick();
    const good = audit.recordIntent(record(2));
    const bad = audit.recordIntent(record(3, 'x'.repeat(500)));
    await tick();
    for (const b of batches) b.release();
    await Promise.all(blockers);
    // The shared batch failed validation before reaching the broker; each record is retried alone
    // (the invalid one fails again before reaching it).
    while (batches.length < 3) await tick();
    assert.deepEqual(batches.map((b) => b.size), [1, 1, 1]);
    batches[2]!.release();
    await good;
    await assert.rejects(bad, AuditUnavailableError);
  });

  it('refuses the call when no acknowledgement comes within the timeout', async () => {
    const { bus } = manualBus();
    const audit = emitter(bus, 50);
    await assert.rejects(audit.recordIntent(record(1)), (err: Error) => err instanceof AuditUnavailableError && /unaudited/.test(err.message));
  });
});
