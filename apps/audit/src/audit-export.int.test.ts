import assert from 'node:assert/strict';
import { get } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { freshDatabase, serviceEnvironment, type TestDatabase, uniqueTopicPrefix } from '@portcullis/testing';
import {
  ADMIN_TOKEN,
  auditEnv,
  type IntrospectionStub,
  type RunningAudit,
  startAudit,
  startIntrospectionStub,
} from './testing/harness';

const ROWS = 100_000;
setFlagsFromString('--expose-gc');
/** A full GC, so heap samples measure live memory rather than garbage awaiting collection. */
const gc = runInNewContext('gc') as () => void;

describe('audit export streams without buffering', () => {
  let stub: IntrospectionStub;
  let db: TestDatabase;
  let svc: RunningAudit;
  const start = new Date(Date.now() - 10 * 60_000);

  before(async () => {
    stub = await startIntrospectionStub();
    db = await freshDatabase();
    svc = await startAudit(
      auditEnv({
        databaseUrl: db.url,
        kafkaBrokers: serviceEnvironment().kafkaBrokers,
        topicPrefix: uniqueTopicPrefix(),
        authUrl: stub.url,
        extra: { AUDIT_EXPORT_BATCH_SIZE: '1000' },
      }),
    );
    await svc.store.partitions.ensureCovering([start, new Date(start.getTime() + ROWS)]);
    // 100k synthetic records (~1 KB each as NDJSON) written directly: this test is about the read path.
    await svc.platform.dataSource!.query(
      `INSERT INTO audit.events (tenant_id, seq, occurred_at, recorded_at, event_id, event_type, event_version, kind, call_id, phase,
         outcome, user_id, user_email, client_id, client_name, server_id, tool, classification, latency_ms, arguments, result_summary,
         verbosity, prev_hash, hash)
       SELECT 'acme', g, $1::timestamptz + g * interval '1 millisecond', now(), gen_random_uuid(), 'audit.tool-call', 1, 'tool_call',
         'call-' || g, 'outcome', 'allowed_success', 'u' || (g % 100), 'u' || (g % 100) || '@example.com', 'c1', 'Claude', 'okta',
         'okta_list_users', 'read', 12.5, jsonb_build_object('filter', repeat('x', 400), 'n', g), 'listed 25 users', 'full',
         sha256(g::text::bytea), sha256((g + 1)::text::bytea)
       FROM generate_series(1, ${ROWS}) g`,
      [start.toISOString()],
    );
  });

  after(async () => {
    await svc?.close();
    await stub?.close();
    await db?.drop();
  });

  const rowsRead = async () => {
    const m = await svc.platform.metrics.registry
      .getSingleMetric('portcullis_audit_export_rows_total')!
      .get();
    return m.values.reduce((s, v) => s + v.value, 0);
  };

  it(`streams ${ROWS.toLocaleString('en')} records: first bytes early, reads stop while the client stops reading, memory bounded`, async (t) => {
    const before0 = await rowsRead();
    gc();
    const heapStart = process.memoryUsage().heapUsed;
    let heapMax = heapStart;
    // Live heap (after a full GC) at a few points of the stream: during the pause and at each quarter.
    const sample = () => {
      gc();
      heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
    };
    let nextSample = ROWS / 4;
    const t0 = Date.now();
    const result = await new Promise<{
      firstByteMs: number;
      totalMs: number;
      lines: number;
      bytes: number;
      readAtPause: number;
      readAfterPause: number;
    }>((resolve, reject) => {
      const req = get(
        `${svc.url}/api/v1/audit/export?format=ndjson`,
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          let firstByteMs = -1;
          let lines = 0;
          let bytes = 0;
          let readAtPause = 0;
          let readAfterPause = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            if (lines >= nextSample) {
              nextSample += ROWS / 4;
              sample();
            }
            if (firstByteMs < 0) {
              firstByteMs = Date.now() - t0;
              // Stop reading for 1.5 s: with backpressure the server must stop fetching rows.
              res.pause();
              void (async () => {
                await new Promise((r) => setTimeout(r, 300));
                readAtPause = (await rowsRead()) - before0;
                await new Promise((r) => setTimeout(r, 1200));
                readAfterPause = (await rowsRead()) - before0;
                sample();
                res.resume();
              })();
            }
          });
          res.on('end', () =>
            resolve({ firstByteMs, totalMs: Date.now() - t0, lines, bytes, readAtPause, readAfterPause }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
    t.diagnostic(
      `first byte ${result.firstByteMs} ms, total ${result.totalMs} ms (incl. 1.5 s pause), ${(result.bytes / 1e6).toFixed(1)} MB, ` +
        `rows read while paused: ${result.readAtPause} → ${result.readAfterPause}, live heap +${((heapMax - heapStart) / 1e6).toFixed(1)} MB peak`,
    );
    assert.equal(result.lines, ROWS);
    assert.ok(
      result.firstByteMs < (result.totalMs - 1500) / 2,
      'the first bytes arrive long before the export completes',
    );
    // Only what fits in socket buffers is read ahead of a client that does not read (a few batches).
    assert.ok(
      result.readAfterPause <= ROWS / 10,
      `reads stopped while the client was not reading (${result.readAfterPause} rows read)`,
    );
    assert.ok(
      heapMax - heapStart < Math.min(40e6, result.bytes / 4),
      'live memory stays bounded: the export is never held in memory',
    );
  });
});
