import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminActionAudited, ToolCallAudited } from '@portcullis/contracts';
import { freshDatabase, serviceEnvironment, type TestDatabase, uniqueTopicPrefix } from '@portcullis/testing';
import type { AuditRecordView } from './domain/view';
import { runMaintenance } from './store/maintenance';
import { AuditMaintenanceService } from './store/maintenance.service';
import {
  auditEnv,
  envelope,
  getJson,
  type IntrospectionStub,
  rowsOf,
  type RunningAudit,
  startAudit,
  startIntrospectionStub,
} from './testing/harness';

const DAY = 86_400_000;

describe('audit retention: whole partitions dropped, chains still verify', () => {
  let stub: IntrospectionStub;
  let db: TestDatabase;
  let svc: RunningAudit;
  const now = new Date();
  const cfg = { partitionsAhead: 2, retentionDays: 30, retentionDaysByTenant: new Map([['longco', 60]]) };
  const call = (tenantId: string, daysAgo: number, i: number) =>
    envelope(
      ToolCallAudited,
      {
        callId: `${tenantId}-${daysAgo}-${i}`,
        phase: 'outcome',
        outcome: 'allowed_success',
        user: { id: 'u1' },
        client: { id: 'c1' },
        tool: 'okta_get_user',
      },
      { tenantId, occurredAt: new Date(now.getTime() - daysAgo * DAY + i * 1000) },
    );
  const batch = (tenantId: string, daysAgo: number, n: number) =>
    Array.from({ length: n }, (_, i) => call(tenantId, daysAgo, i));

  before(async () => {
    stub = await startIntrospectionStub();
    db = await freshDatabase();
    svc = await startAudit(
      auditEnv({
        databaseUrl: db.url,
        kafkaBrokers: serviceEnvironment().kafkaBrokers,
        topicPrefix: uniqueTopicPrefix(),
        authUrl: stub.url,
        extra: {
          AUDIT_PARTITION_INTERVAL: 'day',
          AUDIT_RETENTION_DAYS: '30',
          AUDIT_RETENTION_DAYS_BY_TENANT: 'longco=60',
        },
      }),
    );
    await svc.app.get(AuditMaintenanceService).runOnce(); // the start-up pass, finished before seeding
    const r = svc.store.records;
    // acme (30 days): 5 records 90 days ago, 5 at 45 days, 5 yesterday; then a LATE event from 89 days
    // ago (stored after newer ones: a hole mid-chain once its partition is dropped); then 3 today.
    await r.append(rowsOf([...batch('acme', 90, 5), ...batch('acme', 45, 5), ...batch('acme', 1, 5)]));
    await r.append(rowsOf(batch('acme', 89, 1)));
    await r.append(rowsOf(batch('acme', 0.01, 3)));
    // longco (60 days): 3 at 90 days, 3 at 45 days, 2 today.
    await r.append(
      rowsOf([...batch('longco', 90, 3), ...batch('longco', 45, 3), ...batch('longco', 0.01, 2)]),
    );
  });

  after(async () => {
    await svc?.close();
    await stub?.close();
    await db?.drop();
  });

  const count = async (sql: string) => Number((await svc.platform.dataSource!.query(sql))[0].n);

  it('drops the partitions older than the longest tenant retention, anchoring every dropped run', async () => {
    assert.equal(await count(`SELECT count(*) AS n FROM audit.events`), 27);
    const report = await runMaintenance(svc.store, cfg, now);
    assert.equal(report.retentionDays, 60, 'partitions are shared: the longest retention decides the drop');
    assert.equal(report.dropped.length, 2, JSON.stringify(report.dropped));
    assert.deepEqual(report.dropped.map((d) => d.rows).sort(), [1, 8]);
    assert.equal(report.anchorsRecorded, 3);
    assert.equal(report.ledgerPruned, 9);
    assert.equal(await count(`SELECT count(*) AS n FROM audit.events`), 18);
    assert.equal(await count(`SELECT count(*) AS n FROM audit.event_ids`), 18);
    const anchors: { tenant_id: string; seq: string; from_seq: string; rows_dropped: string }[] =
      await svc.platform.dataSource!.query(
        `SELECT tenant_id, seq, from_seq, rows_dropped FROM audit.chain_anchors ORDER BY tenant_id, seq`,
      );
    assert.deepEqual(
      anchors.map((a) => [a.tenant_id, Number(a.seq), Number(a.from_seq), Number(a.rows_dropped)]),
      [
        ['acme', 6, 1, 5],
        ['acme', 17, 16, 1],
        ['longco', 4, 1, 3],
      ],
    );
  });

  it('verifies each chain from the first retained record across the retention boundaries', async () => {
    const acme = await svc.store.verify('acme');
    assert.equal(acme.ok, true, JSON.stringify(acme.broken));
    assert.equal(acme.firstSeq, 6);
    assert.equal(acme.checked, 13);
    assert.equal(acme.retentionBoundaries, 2);
    const longco = await svc.store.verify('longco');
    assert.equal(longco.ok, true, JSON.stringify(longco.broken));
    assert.equal(longco.firstSeq, 4);
    const api = (await getJson(`${svc.url}/api/v1/audit/verify`)).body as { ok: boolean; tenantId: string };
    assert.equal(api.ok, true);
    assert.equal(api.tenantId, 'acme');
  });

  it('hides records older than the tenant retention even while their partition is kept for another tenant', async () => {
    const page = (await getJson(`${svc.url}/api/v1/audit/events?view=records&limit=100`)).body as {
      data: AuditRecordView[];
    };
    assert.equal(
      page.data.length,
      8,
      'acme sees yesterday + today only (30 days), not the 45-day-old records',
    );
    assert.ok(page.data.every((r) => Date.parse(r.occurredAt) > now.getTime() - 30 * DAY));
    assert.equal(
      await count(
        `SELECT count(*) AS n FROM audit.events WHERE tenant_id = 'acme' AND occurred_at < now() - interval '40 days'`,
      ),
      5,
    );
  });

  it('a late event for an already dropped period is stored, then dropped again with its own anchor', async () => {
    await svc.store.records.append(rowsOf(batch('acme', 91, 1)));
    assert.equal((await svc.store.verify('acme')).ok, true);
    const report = await runMaintenance(svc.store, cfg, now);
    assert.equal(report.dropped.length, 1);
    await svc.store.records.append(
      rowsOf([
        envelope(
          AdminActionAudited,
          {
            action: 'settings.updated',
            actor: { type: 'user', id: 'a' },
            resourceType: 'settings',
            resourceId: 'acme',
          },
          { tenantId: 'acme' },
        ),
      ]),
    );
    const v = await svc.store.verify('acme');
    assert.equal(v.ok, true, JSON.stringify(v.broken));
    assert.equal(v.retentionBoundaries, 3);
  });

  it('still detects a deleted record next to a retention boundary', async () => {
    const ds = svc.platform.dataSource!;
    await ds.query(`ALTER TABLE audit.events DISABLE TRIGGER events_append_only`);
    try {
      await ds.query(`DELETE FROM audit.events WHERE tenant_id = 'acme' AND seq = 6`);
    } finally {
      await ds.query(`ALTER TABLE audit.events ENABLE TRIGGER events_append_only`);
    }
    const v = await svc.store.verify('acme');
    assert.equal(v.ok, false);
    assert.equal(v.broken!.seq, 7);
    assert.equal(v.broken!.problem, 'missing_records');
  });
});
