import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addPeriods, covering, partitionName, periodStart, planPartition } from './partitions';

const d = (s: string) => new Date(s);

describe('partitions', () => {
  it('computes UTC months and days', () => {
    assert.equal(
      periodStart(d('2025-12-31T23:59:59.999Z'), 'month').toISOString(),
      '2025-12-01T00:00:00.000Z',
    );
    assert.equal(addPeriods(d('2025-12-01T00:00:00Z'), 'month', 1).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(periodStart(d('2024-02-29T10:00:00Z'), 'day').toISOString(), '2024-02-29T00:00:00.000Z');
    assert.equal(addPeriods(d('2024-02-28T00:00:00Z'), 'day', 2).toISOString(), '2024-03-01T00:00:00.000Z');
    assert.equal(
      partitionName(d('2025-06-01T00:00:00Z'), d('2025-07-01T00:00:00Z')),
      'events_20250601_20250701',
    );
  });

  it('plans nothing when a partition covers the time', () => {
    const existing = [{ name: 'p', from: d('2025-06-01T00:00:00Z'), to: d('2025-07-01T00:00:00Z') }];
    assert.equal(planPartition(existing, d('2025-06-15T00:00:00Z'), 'month'), undefined);
    assert.equal(covering(existing, d('2025-07-01T00:00:00Z')), undefined, 'upper bound is exclusive');
  });

  it('clips a new partition to the gap between existing ones (interval changes never overlap)', () => {
    const existing = [
      { name: 'a', from: d('2025-06-01T00:00:00Z'), to: d('2025-06-11T00:00:00Z') },
      { name: 'b', from: d('2025-06-20T00:00:00Z'), to: d('2025-06-21T00:00:00Z') },
    ];
    const p = planPartition(existing, d('2025-06-15T08:00:00Z'), 'month')!;
    assert.equal(p.from.toISOString(), '2025-06-11T00:00:00.000Z');
    assert.equal(p.to.toISOString(), '2025-06-20T00:00:00.000Z');
    const q = planPartition(existing, d('2025-06-25T00:00:00Z'), 'month')!;
    assert.equal(q.from.toISOString(), '2025-06-21T00:00:00.000Z');
    assert.equal(q.to.toISOString(), '2025-07-01T00:00:00.000Z');
  });
});
