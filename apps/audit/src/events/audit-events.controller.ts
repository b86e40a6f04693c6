import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AuditRecordRepository } from './audit-record.repository';

@Controller('api/v1/audit')
export class AuditEventsController {
  constructor(
    private readonly records: AuditRecordRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  @Get('events')
  async list(@Query('type') type?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new BadRequestException('limit must be an integer between 1 and 1000.');
    }
    if (cursor !== undefined && !/^\d+$/.test(cursor)) throw new BadRequestException('cursor is not valid; use nextCursor from a previous page.');
    const rows = await this.records.find({
      tenantId: this.platform.tenantId,
      limit: n,
      ...(type ? { type } : {}),
      ...(cursor ? { before: cursor } : {}),
    });
    return {
      data: rows.map((r) => ({
        id: r.id,
        eventId: r.eventId,
        type: r.type,
        occurredAt: r.occurredAt.toISOString(),
        recordedAt: r.recordedAt.toISOString(),
        traceId: r.traceId,
        payload: r.payload,
      })),
      nextCursor: rows.length === n ? rows[rows.length - 1]!.id : null,
    };
  }
}
