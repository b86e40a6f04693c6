import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@portcullis/contracts';
import { traceIdOf } from '@portcullis/observability';
import { DATA_SOURCE } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { AuditRecord } from './audit-record.entity';

export interface AuditQuery {
  tenantId: string;
  type?: string;
  limit: number;
  before?: string;
}

/** The only code that touches the audit tables. */
@Injectable()
export class AuditRecordRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Idempotent batch insert: a redelivered event (same eventId) is skipped, never duplicated. */
  async insertBatch(envelopes: EventEnvelope[]): Promise<number> {
    if (envelopes.length === 0) return 0;
    const rows = envelopes.map((e) => ({
      eventId: e.eventId,
      tenantId: e.tenantId,
      type: e.type,
      occurredAt: e.occurredAt,
      traceId: traceIdOf(e.traceparent) ?? null,
      payload: e.payload,
    }));
    // One statement per batch; ON CONFLICT makes redelivery a no-op.
    const inserted: unknown[] = await this.ds.query(
      `INSERT INTO audit.records (event_id, tenant_id, type, occurred_at, trace_id, payload)
       SELECT (r->>'eventId')::uuid, r->>'tenantId', r->>'type', (r->>'occurredAt')::timestamptz, r->>'traceId', r->'payload'
         FROM jsonb_array_elements($1::jsonb) AS r
       ON CONFLICT (event_id) DO NOTHING
       RETURNING id`,
      [JSON.stringify(rows)],
    );
    return inserted.length;
  }

  async find(q: AuditQuery): Promise<AuditRecord[]> {
    const qb = this.ds
      .getRepository(AuditRecord)
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenant', { tenant: q.tenantId })
      .orderBy('r.id', 'DESC')
      .limit(q.limit);
    if (q.type) qb.andWhere('r.type = :type', { type: q.type });
    if (q.before) qb.andWhere('r.id < :before', { before: q.before });
    return qb.getMany();
  }
}
