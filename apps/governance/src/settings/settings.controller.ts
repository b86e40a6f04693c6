import { Body, Controller, Get, Headers, Patch, Put, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { GovernanceAdminGuard } from '../common/admin.guard';
import type { Response } from 'express';
import { actorOfRequest } from '../common/actor';
import { requireIfMatch } from '../common/etag';
import { withEtag } from '../common/http';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { parseInput } from '../common/validation';
import { settingsPatchSchema, settingsPutSchema, SettingsService } from './settings.service';

@Controller('api/v1/settings')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  async get(@Res({ passthrough: true }) res: Response) {
    return withEtag(res, await this.settings.get());
  }

  @Put()
  async put(
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseInput(settingsPutSchema, body);
    return withEtag(
      res,
      await this.settings.update(requireIfMatch(ifMatch, 'settings'), input, actorOfRequest(req)),
    );
  }

  @Patch()
  async patch(
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseInput(settingsPatchSchema, body);
    return withEtag(
      res,
      await this.settings.update(requireIfMatch(ifMatch, 'settings'), input, actorOfRequest(req)),
    );
  }
}
