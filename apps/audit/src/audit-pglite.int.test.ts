import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminActionAudited, ToolCallAudited } from '@portcullis/contracts';
import { type EmbeddedDatabase, openDataSource, startEmbeddedDatabase } from '@portcullis/persistence';
import type { DataSource } from 'typeorm';
import { auditPersistence } from './audit.module';
import { AuditStore } from './store/audit-store';
import { runMaintenance } from './store/maintenance';
import { envelope, rowsOf } from './testing/harness';

/**
 * The embedded database (PGlite: PostgreSQL compiled to WASM) runs the same migrations and the same
 * store code: partitioned table, triggers, jsonb_to_recordset, advisory locks, retention.
 */
describe('audit store on the embedded database (PGlite)', () => {
  let db: EmbeddedDatabase;
  let ds: DataSource;
  let store: AuditStore;
  const DAY = 86_400_000;
  const now = new Date();

  before(async () => {
    db = await startEmbeddedDatabase();
    // As the embedded host runs it: one connection, migrations table in the shared "portcullis" schema.
    ds = await openDataSource(
      { url: db.url, features: [auditPersistence], poolSize: 1, migrationsSchema: 'portcullis' },
      { migrate: true },
    );
    store = new AuditStore(ds, { partitionInterval: 'month' });
  });

  after(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.close();
  });

  it('applies the migrations: a range-partitioned events table and its companions', async () => {
    const [t]: { relkind: string }[] = await ds.query(
      `SELECT relkind FROM pg_class WHERE oid = 'audit.events'::regclass`,
    );
    assert.equal(t!.relkind, 'p', 'audit.events is a partitioned table');
    const tables: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'audit' AND table_name IN ('event_ids', 'chain_heads', 'chain_anchors', 'partitions') ORDER BY 1`,
    );
    assert.deepEqual(
      tables.map((r) => r.table_name),
      ['chain_anchors', 'chain_heads', 'event_ids', 'partitions'],
    );
    const ran: { name: string }[] = await ds.query(`SELECT name FROM portcullis.migrations`);
    assert.ok(ran.some((m) => m.name === 'AuditInitial1764500000000'));
  });

  it('creates partitions, appends idempotently, queries, verifies and detects tampering', async () => {
    const report = await runMaintenance(
      store,
      { partitionsAhead: 2, retentionDays: 365, retentionDaysByTenant: new Map() },
      now,
    );
    assert.equal(report.partitionsCreated.length, 3);
    const envs = [
      ...Array.from({ length: 20 }, (_, i) =>
        envelope(
          ToolCallAudited,
          {
            callId: `c${i}`,
            phase: 'outcome',
            outcome: i % 2 ? 'denied' : 'allowed_success',
            user: { id: `u${i % 3}` },
            client: { id: 'c' },
            tool: 'okta_list_users',
            arguments: { i, password: 'x' },
          },
          { tenantId: 'default', occurredAt: new Date(now.getTime() - i * 60_000) },
        ),
      ),
      envelope(
        AdminActionAudited,
        {
          action: 'tool.approved',
          actor: { type: 'user', id: 'admin' },
          resourceType: 'tool',
          resourceId: 't1',
        },
        { tenantId: 'default' },
      ),
    ];
    const first = await store.records.append(rowsOf(envs));
    assert.equal(first.inserted, 21);
    const again = await store.records.append(rowsOf(envs));
    assert.equal(again.inserted, 0);
    assert.equal(again.duplicates, 21);

    const denied = await store.records.find({
      tenantId: 'default',
      view: 'calls',
      outcome: 'denied',
      order: 'desc',
      limit: 100,
    });
    assert.equal(denied.length, 10);
    const u1 = await store.records.find({
      tenantId: 'default',
      view: 'records',
      user: 'u1',
      order: 'asc',
      limit: 3,
    });
    const u1next = await store.records.find({
      tenantId: 'default',
      view: 'records',
      user: 'u1',
      order: 'asc',
      limit: 100,
      after: { ts: u1[2]!.occurredAt, seq: u1[2]!.seq },
    });
    assert.equal(u1.length + u1next.length, 7);
    assert.deepEqual(u1[0]!.arguments, { i: 19, password: '[REDACTED]' });

    assert.equal((await store.verify('default')).ok, true);
    await assert.rejects(ds.query(`UPDATE audit.events SET tool = 'x' WHERE seq = 5`), /append-only/);
    await ds.query(`ALTER TABLE audit.events DISABLE TRIGGER events_append_only`);
    await ds.query(`UPDATE audit.events SET tool = 'x' WHERE seq = 5`);
    await ds.query(`ALTER TABLE audit.events ENABLE TRIGGER events_append_only`);
    const broken = await store.verify('default');
    assert.equal(broken.ok, false);
    assert.equal(broken.broken!.seq, 5);
    assert.equal(broken.broken!.problem, 'hash_mismatch');
  });

  it('drops an expired partition with anchors', async () => {
    await store.records.append(
      rowsOf([
        envelope(
          AdminActionAudited,
          { action: 'x', actor: { type: 'system', id: 's' }, resourceType: 'r', resourceId: '1' },
          { tenantId: 'other', occurredAt: new Date(now.getTime() - 400 * DAY) },
        ),
      ]),
    );
    await store.records.append(
      rowsOf([
        envelope(
          AdminActionAudited,
          { action: 'y', actor: { type: 'system', id: 's' }, resourceType: 'r', resourceId: '2' },
          { tenantId: 'other' },
        ),
      ]),
    );
    const report = await runMaintenance(
      store,
      { partitionsAhead: 2, retentionDays: 365, retentionDaysByTenant: new Map() },
      now,
    );
    assert.equal(report.dropped.length, 1);
    assert.equal(report.anchorsRecorded, 1);
    const v = await store.verify('other');
    assert.equal(v.ok, true, JSON.stringify(v.broken));
    assert.equal(v.retentionBoundaries, 1);
  });
});
