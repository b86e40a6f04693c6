import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEnvelope, ToolCallAudited } from '@portcullis/contracts';
import type { EventBus } from '@portcullis/messaging';
import { createLogger, Metrics } from '@portcullis/observability';
import type { Platform } from '@portcullis/runtime';
import type { AuditConfig } from '../audit.config';
import { AuditMetrics } from '../audit.metrics';
import type { AuditRow } from '../domain/record';
import type { AuditStore } from '../store/audit-store';
import { AuditIngestService } from './audit-ingest.service';
import type { TenantSettingsService } from './tenant-settings.service';

function service() {
  const stored: AuditRow[] = [];
  const platform = {
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger('audit', 'silent'),
  } as unknown as Platform;
  const store = {
    dataSource: { query: async () => [] },
    records: {
      append: async (rows: AuditRow[]) => {
        stored.push(...rows);
        return {
          inserted: rows.length,
          byKind: { tool_call: rows.length },
          duplicates: 0,
          partitionsCreated: [],
        };
      },
    },
  } as unknown as AuditStore;
  const cfg = {
    verbosity: 'standard',
    verbosityByTenant: new Map(),
    redactFields: [],
    ingestBatchSize: 500,
    ingestFetchBytes: 1 << 20,
  } as unknown as AuditConfig;
  const settings = { verbosityOf: () => undefined } as unknown as TenantSettingsService;
  const svc = new AuditIngestService(
    {} as EventBus,
    platform,
    store,
    cfg,
    new AuditMetrics(platform),
    settings,
  );
  return { svc, stored };
}

const call = (tenantId: string, callId: string) =>
  createEnvelope(
    ToolCallAudited,
    {
      callId,
      phase: 'outcome',
      outcome: 'allowed_success',
      user: { id: 'u' },
      client: { id: 'c' },
      tool: 't',
    },
    { tenantId },
  );

describe('audit ingest handler', () => {
  it('stores a batch', async () => {
    const { svc, stored } = service();
    await svc.handle([call('acme', 'a'), call('acme', 'b')]);
    assert.deepEqual(
      stored.map((r) => r.callId),
      ['a', 'b'],
    );
  });

  it('stores the rest of a batch around an event it cannot map, then fails the batch', async () => {
    const { svc, stored } = service();
    await assert.rejects(
      svc.handle([call('acme', 'a'), call('ac\u0000me', 'bad'), call('acme', 'c')]),
      /tenant id .* NUL or an unpaired surrogate/,
    );
    assert.deepEqual(
      stored.map((r) => r.callId),
      ['a', 'c'],
      'the mappable events are stored (the redelivery of the batch is then a no-op for them)',
    );
  });
});
