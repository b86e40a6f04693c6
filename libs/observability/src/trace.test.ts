import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childTraceparent, newTraceparent, traceIdOf } from './trace';

const W3C = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('trace context', () => {
  it('new traceparents are well-formed and distinct across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = newTraceparent();
      assert.match(t, W3C);
      seen.add(traceIdOf(t)!);
    }
    assert.equal(seen.size, 5000);
  });

  it('a child keeps the incoming trace id and flags with a new span id', () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const a = childTraceparent(incoming);
    const b = childTraceparent(incoming);
    assert.match(a, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    assert.notEqual(a, b);
    assert.notEqual(a.split('-')[2], 'b7ad6b7169203331');
  });

  it('an absent, malformed or all-zero incoming header starts a new trace', () => {
    for (const bad of [undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01']) {
      const t = childTraceparent(bad);
      assert.match(t, W3C);
      assert.notEqual(traceIdOf(t), '0'.repeat(32));
    }
  });
});
