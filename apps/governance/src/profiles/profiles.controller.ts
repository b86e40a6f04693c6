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
import { profileCreateSchema, profilePatchSchema, ProfilesService } from './profiles.service';

const listQuery = z.strictObject({
  ...pageQuery,
  subject: z.string().max(320).optional(),
  toolsetId: z.uuid({ error: 'must be a toolset id' }).optional(),
});

@Controller('api/v1/profiles')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
@UseInterceptors(IdempotencyInterceptor)
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseInput(listQuery, query, 'query');
    return this.profiles.list(pageRequest(q), {
      ...(q.subject ? { subject: q.subject } : {}),
      ...(q.toolsetId ? { toolsetId: q.toolsetId } : {}),
    });
  }

  @Post()
  async create(@Body() body: unknown, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    const view = await this.profiles.create(parseInput(profileCreateSchema, body), actorOfRequest(req));
    res.setHeader('location', `/api/v1/profiles/${view.id}`);
    return withEtag(res, view);
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.profiles.get(id));
  }

  @Patch(':id')
  async patch(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseInput(profilePatchSchema, body);
    return withEtag(
      res,
      await this.profiles.patch(id, requireIfMatch(ifMatch, 'access profile'), input, actorOfRequest(req)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
  ) {
    await this.profiles.delete(id, requireIfMatch(ifMatch, 'access profile'), actorOfRequest(req));
  }
}
