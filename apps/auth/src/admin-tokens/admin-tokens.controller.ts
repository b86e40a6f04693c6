import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { z } from 'zod';
import { actorOf, AdminApi, parseBody } from '../common/admin';
import { AdminTokensService, ADMIN_TOKEN_SCOPES, toAdminTokenView } from './admin-tokens.service';

const createSchema = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.enum(ADMIN_TOKEN_SCOPES)).min(1).optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** Admin API tokens for automation: created (shown once), listed without secrets, revoked. */
@Controller('api/v1/admin-tokens')
@AdminApi()
export class AdminTokensController {
  constructor(private readonly tokens: AdminTokensService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Req() req: AdminRequest) {
    const input = parseBody(createSchema, body);
    const { token, record } = await this.tokens.create(input, actorOf(req));
    return { ...toAdminTokenView(record), token, note: 'Store this token now: it is shown only once.' };
  }

  @Get()
  async list() {
    return { data: (await this.tokens.list()).map(toAdminTokenView) };
  }

  @Delete(':id')
  async revoke(@Param('id') id: string, @Req() req: AdminRequest) {
    return toAdminTokenView(await this.tokens.revoke(id, actorOf(req)));
  }
}
