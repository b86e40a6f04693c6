import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { GovernanceAdminGuard } from '../common/admin.guard';
import type { Response } from 'express';
import { z } from 'zod';
import { actorOfRequest } from '../common/actor';
import { requireIfMatch } from '../common/etag';
import { withEtag } from '../common/http';
import { IdempotencyInterceptor } from '../common/idempotency';
import { pageQuery, pageRequest } from '../common/pagination';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { parseInput } from '../common/validation';
import { classificationSchema, toolStateSchema } from '../common/vocabulary';
import { EffectiveAccessService } from '../effective-access/effective-access.service';
import { toolBulkSchema, toolPatchSchema, ToolsService } from './tools.service';

const listQuery = z.strictObject({
  ...pageQuery,
  serverId: z.uuid({ error: 'must be a server id' }).optional(),
  state: toolStateSchema.optional(),
  classification: classificationSchema.optional(),
  q: z.string().max(200).optional(),
});
const historyQuery = z.strictObject(pageQuery);

@Controller('api/v1/tools')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
@UseInterceptors(IdempotencyInterceptor)
export class ToolsController {
  constructor(
    private readonly tools: ToolsService,
    private readonly access: EffectiveAccessService,
  ) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseInput(listQuery, query, 'query');
    return this.tools.list(pageRequest(q), {
      ...(q.serverId ? { serverId: q.serverId } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.classification ? { classification: q.classification } : {}),
      ...(q.q ? { q: q.q } : {}),
    });
  }

  @Post('bulk')
  @HttpCode(200)
  bulk(@Body() body: unknown, @Req() req: AdminRequest) {
    return this.tools.bulk(parseInput(toolBulkSchema, body), actorOfRequest(req));
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.tools.get(id));
  }

  @Patch(':id')
  async patch(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const patch = parseInput(toolPatchSchema, body);
    return withEtag(
      res,
      await this.tools.patch(id, requireIfMatch(ifMatch, 'tool'), patch, actorOfRequest(req)),
    );
  }

  @Get(':id/history')
  history(@Param('id') id: string, @Query() query: unknown) {
    return this.tools.history(id, pageRequest(parseInput(historyQuery, query, 'query')));
  }

  @Get(':id/effective-access')
  effectiveAccess(@Param('id') id: string) {
    return this.access.forTool(id);
  }
}
