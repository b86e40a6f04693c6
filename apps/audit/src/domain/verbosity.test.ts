import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanJson, cleanString } from './sanitize';
import { REDACTED } from './redaction';
import { FULL_LIMITS, shapeArguments, shapeResultSummary, STANDARD_LIMITS } from './verbosity';

describe('verbosity', () => {
  const args = {
    query: 'x'.repeat(300),
    users: Array.from({ length: 30 }, (_, i) => i),
    deep: { a: { b: { c: { d: { e: 1 } } } } },
  };

  it('minimal stores neither arguments nor result', () => {
    assert.equal(shapeArguments(args, 'minimal'), null);
    assert.equal(shapeResultSummary('ok', 'minimal'), null);
  });

  it('standard keeps a summary of the arguments: names and structure, values replaced by their type', () => {
    assert.deepEqual(
      shapeArguments(
        { search: 'x'.repeat(42), limit: 5, active: true, none: null, secret: REDACTED, tags: ['a', 1] },
        'standard',
      ),
      {
        search: '<string:42>',
        limit: '<number>',
        active: '<boolean>',
        none: null,
        secret: REDACTED,
        tags: ['<string:1>', '<number>'],
      },
    );
    const out = shapeArguments(args, 'standard') as { users: unknown[]; deep: unknown };
    assert.equal(out.users.length, STANDARD_LIMITS.array + 1);
    assert.equal(out.users[STANDARD_LIMITS.array], '<10 more>');
    assert.deepEqual(out.deep, { a: { b: { c: '<object>' } } });
    assert.equal(shapeArguments('plain', 'standard'), '<string:5>');
    assert.equal(
      shapeResultSummary('r'.repeat(600), 'standard'),
      'r'.repeat(STANDARD_LIMITS.summary) + '…[truncated]',
    );
  });

  it('full keeps everything up to the cap', () => {
    assert.deepEqual(shapeArguments(args, 'full'), args);
    assert.equal(shapeResultSummary('r'.repeat(600), 'full'), 'r'.repeat(600));
    const huge = { blob: 'z'.repeat(FULL_LIMITS.bytes + 1) };
    const out = shapeArguments(huge, 'full') as { _truncated: boolean; _preview: string };
    assert.equal(out._truncated, true);
    assert.equal(out._preview.length, 4096);
  });

  it('absent arguments stay null at every level', () => {
    for (const level of ['minimal', 'standard', 'full'] as const)
      assert.equal(shapeArguments(undefined, level), null);
  });
});

describe('sanitize', () => {
  it('removes NUL and replaces lone surrogates (PostgreSQL rejects both)', () => {
    assert.equal(cleanString('a\u0000b'), 'ab');
    assert.equal(cleanString('x\uD800y'), 'x\uFFFDy');
    assert.equal(cleanString('ok \uD83D\uDE00'), 'ok \uD83D\uDE00');
    assert.deepEqual(cleanJson({ 'k\u0000': ['\uDC00', Number.NaN, undefined, 1], skip: undefined }), {
      k: ['\uFFFD', null, null, 1],
    });
  });
});
