import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '@portcullis/crypto';
import { type ChainAnchor, type ChainSource, verifyChain } from './chain-verifier';
import {
  appendToChain,
  canonicalContent,
  canonicalContentReference,
  canonicalValue,
  chainHash,
  genesisHash,
  recordHash,
} from './hash-chain';
import type { AuditRow, ChainedRow } from './record';

function row(i: number, over: Partial<AuditRow> = {}): AuditRow {
  return {
    tenantId: 't1',
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    eventType: 'audit.tool-call',
    eventVersion: 1,
    kind: 'tool_call',
    occurredAt: `2025-06-01T00:00:${String(i % 60).padStart(2, '0')}.123000Z`,
    occurredAtClaimed: null,
    traceId: null,
    callId: `call-${i}`,
    phase: 'outcome',
    outcome: 'allowed_success',
    userId: 'u1',
    userEmail: 'u1@example.com',
    clientId: 'c1',
    clientName: 'Claude',
    clientType: 'personal',
    serverId: 'okta',
    tool: 'okta_list_users',
    classification: 'read',
    denialReason: null,
    errorMessage: null,
    upstreamIdentity: null,
    credentialMode: 'service',
    latencyMs: 12.5,
    protocolVersion: '2025-06-18',
    arguments: { q: 'a', n: 1 },
    resultSummary: '1 user',
    verbosity: 'standard',
    action: null,
    actorType: null,
    resourceType: null,
    resourceId: null,
    summary: null,
    details: null,
    ...over,
  };
}

/** An in-memory chain source, like the SQL one. */
function memorySource(
  rows: ChainedRow[],
  head: { seq: number; hash: string } | null,
  anchors: ChainAnchor[] = [],
): ChainSource {
  const sorted = () => [...rows].sort((a, b) => a.seq - b.seq);
  return {
    head: async () => head,
    anchors: async () => new Map(anchors.map((a) => [a.seq, a])),
    span: async (from, to) => {
      const inRange = rows.filter(
        (r) =>
          (!from || Date.parse(r.occurredAt) >= from.getTime()) &&
          (!to || Date.parse(r.occurredAt) < to.getTime()),
      );
      if (!inRange.length) return null;
      return { min: Math.min(...inRange.map((r) => r.seq)), max: Math.max(...inRange.map((r) => r.seq)) };
    },
    rows: async (after, max, limit) =>
      sorted()
        .filter((r) => r.seq > after && r.seq <= max)
        .slice(0, limit),
    rowAt: async (seq) => rows.find((r) => r.seq === seq) ?? null,
    nextAfter: async (after) => sorted().find((r) => r.seq > after) ?? null,
  };
}

function chain(n: number): ChainedRow[] {
  return appendToChain(
    Array.from({ length: n }, (_, i) => row(i + 1)),
    { seq: 0, hash: genesisHash('t1') },
    '2025-06-01T00:01:00.000000Z',
  );
}

describe('hash chain', () => {
  it('links each record to the previous one, starting from the tenant genesis', () => {
    const c = chain(3);
    assert.deepEqual(
      c.map((r) => r.seq),
      [1, 2, 3],
    );
    assert.equal(c[0]!.prevHash, genesisHash('t1'));
    assert.equal(c[1]!.prevHash, c[0]!.hash);
    assert.equal(c[2]!.hash, chainHash(c[1]!.hash, canonicalContent(c[2]!)));
    assert.match(c[0]!.hash, /^[0-9a-f]{64}$/);
    assert.notEqual(genesisHash('t1'), genesisHash('t2'));
  });

  it('canonical content ignores key order and covers every column', () => {
    const [a] = chain(1);
    const reordered = { ...a!, arguments: { n: 1, q: 'a' } };
    assert.equal(canonicalContent(a!), canonicalContent(reordered));
    for (const [k, v] of [
      ['tool', 'other'],
      ['latencyMs', 12.6],
      ['recordedAt', '2025-06-01T00:01:00.000001Z'],
      ['details', {}],
    ] as const) {
      assert.notEqual(recordHash({ ...a!, [k]: v }), a!.hash, `changing ${k} changes the hash`);
    }
  });

  it('the fast canonical form equals canonicalJson of the hashed fields', () => {
    const [a] = chain(1);
    const odd = {
      ...a!,
      arguments: { z: [3, { b: null, a: 'é' }], A: 'x', é: 1.5e-7, '"q"': true, ['__proto__']: 1 },
      details: { nested: { y: 1, x: [] } },
      occurredAtClaimed: 'then',
      latencyMs: 0,
    };
    assert.equal(canonicalContent(odd), canonicalContentReference(odd));
    assert.equal(canonicalContent(a!), canonicalContentReference(a!));
    assert.match(canonicalContent(a!), /^\{"action":null,"actorType":null,"arguments":\{"n":1,"q":"a"\},/);
  });

  it('the field-by-field canonical form equals the reference for every field and value kind', () => {
    const values: unknown[] = [
      null,
      '',
      'plain',
      'quote " backslash \\ newline \n tab \t',
      'é ü 中文 😀 \u2028',
      0,
      -1.25,
      1e21,
      { b: 1, a: [1, 'x', null, { d: true, c: false }], '': 'empty key' },
      [],
      {},
    ];
    const base = chain(1)[0]!;
    const fields = Object.keys(base).filter((k) => k !== 'prevHash' && k !== 'hash');
    for (const field of fields) {
      for (const v of values) {
        // seq and recordedAt are assigned by the chain (a number, a canonical time): scalars only.
        if ((field === 'seq' || field === 'recordedAt') && v !== null && typeof v === 'object') continue;
        const r = { ...base, [field]: v } as ChainedRow;
        assert.equal(canonicalContent(r), canonicalContentReference(r), `${field} = ${JSON.stringify(v)}`);
      }
    }
    assert.equal(
      canonicalValue({ z: 1, A: 2, é: 3, a: { y: undefined, x: [undefined] } }),
      canonicalJson({ z: 1, A: 2, é: 3, a: { y: undefined, x: [undefined] } }),
    );
  });

  it('continues from an existing head', () => {
    const first = chain(2);
    const next = appendToChain([row(3)], { seq: 2, hash: first[1]!.hash }, '2025-06-01T00:02:00.000000Z');
    assert.equal(next[0]!.seq, 3);
    assert.equal(next[0]!.prevHash, first[1]!.hash);
  });
});

describe('verifyChain', () => {
  const head = (c: ChainedRow[]) => ({ seq: c[c.length - 1]!.seq, hash: c[c.length - 1]!.hash });

  it('accepts an intact chain', async () => {
    const c = chain(10);
    const r = await verifyChain('t1', memorySource(c, head(c)), { batchSize: 3 });
    assert.equal(r.ok, true);
    assert.equal(r.checked, 10);
    assert.equal(r.firstSeq, 1);
    assert.equal(r.lastSeq, 10);
  });

  it('names an edited record with expected vs stored hash', async () => {
    const c = chain(10);
    c[4] = { ...c[4]!, tool: 'okta_delete_user' };
    const r = await verifyChain('t1', memorySource(c, head(c)));
    assert.equal(r.ok, false);
    assert.equal(r.broken!.seq, 5);
    assert.equal(r.broken!.problem, 'hash_mismatch');
    assert.equal(r.broken!.stored, c[4]!.hash);
    assert.equal(r.broken!.expected, recordHash(c[4]!));
  });

  it('detects a record whose hash was recomputed after editing (the next link breaks)', async () => {
    const c = chain(10);
    const edited = { ...c[4]!, tool: 'x' };
    c[4] = { ...edited, hash: recordHash(edited) };
    const r = await verifyChain('t1', memorySource(c, head(c)));
    assert.equal(r.broken!.seq, 6);
    assert.equal(r.broken!.problem, 'prev_hash_mismatch');
  });

  it('detects deleted records in the middle, at the start and at the end', async () => {
    const c = chain(10);
    let r = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq !== 4),
        head(c),
      ),
    );
    assert.equal(r.broken!.problem, 'missing_records');
    assert.equal(r.broken!.seq, 5);
    assert.deepEqual(r.broken!.missingSeqs, { from: 4, to: 4 });
    r = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq > 2),
        head(c),
      ),
    );
    assert.equal(r.broken!.seq, 3);
    assert.deepEqual(r.broken!.missingSeqs, { from: 1, to: 2 });
    r = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq < 9),
        head(c),
      ),
    );
    assert.deepEqual(r.broken!.missingSeqs, { from: 9, to: 10 });
    r = await verifyChain('t1', memorySource([], head(c)));
    assert.deepEqual(r.broken!.missingSeqs, { from: 1, to: 10 });
  });

  it('accepts gaps exactly covered by retention anchors, and only those', async () => {
    const c = chain(10);
    // Retention dropped 1..3 (prefix) and 7 (a late event stored in an old partition).
    const kept = c.filter((x) => x.seq > 3 && x.seq !== 7);
    const anchors: ChainAnchor[] = [
      { seq: 4, prevHash: c[2]!.hash, fromSeq: 1, rowsDropped: 3, partition: 'p', droppedAt: '' },
      { seq: 8, prevHash: c[6]!.hash, fromSeq: 7, rowsDropped: 1, partition: 'p', droppedAt: '' },
    ];
    const ok = await verifyChain('t1', memorySource(kept, head(c), anchors));
    assert.equal(ok.ok, true, JSON.stringify(ok.broken));
    assert.equal(ok.retentionBoundaries, 2);
    // Deleting another record right after the anchored prefix is still detected.
    const bad = await verifyChain(
      't1',
      memorySource(
        kept.filter((x) => x.seq !== 4),
        head(c),
        anchors,
      ),
    );
    assert.equal(bad.broken!.seq, 5);
    assert.equal(bad.broken!.problem, 'missing_records');
    // An anchor whose hash does not match the record after the gap does not cover it.
    const forged = await verifyChain(
      't1',
      memorySource(kept, head(c), [anchors[0]!, { ...anchors[1]!, prevHash: '00'.repeat(32) }]),
    );
    assert.equal(forged.broken!.seq, 8);
  });

  it('follows anchors of successive retention runs', async () => {
    const c = chain(8);
    const anchors: ChainAnchor[] = [
      { seq: 3, prevHash: c[1]!.hash, fromSeq: 1, rowsDropped: 2, partition: 'a', droppedAt: '' },
      { seq: 5, prevHash: c[3]!.hash, fromSeq: 3, rowsDropped: 2, partition: 'b', droppedAt: '' },
    ];
    const r = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq >= 5),
        head(c),
        anchors,
      ),
    );
    assert.equal(r.ok, true, JSON.stringify(r.broken));
  });

  it('verifies a time range, linking to the records just outside it', async () => {
    const c = chain(10);
    // occurredAt seconds = seq, so [00:00:04, 00:00:07) selects seq 4..6.
    const from = new Date('2025-06-01T00:00:04Z');
    const to = new Date('2025-06-01T00:00:07Z');
    const r = await verifyChain('t1', memorySource(c, head(c)), { from, to });
    assert.equal(r.ok, true);
    assert.equal(r.checked, 3);
    const deletedAfter = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq !== 7),
        head(c),
      ),
      { from, to },
    );
    assert.equal(deletedAfter.broken!.problem, 'missing_records');
    assert.equal(deletedAfter.broken!.seq, 8);
    const deletedBefore = await verifyChain(
      't1',
      memorySource(
        c.filter((x) => x.seq !== 3),
        head(c),
      ),
      { from, to },
    );
    assert.equal(deletedBefore.broken!.seq, 4);
  });

  it('ignores records appended after the head was read (verification during ingest)', async () => {
    const c = chain(12);
    const source = memorySource(c, head(c.slice(0, 10)));
    const r = await verifyChain('t1', source);
    assert.equal(r.ok, true, JSON.stringify(r.broken));
    assert.equal(r.lastSeq, 10);
    const ranged = await verifyChain('t1', source, { from: new Date('2025-06-01T00:00:05Z') });
    assert.equal(ranged.ok, true, JSON.stringify(ranged.broken));
    assert.equal(ranged.lastSeq, 10);
  });

  it('reports an empty chain as intact', async () => {
    assert.equal((await verifyChain('t1', memorySource([], null))).ok, true);
  });
});
