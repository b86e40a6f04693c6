import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditRow } from '../domain/record';
import {
  COPY_SQL,
  copyLine,
  copyStatic,
  INSERT_COLUMNS,
  INSERT_SQL,
  isDatabaseUnavailable,
  isNoPartitionError,
  isTransientDatabaseError,
  likeContains,
} from './sql';

const pgError = (code: string, message = 'x') =>
  Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('store sql helpers', () => {
  it('classifies database errors: retry outages, not data errors', () => {
    assert.equal(isTransientDatabaseError(pgError('57P01')), true, 'admin shutdown');
    assert.equal(isTransientDatabaseError(pgError('08006')), true, 'connection failure');
    assert.equal(isTransientDatabaseError(pgError('40P01')), true, 'deadlock');
    assert.equal(isTransientDatabaseError({ driverError: pgError('57P03') }), true, 'TypeORM-wrapped');
    assert.equal(
      isTransientDatabaseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      true,
    );
    assert.equal(isTransientDatabaseError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })), true);
    assert.equal(isTransientDatabaseError(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isTransientDatabaseError(pgError('22P02')), false, 'invalid text representation');
    assert.equal(isTransientDatabaseError(pgError('23505')), false);
    assert.equal(isTransientDatabaseError(new TypeError('bug')), false);
  });

  it('tells an unreachable database (503) from other failures (500)', () => {
    assert.equal(isDatabaseUnavailable(pgError('57P01')), true);
    assert.equal(
      isDatabaseUnavailable(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ),
      true,
    );
    assert.equal(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isDatabaseUnavailable(pgError('42P01')), false);
    assert.equal(isDatabaseUnavailable(new Error('something else')), false);
  });

  it('recognizes a missing partition', () => {
    assert.equal(
      isNoPartitionError(pgError('23514', 'no partition of relation "events" found for row')),
      true,
    );
    assert.equal(isNoPartitionError(pgError('23514', 'check constraint violated')), false);
  });

  it('escapes LIKE metacharacters', () => {
    assert.equal(likeContains('50%_off\\'), '%50\\%\\_off\\\\%');
  });

  it('inserts every column through jsonb_to_recordset', () => {
    for (const [c] of INSERT_COLUMNS) assert.ok(INSERT_SQL.includes(`r.${c}`), c);
    assert.match(INSERT_SQL, /decode\(r\.hash, 'hex'\)/);
  });

  it('copies every column once, the chain-assigned ones last', () => {
    const cols = /\(([^)]*)\) FROM STDIN$/.exec(COPY_SQL)![1]!.split(', ');
    assert.deepEqual([...cols].sort(), INSERT_COLUMNS.map(([c]) => c).sort());
    assert.deepEqual(cols.slice(-4), ['seq', 'recorded_at', 'prev_hash', 'hash']);
  });

  it('writes COPY text: escapes, NULL as \\N, JSON, hashes as bytea hex', () => {
    // Every other field absent: written as NULL.
    const r = {
      tenantId: 'acme',
      eventId: '00000000-0000-4000-8000-000000000001',
      eventType: 'audit.tool-call',
      eventVersion: 1,
      kind: 'tool_call',
      occurredAt: '2025-06-01T00:00:00.123000Z',
      tool: 'a\tb\nc\rd\\e \\N',
      latencyMs: 0.30000000000000004,
      arguments: { q: 'x\ty', back: '\\' },
    } as unknown as AuditRow;
    const text = copyStatic(r);
    assert.ok(text.endsWith('\t'));
    const fields = text.slice(0, -1).split('\t');
    const cols = /\(([^)]*)\) FROM STDIN$/.exec(COPY_SQL)![1]!.split(', ');
    const at = (c: string) => fields[cols.indexOf(c)];
    assert.equal(fields.length, cols.length - 4);
    assert.equal(at('tool'), 'a\\tb\\nc\\rd\\\\e \\\\N');
    assert.equal(at('user_id'), '\\N');
    assert.equal(at('latency_ms'), '0.30000000000000004');
    assert.equal(at('arguments'), '{"q":"x\\\\ty","back":"\\\\\\\\"}');
    assert.equal(
      copyLine(text, 7, '2025-06-01T00:00:01.000000Z', 'ab', 'cd'),
      `${text}7\t2025-06-01T00:00:01.000000Z\t\\\\xab\t\\\\xcd\n`,
    );
  });
});
