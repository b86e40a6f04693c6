import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, filterFingerprint, InvalidCursorError } from './cursor';

describe('cursor', () => {
  const fp = filterFingerprint({ user: 'u1', tool: undefined, view: 'calls' });

  it('round-trips an opaque position', () => {
    const c = encodeCursor({ ts: '2025-06-01T12:00:00.123456Z', seq: 42 }, 'desc', fp);
    assert.match(c, /^c1\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(c, 'desc', fp), { ts: '2025-06-01T12:00:00.123456Z', seq: 42 });
  });

  it('fingerprints ignore absent filters and key order', () => {
    assert.equal(filterFingerprint({ view: 'calls', user: 'u1' }), fp);
    assert.notEqual(filterFingerprint({ view: 'calls', user: 'u2' }), fp);
  });

  it('rejects a cursor for other filters, another order, or garbage', () => {
    const c = encodeCursor({ ts: '2025-06-01T12:00:00.123456Z', seq: 42 }, 'desc', fp);
    assert.throws(() => decodeCursor(c, 'asc', fp), InvalidCursorError);
    assert.throws(() => decodeCursor(c, 'desc', filterFingerprint({ user: 'other' })), /different filters/);
    for (const bad of [
      '',
      'abc',
      'c1.!!!',
      'c1.' + Buffer.from('{"t":"x","s":1}').toString('base64url'),
      'c1.' + Buffer.from('{"t":"2025-06-01T12:00:00.123456Z","s":-1,"o":"desc"}').toString('base64url'),
      'c1.' +
        Buffer.from('{"t":"2025-06-01T12:00:00.123456Z\'; drop table x;--","s":1}').toString('base64url'),
    ]) {
      assert.throws(() => decodeCursor(bad, 'desc', fp), InvalidCursorError, bad);
    }
  });
});
