import { Controller, Delete, Get, HttpCode, Param, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { actorOf, AdminApi } from '../common/admin';
import { ProblemDetailsFilter } from '../common/filters';
import { type UserRequest, UserTokenGuard } from '../tokens/user-token.guard';
import { ConnectionsService, toConnectionView } from './connections.service';

/** A user's own upstream connections (bearer = their Portcullis access token). */
@Controller('api/v1/me/connections')
@UseGuards(UserTokenGuard)
@UseFilters(ProblemDetailsFilter)
export class MyConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  async list(@Req() req: UserRequest) {
    return { data: await this.connections.forUser(req.claims!.sub) };
  }

  @Delete(':serverId')
  @HttpCode(204)
  async disconnect(@Param('serverId') serverId: string, @Req() req: UserRequest) {
    const c = req.claims!;
    await this.connections.disconnectOwn(c.sub, serverId, {
      type: 'user',
      id: c.sub,
      ...(c.email ? { email: c.email } : {}),
    });
  }
}

/** Admin view of all connections; revoking one deletes it and revokes the grant upstream. */
@Controller('api/v1/connections')
@AdminApi()
export class ConnectionsAdminController {
  constructor(private readonly connections: ConnectionsService) {}

  @Get()
  async list(@Query('serverId') serverId?: string) {
    return { data: (await this.connections.list(serverId)).map(toConnectionView) };
  }

  @Delete(':id')
  async revoke(@Param('id') id: string, @Req() req: AdminRequest) {
    return toConnectionView(await this.connections.revokeById(id, actorOf(req)));
  }
}
