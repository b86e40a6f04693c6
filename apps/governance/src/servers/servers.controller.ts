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
import { ServersService } from './servers.service';

const listQuery = z.strictObject({
  ...pageQuery,
  catalogId: oneOf(['okta', 'remote-mcp'], 'catalog entry').optional(),
});

@Controller('api/v1/servers')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
@UseInterceptors(IdempotencyInterceptor)
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseInput(listQuery, query, 'query');
    return this.servers.list(pageRequest(q), q.catalogId ? { catalogId: q.catalogId } : {});
  }

  @Post()
  async create(@Body() body: unknown, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    const view = await this.servers.create(body, actorOfRequest(req));
    res.setHeader('location', `/api/v1/servers/${view.id}`);
    return withEtag(res, view);
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.servers.get(id));
  }

  @Patch(':id')
  async patch(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const expected = requireIfMatch(ifMatch, 'server');
    return withEtag(res, await this.servers.patch(id, expected, body, actorOfRequest(req)));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
  ) {
    await this.servers.delete(id, requireIfMatch(ifMatch, 'server'), actorOfRequest(req));
  }

  @Post(':id/pause')
  @HttpCode(200)
  async pause(@Param('id') id: string, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.servers.setPaused(id, true, actorOfRequest(req)));
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.servers.setPaused(id, false, actorOfRequest(req)));
  }

  @Post(':id/discover')
  @HttpCode(202)
  discover(@Param('id') id: string, @Body() body: unknown, @Req() req: AdminRequest) {
    return this.servers.requestDiscovery(id, body, actorOfRequest(req));
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@Param('id') id: string) {
    return this.servers.test(id);
  }
}
