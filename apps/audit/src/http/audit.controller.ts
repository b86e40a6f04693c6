import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { AdminActionAudited } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Response } from 'express';
import { AUDIT_CONFIG, type AuditConfig, retentionDaysFor } from '../audit.config';
import { AuditMetrics } from '../audit.metrics';
import { decodeCursor, encodeCursor, filterFingerprint, InvalidCursorError } from '../domain/cursor';
import { csvHeader, csvLine } from '../domain/csv';
import { toOcsf } from '../domain/ocsf';
import type { ChainedRow } from '../domain/record';
import { daysBefore } from '../domain/time';
import { toRecordView } from '../domain/view';
import type { AuditQuery } from '../store/audit-record.repository';
import { AUDIT_STORE, type AuditStore } from '../store/audit-store';
import { AuditAdminGuard } from './audit-admin.guard';
import { ProblemDetailsFilter } from './problem.filter';
import {
  type ExportQuery,
  exportQuerySchema,
  filterKey,
  type ListQuery,
  listQuerySchema,
  parseQuery,
  QueryParamError,
  verifyQuerySchema,
} from './query-params';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The audit admin API. Every route requires an admin credential (AdminGuard → auth introspection).
 * Records are those of this deployment's tenant, within the tenant's retention.
 */
@Controller('api/v1/audit')
@UseGuards(AuditAdminGuard)
@UseFilters(ProblemDetailsFilter)
export class AuditController {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(AUDIT_CONFIG) private readonly cfg: AuditConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: AuditMetrics,
  ) {}

  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof QueryParamError || err instanceof InvalidCursorError)
        throw new BadRequestException(err.message);
      throw err;
    }
  }

  private baseQuery(
    q: Partial<ListQuery> & Pick<ListQuery, 'view' | 'order'>,
    now: Date,
  ): Omit<AuditQuery, 'limit'> {
    const tenantId = this.platform.tenantId;
    const query: Omit<AuditQuery, 'limit'> = {
      tenantId,
      notBefore: daysBefore(now, retentionDaysFor(this.cfg, tenantId)),
      view: q.view,
      order: q.order,
      inflightCutoff: new Date(now.getTime() - this.cfg.inflightTimeoutSeconds * 1000),
    };
    for (const k of [
      'from',
      'to',
      'type',
      'user',
      'client',
      'server',
      'tool',
      'outcome',
      'reason',
      'q',
      'callId',
    ] as const) {
      if (q[k] !== undefined)
        (query as unknown as Record<string, unknown>)[k === 'type' ? 'types' : k] = q[k];
    }
    return query;
  }

  /** Lists records, newest first by default, one row per tool call (view=calls) or per stored record (view=records). */
  @Get('events')
  async list(@Query() raw: unknown) {
    const q = this.parse(() => parseQuery(listQuerySchema, raw));
    const fingerprint = filterFingerprint(filterKey(q));
    const after = q.cursor ? this.parse(() => decodeCursor(q.cursor!, q.order, fingerprint)) : undefined;
    const now = new Date();
    const rows = await this.store.records.find({
      ...this.baseQuery(q, now),
      limit: q.limit + 1,
      ...(after ? { after } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => toRecordView(r, q.view, now.getTime(), this.cfg.inflightTimeoutSeconds * 1000)),
      nextCursor:
        rows.length > q.limit && last
          ? encodeCursor({ ts: last.occurredAt, seq: last.seq }, q.order, fingerprint)
          : null,
    };
  }

  /** One stored record by its event id. */
  @Get('events/:eventId')
  async one(@Param('eventId') eventId: string) {
    if (!UUID.test(eventId))
      throw new BadRequestException(`eventId must be a UUID (got "${eventId.slice(0, 80)}").`);
    const row = await this.store.records.byEventId(this.platform.tenantId, eventId.toLowerCase());
    const now = new Date();
    if (
      !row ||
      Date.parse(row.occurredAt) < daysBefore(now, retentionDaysFor(this.cfg, row.tenantId)).getTime()
    ) {
      throw new NotFoundException(`No audit record with event id ${eventId}.`);
    }
    return toRecordView(row, 'records', now.getTime(), this.cfg.inflightTimeoutSeconds * 1000);
  }

  /** Every record of one tool call (its intent and its outcome), with the call's status. */
  @Get('calls/:callId')
  async call(@Param('callId') callId: string) {
    if (callId.length > 200) throw new BadRequestException('callId must be at most 200 characters.');
    const now = new Date();
    const rows = await this.store.records.byCall(
      this.platform.tenantId,
      callId,
      daysBefore(now, retentionDaysFor(this.cfg, this.platform.tenantId)),
    );
    if (rows.length === 0) throw new NotFoundException(`No audit records for call ${callId}.`);
    const outcome = rows.find((r) => r.phase === 'outcome');
    const intent = rows.find((r) => r.phase === 'intent');
    const inflightMs = this.cfg.inflightTimeoutSeconds * 1000;
    const status = outcome
      ? outcome.outcome
      : intent && now.getTime() - Date.parse(intent.occurredAt) > inflightMs
        ? 'unknown'
        : 'in_flight';
    return {
      callId,
      status,
      records: rows.map((r) => toRecordView(r, 'records', now.getTime(), inflightMs)),
    };
  }

  /** Recomputes the tenant's hash chain over a time range and reports the first broken record. */
  @Get('verify')
  async verify(@Query() raw: unknown) {
    const q = this.parse(() => parseQuery(verifyQuerySchema, raw));
    const report = await this.store.verify(this.platform.tenantId, {
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    });
    this.metrics.verifications.inc({ result: report.ok ? 'ok' : 'broken' });
    if (!report.ok)
      this.platform.logger.error(
        { broken: report.broken, tenantId: report.tenantId },
        'audit hash chain verification FAILED',
      );
    return report;
  }

  /**
   * Streams every matching record as NDJSON, CSV or OCSF (NDJSON of OCSF API Activity events). Rows
   * are read in keyset batches and written with backpressure: memory stays bounded whatever the size,
   * and a client that stops reading stops the reads. The result set ends at the request time (`to`
   * defaults to now), so records arriving during the export do not extend it.
   */
  @Get('export')
  async export(@Query() raw: unknown, @Req() req: AdminRequest, @Res() res: Response): Promise<void> {
    const q: ExportQuery = this.parse(() => parseQuery(exportQuerySchema, raw));
    const now = new Date();
    const query = this.baseQuery({ ...q, to: q.to ?? now }, now);
    const inflightMs = this.cfg.inflightTimeoutSeconds * 1000;
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const ext = q.format === 'csv' ? 'csv' : 'ndjson';
    res.status(200);
    res.setHeader(
      'content-type',
      q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    res.setHeader(
      'content-disposition',
      `attachment; filename="audit-${this.platform.tenantId}-${q.format}-${stamp}.${ext}"`,
    );
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    void this.recordExport(req, q);

    let closed = false;
    res.once('close', () => (closed = true));
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    const write = async (chunk: string) => {
      if (!res.write(chunk) && !closed) await drained();
    };
    const format = (r: ChainedRow): string => {
      if (q.format === 'csv') return csvLine(r, { view: q.view, now: now.getTime(), inflightMs });
      const obj =
        q.format === 'ocsf'
          ? toOcsf(r, { version: this.platform.version })
          : toRecordView(r, q.view, now.getTime(), inflightMs);
      return JSON.stringify(obj) + '\n';
    };

    if (q.format === 'csv') await write(csvHeader());
    let remaining = q.limit ?? Number.POSITIVE_INFINITY;
    let after: { ts: string; seq: number } | undefined;
    while (!closed && remaining > 0) {
      const batch = await this.store.records.find({
        ...query,
        limit: Math.min(this.cfg.exportBatchSize, remaining),
        ...(after ? { after } : {}),
      });
      this.metrics.exportRows.inc({ format: q.format }, batch.length);
      if (batch.length === 0) break;
      // One write per batch keeps syscalls low; backpressure is honoured between batches.
      let chunk = '';
      for (const r of batch) chunk += format(r);
      await write(chunk);
      remaining -= batch.length;
      const last = batch[batch.length - 1]!;
      after = { ts: last.occurredAt, seq: last.seq };
      if (batch.length < this.cfg.exportBatchSize) break;
    }
    res.end();
  }

  /** Who exported what is itself an admin action (best effort: the export does not depend on it). */
  private async recordExport(req: AdminRequest, q: ExportQuery): Promise<void> {
    const p = req.principal;
    if (!p) return;
    const filters = Object.entries(filterKey(q))
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    try {
      await this.bus.publish(
        AdminActionAudited,
        {
          action: 'audit.exported',
          actor: {
            type: p.kind === 'admin_api_token' ? 'admin_token' : 'user',
            id: p.sub,
            ...(p.email ? { email: p.email } : {}),
          },
          resourceType: 'audit_log',
          resourceId: this.platform.tenantId,
          summary: `format=${q.format} ${filters}`.trim().slice(0, 2000),
        },
        { tenantId: this.platform.tenantId },
      );
    } catch (err) {
      this.platform.logger.warn({ err }, 'could not record the audit export as an admin action');
    }
  }
}
