import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
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
import { IdempotencyInterceptor } from '../common/idempotency';
import { pageQuery, pageRequest } from '../common/pagination';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { parseInput } from '../common/validation';
import { KILL_SWITCH_SCOPES, oneOf } from '../common/vocabulary';
import { killSwitchCreateSchema, KillSwitchesService } from './kill-switches.service';

const listQuery = z.strictObject({
  ...pageQuery,
  scope: oneOf(KILL_SWITCH_SCOPES, 'kill switch scope').optional(),
});

@Controller('api/v1/kill-switches')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
@UseInterceptors(IdempotencyInterceptor)
export class KillSwitchesController {
  constructor(private readonly switches: KillSwitchesService) {}

  @Get()
  list(@Query() query: unknown) {
    const q = parseInput(listQuery, query, 'query');
    return this.switches.list(pageRequest(q), q.scope);
  }

  @Post()
  async engage(@Body() body: unknown, @Req() req: AdminRequest, @Res({ passthrough: true }) res: Response) {
    const view = await this.switches.engage(parseInput(killSwitchCreateSchema, body), actorOfRequest(req));
    res.setHeader('location', `/api/v1/kill-switches/${view.id}`);
    return view;
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.switches.get(id);
  }

  /** Kill switches are engaged or released, never edited, so no If-Match is needed to release one. */
  @Delete(':id')
  @HttpCode(204)
  async release(@Param('id') id: string, @Req() req: AdminRequest) {
    await this.switches.release(id, actorOfRequest(req));
  }
}
