import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
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
});
