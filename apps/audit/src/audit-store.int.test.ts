import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminActionAudited, ToolCallAudited } from '@portcullis/contracts';
import { openDataSource } from '@portcullis/persistence';
import { freshDatabase, type TestDatabase } from '@portcullis/testing';
import type { DataSource } from 'typeorm';
import { auditPersistence } from './audit.module';
import { verifyChain } from './domain/chain-verifier';
import type { AuditRow } from './domain/record';
import { AuditRecordRepository, type InsertMode } from './store/audit-record.repository';
import { PartitionRepository } from './store/partition.repository';
import { SELECT_RECORD } from './store/sql';
import { envelope, rowsOf } from './testing/harness';

/**
 * The ingest write path on PostgreSQL: COPY (the default there) and the jsonb_to_recordset INSERT
 * (the embedded PGlite's path) must store byte-identical rows with the same chain, whatever the
 * content (COPY text escaping: tabs, newlines, backslashes, "\N"-looking text, unicode, JSON).
 */
describe('audit store write paths (PostgreSQL)', () => {
  const dbs: TestDatabase[] = [];
  const sources: DataSource[] = [];
  const now = new Date();
  const recordedAt = new Date(now.getTime() + 1000);

  async function repository(mode: InsertMode): Promise<{ ds: DataSource; repo: AuditRecordRepository }> {
    const db = await freshDatabase();
    dbs.push(db);
    const ds = await openDataSource(
      { url: db.url, features: [auditPersistence], poolSize: 2, migrationsSchema: 'audit' },
      { migrate: true },
    );
    sources.push(ds);
    return {
      ds,
      repo: new AuditRecordRepository(ds, new PartitionRepository(ds, 'month'), { insertMode: mode }),
    };
  }

  const awkward = [
    'tab\there',
    'line\nbreak\r\nand CR\r',
    'back\\slash \\N \\x41 \\\\',
    '\\N',
    "quote \" and 'single'",
    'é ü 中文 😀 \u2028',
    '',
  ];

  function rows(): AuditRow[] {
    const envs = [
      ...awkward.map((text, i) =>
        envelope(
          ToolCallAudited,
          {
            callId: `call-${i}\t${text}`,
            phase: 'outcome',
            outcome: 'allowed_error',
            user: { id: `u-${text}`, email: `U${i}@Example.com` },
            client: { id: 'c1', name: text, type: 'personal' },
            serverId: 'okta',
            tool: `tool ${text}`,
            classification: 'read',
            errorMessage: text,
            latencyMs: 0.1 + 0.2 + i,
            protocolVersion: '2025-11-25',
            arguments: { text, nested: { list: [text, 1, null, true], back: '\\' }, ['k\t\n']: text },
            resultSummary: text,
          },
          { tenantId: 'acme', occurredAt: new Date(now.getTime() - i * 3_600_000) },
        ),
      ),
      envelope(
        AdminActionAudited,
        {
          action: 'tool.approved',
          actor: { type: 'user', id: 'admin', email: 'admin@example.com' },
          resourceType: 'tool',
          resourceId: 'a\tb',
          summary: 'approved \\ tool',
          details: { from: 'read', to: 'write', note: 'x\ny' },
        },
        { tenantId: 'globex', occurredAt: new Date(now.getTime() - 40 * 86_400_000) },
      ),
    ];
    return rowsOf(envs, { verbosity: 'full', now });
  }

  const batch = rows();
  let copy: { ds: DataSource; repo: AuditRecordRepository };
  let recordset: { ds: DataSource; repo: AuditRecordRepository };

  before(async () => {
    copy = await repository('copy');
    recordset = await repository('recordset');
  });

  after(async () => {
    for (const ds of sources) if (ds.isInitialized) await ds.destroy();
    for (const db of dbs) await db.drop();
  });

  it('stores the same rows and hashes through COPY and through jsonb_to_recordset', async () => {
    const a = await copy.repo.append(batch, () => recordedAt);
    const b = await recordset.repo.append(batch, () => recordedAt);
    assert.equal(a.inserted, batch.length);
    assert.deepEqual(a, b);
    const all = (ds: DataSource) =>
      ds.query(`SELECT ${SELECT_RECORD} FROM audit.events e ORDER BY e.tenant_id, e.seq`) as Promise<
        unknown[]
      >;
    const [fromCopy, fromRecordset] = [await all(copy.ds), await all(recordset.ds)];
    assert.equal(fromCopy.length, batch.length);
    assert.deepEqual(fromCopy, fromRecordset);
    const first = fromCopy[0] as Record<string, unknown>;
    assert.equal(first['error_message'], awkward[0], 'text round-trips exactly');
    assert.deepEqual((first['arguments'] as Record<string, unknown>)['k\t\n'], awkward[0]);
    for (const { repo } of [copy, recordset]) {
      for (const tenant of ['acme', 'globex']) {
        const report = await verifyChain(tenant, repo.chainSource(tenant));
        assert.equal(report.ok, true, `${tenant}: ${JSON.stringify(report.broken)}`);
      }
    }
  });

  it('is idempotent by event id within and across batches, and keeps the chain contiguous', async () => {
    const again = await copy.repo.append([...batch, batch[0]!]);
    assert.equal(again.inserted, 0);
    assert.equal(again.duplicates, batch.length + 1);
    // A batch mixing stored and new events stores only the new ones, after the head.
    const fresh = rowsOf(
      [1, 2, 3].map((i) =>
        envelope(
          ToolCallAudited,
          {
            callId: `new-${i}`,
            phase: 'intent',
            outcome: 'allowed_success',
            user: { id: 'u' },
            client: { id: 'c' },
            tool: 't',
          },
          { tenantId: 'acme' },
        ),
      ),
    );
    const mixed = await copy.repo.append([batch[1]!, fresh[0]!, batch[2]!, fresh[1]!, fresh[2]!]);
    assert.equal(mixed.inserted, 3);
    assert.equal(mixed.duplicates, 2);
    const seqs: { seq: string }[] = await copy.ds.query(
      `SELECT seq FROM audit.events WHERE tenant_id = 'acme' ORDER BY seq`,
    );
    assert.deepEqual(
      seqs.map((r) => Number(r.seq)),
      Array.from({ length: awkward.length + 3 }, (_, i) => i + 1),
    );
    assert.equal((await verifyChain('acme', copy.repo.chainSource('acme'))).ok, true);
  });

  it('streams a large batch in several COPY chunks onto one contiguous, verifiable chain', async () => {
    const many = rowsOf(
      Array.from({ length: 1234 }, (_, i) =>
        envelope(
          ToolCallAudited,
          {
            callId: `bulk-${i}`,
            phase: 'outcome',
            outcome: 'allowed_success',
            user: { id: `u${i % 7}` },
            client: { id: 'c' },
            tool: 't',
            arguments: { i, note: i % 3 ? 'plain' : 'tab\there' },
          },
          { tenantId: 'bulk', occurredAt: new Date(now.getTime() - i * 1000) },
        ),
      ),
      { now },
    );
    const [a, b] = [
      await copy.repo.append(many, () => recordedAt),
      await recordset.repo.append(many, () => recordedAt),
    ];
    assert.equal(a.inserted, 1234);
    assert.equal(b.inserted, 1234);
    for (const { ds, repo } of [copy, recordset]) {
      const [{ n, max }]: { n: string; max: string }[] = await ds.query(
        `SELECT count(*) AS n, max(seq) AS max FROM audit.events WHERE tenant_id = 'bulk'`,
      );
      assert.equal(Number(n), 1234);
      assert.equal(Number(max), 1234);
      const report = await verifyChain('bulk', repo.chainSource('bulk'));
      assert.equal(report.ok, true, JSON.stringify(report.broken));
      assert.equal(report.checked, 1234);
    }
    const heads: { hash: string }[][] = await Promise.all(
      [copy, recordset].map(({ ds }) =>
        ds.query(`SELECT encode(hash, 'hex') AS hash FROM audit.chain_heads WHERE tenant_id = 'bulk'`),
      ),
    );
    assert.equal(heads[0]![0]!.hash, heads[1]![0]!.hash, 'the same chain head through both paths');
  });
});
