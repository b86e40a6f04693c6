import {
  Body,
  Controller,
  Delete,
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
import { oneOf } from '../common/vocabulary';
import { toolsetCreateSchema, toolsetPatchSchema, ToolsetsService } from './toolsets.service';

const listQuery = z.strictObject({
  ...pageQuery,
  kind: oneOf(['custom', 'maintained'], 'toolset kind').optional(),
  serverId: z.uuid({ error: 'must be a server id' }).optional(),
});

@Controller('api/v1/toolsets')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
@UseInterceptors(IdempotencyInterceptor)
export class ToolsetsController {
  constructor(private readonly toolsets: ToolsetsService) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseInput(listQuery, query, 'query');
    return this.toolsets.list(pageRequest(q), {
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.serverId ? { serverId: q.serverId } : {}),
    });
  }

  @Post()
  async create(@Body() body: unknown, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    const view = await this.toolsets.create(parseInput(toolsetCreateSchema, body), actorOfRequest(req));
    res.setHeader('location', `/api/v1/toolsets/${view.id}`);
    return withEtag(res, view);
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.toolsets.get(id));
  }

  @Patch(':id')
  async patch(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    // A maintained toolset answers 409 whatever the body or If-Match say.
    await this.toolsets.assertEditable(id);
    const input = parseInput(toolsetPatchSchema, body);
    return withEtag(
      res,
      await this.toolsets.patch(id, requireIfMatch(ifMatch, 'toolset'), input, actorOfRequest(req)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
  ) {
    await this.toolsets.assertEditable(id);
    await this.toolsets.delete(id, requireIfMatch(ifMatch, 'toolset'), actorOfRequest(req));
  }
}
