import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { z } from 'zod';
import { actorOf, AdminApi, parseBody } from '../common/admin';
import { ProblemDetailsFilter } from '../common/filters';
import { InternalCallers, type InternalRequest, ServiceTokenGuard } from '../internal/service-token.guard';
import { upstreamClientInput, UpstreamClientsService } from './upstream-clients.service';

/** Governance sets each registered server's upstream OAuth client here (internal channel). */
@Controller('internal/v1/upstream-clients')
@UseGuards(ServiceTokenGuard)
@UseFilters(ProblemDetailsFilter)
@InternalCallers('governance')
export class UpstreamClientsInternalController {
  constructor(private readonly configs: UpstreamClientsService) {}

  @Put(':serverId')
  async put(@Param('serverId') serverId: string, @Body() body: unknown, @Req() req: InternalRequest) {
    const rec = await this.configs.put(serverId, parseBody(upstreamClientInput, body), {
      type: 'service',
      id: req.caller ?? 'governance',
    });
    return this.configs.view(rec);
  }

  @Get(':serverId')
  async get(@Param('serverId') serverId: string) {
    return this.configs.view(await this.configs.require(serverId));
  }

  @Delete(':serverId')
  @HttpCode(204)
  async delete(@Param('serverId') serverId: string, @Req() req: InternalRequest) {
    await this.configs.delete(serverId, { type: 'service', id: req.caller ?? 'governance' });
  }
}

const rotateSchema = z.object({ clientSecret: z.string().min(1).max(4096) });

/** Admins read the (secret-free) configuration and rotate client secrets without downtime. */
@Controller('api/v1/upstream-clients')
@AdminApi()
export class UpstreamClientsAdminController {
  constructor(private readonly configs: UpstreamClientsService) {}

  @Get()
  async list() {
    return { data: (await this.configs.list()).map((r) => this.configs.view(r)) };
  }

  @Get(':serverId')
  async get(@Param('serverId') serverId: string) {
    return this.configs.view(await this.configs.require(serverId));
  }

  @Post(':serverId/client-secret')
  @HttpCode(200)
  async rotate(@Param('serverId') serverId: string, @Body() body: unknown, @Req() req: AdminRequest) {
    const { clientSecret } = parseBody(rotateSchema, body);
    return this.configs.view(await this.configs.rotateSecret(serverId, clientSecret, actorOf(req)));
  }
}
