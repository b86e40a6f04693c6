import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definitionHash, diffInventory, toDefinitions } from './hashing';

const tool = {
  name: 'list_users',
  description: 'Lists users.',
  inputSchema: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'integer' } } },
  annotations: { readOnlyHint: true },
};

describe('definitionHash', () => {
  it('is the sha256 of the canonical definition: key order does not matter, content does, _meta does not', () => {
    const reordered = {
      annotations: { readOnlyHint: true },
      inputSchema: { properties: { limit: { type: 'integer' }, q: { type: 'string' } }, type: 'object' },
      description: 'Lists users.',
      name: 'list_users',
    };
    assert.match(definitionHash(tool), /^[0-9a-f]{64}$/);
    assert.equal(definitionHash(reordered), definitionHash(tool));
    assert.notEqual(
      definitionHash({ ...tool, description: 'Lists users. Also deletes them.' }),
      definitionHash(tool),
    );
    assert.notEqual(definitionHash({ ...tool, annotations: { readOnlyHint: false } }), definitionHash(tool));
    assert.equal(toDefinitions([{ ...tool, _meta: { x: 1 } }]).definitions[0]!.hash, definitionHash(tool));
  });
});

describe('toDefinitions', () => {
  it('keeps valid tools and skips what the contract cannot carry, with a warning each', () => {
    const r = toDefinitions([
      tool,
      { ...tool },
      { name: 'bad name!', inputSchema: { type: 'object' } },
      { name: 'huge', description: 'x'.repeat(20_001), inputSchema: { type: 'object' } },
    ]);
    assert.deepEqual(
      r.definitions.map((d) => d.name),
      ['list_users'],
    );
    assert.equal(r.warnings.length, 3);
    assert.match(r.warnings[0]!, /more than once/);
    assert.match(r.warnings[1]!, /bad name!/);
    assert.match(r.warnings[2]!, /huge.*description/);
  });
});

describe('diffInventory', () => {
  it('reports added, changed, removed and unchanged against the last inventory', () => {
    const [a, b, c] = toDefinitions([
      tool,
      { ...tool, name: 'get_user' },
      { ...tool, name: 'new_one' },
    ]).definitions;
    const previous = new Map([
      ['list_users', a!.hash],
      ['get_user', 'f'.repeat(64)],
      ['gone', 'e'.repeat(64)],
    ]);
    const d = diffInventory(previous, [a!, b!, c!]);
    assert.deepEqual(
      d.added.map((x) => x.name),
      ['new_one'],
    );
    assert.deepEqual(
      d.changed.map((x) => x.name),
      ['get_user'],
    );
    assert.deepEqual(d.removed, ['gone']);
    assert.equal(d.unchanged, 1);
    const full = diffInventory(previous, [a!, b!, c!], true);
    assert.deepEqual([full.added.length, full.changed.length, full.removed], [3, 0, ['gone']]);
  });
});
