import { Controller, Get, Query, UseFilters, UseGuards } from '@nestjs/common';
import { GovernanceAdminGuard } from '../common/admin.guard';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { parseInput } from '../common/validation';
import { callerQuerySchema, EffectiveAccessService } from './effective-access.service';

@Controller('api/v1/effective-access')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
export class EffectiveAccessController {
  constructor(private readonly access: EffectiveAccessService) {}

  /** What can this user call, and why: `?user=<id or email>&groups=a,b&clientType=personal[&tool=<name or id>]`. */
  @Get()
  forCaller(@Query() query: unknown) {
    return this.access.forCaller(parseInput(callerQuerySchema, query, 'query'));
  }
}
