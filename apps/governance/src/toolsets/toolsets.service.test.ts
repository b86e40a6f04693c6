import assert from 'node:assert/strict';
import { it } from 'node:test';
import { findCycle } from './toolsets.service';

it('findCycle finds an inclusion path leading back to the toolset being edited', () => {
  const g = new Map([
    ['b', ['c']],
    ['c', ['a']],
    ['d', []],
  ]);
  assert.deepEqual(findCycle(g, 'a', ['b']), ['a', 'b', 'c', 'a']);
  assert.deepEqual(findCycle(g, 'a', ['a']), ['a', 'a']);
  assert.equal(findCycle(g, 'a', ['d']), null);
  assert.equal(findCycle(new Map(), 'x', ['y', 'z']), null);
});
